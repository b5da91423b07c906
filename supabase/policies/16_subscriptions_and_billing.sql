-- RLS policies of subscriptions and billing. Helpers are called as (select ...) so they run once
-- per statement, not once per row. A command without a policy here is denied to frontends:
-- sessions and grants are written by their RPCs only.

-- billing sessions ----------------------------------------------------------------------------
create policy "Owners can read their organization's billing sessions"
on public.billing_sessions for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner}')));

-- support access grants -----------------------------------------------------------------------
create policy "Owners, admins and platform staff can read support access grants"
on public.support_access_grants for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin}'))
  or (select private.is_platform_staff())
);
