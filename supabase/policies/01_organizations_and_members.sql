-- RLS policies of organizations and members: plans, organizations, profiles, memberships and
-- invitations. Helpers are called as (select ...) so they run once per statement, not once per
-- row. A command without a policy here is denied to frontends.

-- plans ---------------------------------------------------------------------------------------
create policy "Anyone can read the plans"
on public.plans for select to anon, authenticated
using (true);

-- organizations -------------------------------------------------------------------------------
-- One permissive policy per role and action (Supabase's advisor, lint 0006): each is an "or".
create policy "Members and platform staff can read organizations"
on public.organizations for select to authenticated
using (id in (select private.organization_ids_for()) or (select private.is_platform_staff()));

create policy "Owners and admins can update their organization"
on public.organizations for update to authenticated
using (id in (select private.organization_ids_for('{owner,admin}')))
with check (id in (select private.organization_ids_for('{owner,admin}')));

-- profiles ------------------------------------------------------------------------------------
create policy "People can read the profiles of the people they work with; staff all"
on public.profiles for select to authenticated
using (id in (select private.co_member_ids()) or (select private.is_platform_staff()));

create policy "People can update their own profile"
on public.profiles for update to authenticated
using (id = (select auth.uid()))
with check (id = (select auth.uid()));

-- memberships ---------------------------------------------------------------------------------
create policy "Members and platform staff can read memberships"
on public.memberships for select to authenticated
using (organization_id in (select private.organization_ids_for()) or (select private.is_platform_staff()));

create policy "Owners and admins can change members' roles"
on public.memberships for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove members; members can leave"
on public.memberships for delete to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin}'))
  or user_id = (select auth.uid())
);

-- invitations ---------------------------------------------------------------------------------
create policy "Owners, admins and the invitee can read invitations"
on public.invitations for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin}'))
  or email = (select private.confirmed_email())
);
