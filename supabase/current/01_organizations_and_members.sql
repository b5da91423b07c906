-- Organizations and members: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- True when the current statement comes through the API as a frontend (anon or a signed-in
-- user), as opposed to service_role, a definer function, or a migration.
-- plpgsql, not SQL: triggers call it for every row a frontend writes, and PostgreSQL 15 plans a
-- SQL function with SET search_path on every call (23 us a row; as plpgsql, about 1).
create or replace function private.is_api_caller()
returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return current_user in ('anon', 'authenticated');
end
$$;
revoke all on function private.is_api_caller()
from public, anon, authenticated, service_role;
grant execute on function private.is_api_caller()
to authenticated, service_role;

-- Keeps updated_at honest on every table that has one.
create or replace function private.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.touch_updated_at()
from public, anon, authenticated, service_role;

-- Raises 403 when an organization is deleted, trial-expired, suspended or cancelled: its data is read-only for
-- its members. The one check behind the organizations trigger, every tenant table's guard and
-- the RPCs that write on a member's behalf.
create or replace function private.assert_organization_writable(organization uuid)
returns void
language plpgsql stable security definer
set search_path = ''
as $$
declare
  org record;
begin
  select o.name, o.status, o.deleted_at into org from public.organizations as o where o.id = organization;
  if org.deleted_at is not null then
    raise exception 'Organization "%" has been deleted', org.name using errcode = '42501';
  elsif org.status in ('trial_expired', 'suspended', 'cancelled') then
    raise exception 'Organization "%" is %: its data is read-only', org.name, replace(org.status::text, '_', ' ')
    using errcode = '42501',
    hint = 'An owner can subscribe to a plan or update billing to reactivate it.';
  end if;
end
$$;
revoke all on function private.assert_organization_writable(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function private.assert_organization_writable(organization uuid)
to authenticated;

-- True when the signed-in user is platform staff.
create or replace function private.is_platform_staff()
returns boolean
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (select exists (select from private.platform_staff where user_id = (select auth.uid())));
end
$$;
revoke all on function private.is_platform_staff()
from public, anon, authenticated, service_role;
grant execute on function private.is_platform_staff()
to authenticated, service_role;

-- Normalises an organization before it is stored, and rejects settings that make no sense.
create or replace function private.normalize_organization()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.name := btrim(new.name);
  new.slug := private.slugify(coalesce(nullif(btrim(new.slug), ''), new.name));
  new.currency := upper(new.currency);
  -- Rejects unknown zones with SQLSTATE 22023: 'time zone "..." not recognized'.
  perform now() at time zone new.time_zone;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
    if private.is_api_caller() then
      perform private.assert_organization_writable(old.id);
    end if;
    -- Members may edit settings, never the billing state: that is staff's or billing's job.
    if private.is_api_caller() and (
      new.plan_id is distinct from old.plan_id
      or new.status is distinct from old.status
      or new.trial_ends_at is distinct from old.trial_ends_at
      or new.deleted_at is distinct from old.deleted_at
      or new.created_by is distinct from old.created_by
    ) then
      raise exception 'Plan, status, trial and deletion cannot be changed directly'
      using errcode = '42501',
      hint = 'Use the billing flow, or public.delete_organization() to delete.';
    end if;
  end if;
  return new;
end
$$;
revoke all on function private.normalize_organization()
from public, anon, authenticated, service_role;

-- A URL-safe slug from any text: "Acme Backflow & Co." -> "acme-backflow-co".
create or replace function private.slugify(value text)
returns text
language sql immutable strict
set search_path = ''
as $$
  select trim(both '-' from regexp_replace(lower(value), '[^a-z0-9]+', '-', 'g'))
$$;
revoke all on function private.slugify(value text)
from public, anon, authenticated, service_role;
grant execute on function private.slugify(value text)
to authenticated, service_role;

-- Copies a user's email, name and avatar from Supabase Auth into their profile. The name and
-- avatar come from user metadata (full_name or name; avatar_url or picture, as OAuth gives).
create or replace function private.sync_profile_from_auth_user()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  meta_avatar text := coalesce(meta ->> 'avatar_url', meta ->> 'picture');
begin
  insert into public.profiles as p (id, email, full_name, avatar_url)
  values (
    new.id,
    new.email,
    coalesce(meta ->> 'full_name', meta ->> 'name'),
    case when meta_avatar ~ '^https?://' then meta_avatar end
  )
  on conflict (id) do update
  set email = excluded.email,
  full_name = coalesce(excluded.full_name, p.full_name),
  avatar_url = coalesce(excluded.avatar_url, p.avatar_url);
  return new;
end
$$;
revoke all on function private.sync_profile_from_auth_user()
from public, anon, authenticated, service_role;

-- Raises 403 when the organization asks for MFA and the session is not aal2.
create or replace function private.assert_mfa_if_required(organization uuid)
returns void
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if (select o.require_mfa from public.organizations as o where o.id = organization)
     and coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2' then
    raise exception 'This action requires multi-factor authentication'
    using errcode = '42501',
    hint = 'Verify a second factor (aal2 session) and try again.';
  end if;
end
$$;
revoke all on function private.assert_mfa_if_required(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function private.assert_mfa_if_required(organization uuid)
to authenticated;

-- What holds whoever writes: every live organization keeps an owner, and plans limit members
-- and technicians.
create or replace function private.check_membership_invariants()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  plan record;
  member_count integer;
  technician_count integer;
begin
  if tg_op in ('UPDATE', 'DELETE') and old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and exists (select from public.organizations where id = old.organization_id)
     and not exists (
       select from public.memberships as m
       where m.organization_id = old.organization_id and m.role = 'owner' and m.id <> old.id
     ) then
    raise exception 'An organization must keep at least one owner'
    using errcode = 'PT409',
    hint = 'Transfer ownership to another member first (public.transfer_ownership).';
  end if;

  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.role = 'technician' and old.role <> 'technician') then
    select p.* into plan
    from public.organizations as o inner join public.plans as p on o.plan_id = p.id
    where o.id = new.organization_id;
    select count(*), count(*) filter (where m.role = 'technician')
    into member_count, technician_count
    from public.memberships as m where m.organization_id = new.organization_id and m.id <> new.id;
    if tg_op = 'INSERT' and plan.max_members is not null and member_count >= plan.max_members then
      raise exception 'The % plan allows % members', plan.name, plan.max_members
      using errcode = 'PT402', hint = 'Upgrade the plan to add more members.';
    end if;
    if new.role = 'technician' and plan.max_technicians is not null
       and technician_count >= plan.max_technicians then
      raise exception 'The % plan allows % technicians', plan.name, plan.max_technicians
      using errcode = 'PT402', hint = 'Upgrade the plan to add more technicians.';
    end if;
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function private.check_membership_invariants()
from public, anon, authenticated, service_role;

-- What frontends may do to memberships: owners alone grant, change or remove the owner role,
-- a membership never changes hands, and changing a role or removing someone else are
-- sensitive (aal2 where the organization requires MFA). Leaving needs nothing.
create or replace function private.check_membership_permissions()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  org_id uuid := coalesce(new.organization_id, old.organization_id);
  caller_role public.member_role;
  leaving boolean := tg_op = 'DELETE' and old.user_id = (select auth.uid());
begin
  if not private.is_api_caller() then
    return coalesce(new, old);
  end if;
  caller_role := private.role_in(org_id);
  if tg_op = 'UPDATE' and new.user_id is distinct from old.user_id then
    raise exception 'A membership cannot be moved to another user' using errcode = '42501';
  end if;
  if ((tg_op <> 'INSERT' and old.role = 'owner' and not leaving)
      or (tg_op <> 'DELETE' and new.role = 'owner'))
     and caller_role is distinct from 'owner' then
    raise exception 'Only an owner can grant, change or remove the owner role'
    using errcode = '42501';
  end if;
  if (tg_op = 'UPDATE' and new.role is distinct from old.role) or (tg_op = 'DELETE' and not leaving) then
    perform private.assert_mfa_if_required(org_id);
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function private.check_membership_permissions()
from public, anon, authenticated, service_role;

-- The users who share at least one live organization with the signed-in user (themselves too).
create or replace function private.co_member_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select (select auth.uid())
  union
  select m.user_id
  from public.memberships as m
  where m.organization_id in (select private.organization_ids_for());
end
$$;
revoke all on function private.co_member_ids()
from public, anon, authenticated, service_role;
grant execute on function private.co_member_ids()
to authenticated;

-- Raises 403 when a frontend writes to an organization that is suspended, cancelled or
-- deleted. For an organization the caller does not belong to it does nothing: RLS refuses the
-- row with its own error, so no message ever names another tenant's organization.
create or replace function private.enforce_organization_writable()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target uuid := case when tg_op = 'DELETE' then old.organization_id else new.organization_id end;
begin
  if not private.is_api_caller() or target not in (select private.organization_ids_for()) then
    return coalesce(new, old);
  end if;
  if private.role_in(target) is null then
    raise exception 'Support access is read-only' using errcode = '42501';
  end if;
  perform private.assert_organization_writable(target);
  if tg_op = 'UPDATE' and new.organization_id is distinct from old.organization_id then
    raise exception 'A % row cannot move to another organization', tg_table_name
    using errcode = '42501';
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function private.enforce_organization_writable()
from public, anon, authenticated, service_role;

-- Installs on a tenant table the trigger that refuses writes while its organization is
-- suspended, cancelled or deleted (enforce_organization_writable); idempotent.
create or replace function private.install_organization_writable_guard(target regclass)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if not exists (
    select from pg_catalog.pg_attribute
    where attrelid = target and attname = 'organization_id' and not attisdropped
  ) then
    raise exception 'Table % can not be guarded because it has no organization_id column', target;
  end if;
  execute format('drop trigger if exists enforce_organization_writable on %s', target);
  execute format(
    'create trigger enforce_organization_writable before insert or update or delete on %s '
    'for each row execute function private.enforce_organization_writable()', target
  );
end
$$;
revoke all on function private.install_organization_writable_guard(target regclass)
from public, anon, authenticated, service_role;

-- Serialises membership changes per organization, so that two concurrent removals cannot both
-- pass the last-owner check and two concurrent inserts cannot both pass the plan limit.
create or replace function private.lock_organization_memberships()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform from public.organizations as o
  where o.id = coalesce(new.organization_id, old.organization_id)
  for no key update;
  return coalesce(new, old);
end
$$;
revoke all on function private.lock_organization_memberships()
from public, anon, authenticated, service_role;

-- Policy helpers cache their plans. Every RLS policy calls these helpers once per statement
-- (wrapped in a subselect). As SQL functions with SET search_path they are never inlined, and
-- PostgreSQL 15 plans a SQL function's body again on every call: parse, analyse and plan of
-- the membership query, nested helpers included, on every statement a member sends. As
-- plpgsql, each session plans them once and reuses the plan (PostgREST keeps its connections),
-- which halves what RLS adds to a member's query (scripts/bench: rls_overhead_ratio).
-- The bodies are unchanged: the same queries, still stable, security definer, search_path ''.
-- CREATE OR REPLACE keeps their owners, grants and the policies that use them.
create or replace function private.organization_ids_for(roles member_role[] default null::member_role[])
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
declare
  -- auth.uid() as written, but the claims read as json, not jsonb: one key is looked up, no
  -- document is built (4 us of the call on the bench's machine).
  caller uuid := coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub'
  )::uuid;
begin
  -- live_memberships holds the memberships of organizations that are not deleted: one index
  -- lookup, no join with organizations on every statement. Staff an owner granted support
  -- access read as a viewer does (writes are refused by enforce_organization_writable; RPCs
  -- check memberships); only staff can hold such access, so everyone else skips the grants'
  -- lookup. One query for both: one executor start a statement, not two (3-8 us).
  return query
  select l.organization_id
  from private.live_memberships as l
  where
    l.user_id = caller
    and (roles is null or l.role = any(roles))
  union all
  select s.organization_id
  from private.support_organization_ids() as s (organization_id)
  where
    (roles is null or 'viewer' = any(roles))
    and exists (select from private.platform_staff as p where p.user_id = caller);
end
$$;
revoke all on function private.organization_ids_for(roles member_role[])
from public, anon, authenticated, service_role;
grant execute on function private.organization_ids_for(roles member_role[])
to anon, authenticated, service_role;

-- The caller's memberships in live organizations, as (user_id, organization_id) pairs: the
-- own-rows arm of a policy ("a technician's own visits") tests `(user_id, organization_id) in
-- (select ...)` against it. One lookup; no auth.uid() in the policy, which the planner would
-- inline (parse and analyse its body) on every statement, and no platform-staff lookup, which
-- own rows never need (support access reads through the viewer arm).
create or replace function private.own_memberships()
returns table (user_id uuid, organization_id uuid)
language plpgsql stable security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
begin
  return query select l.user_id, l.organization_id
  from private.live_memberships as l
  where l.user_id = caller;
end
$$;
revoke all on function private.own_memberships()
from public, anon, authenticated, service_role;
grant execute on function private.own_memberships()
to authenticated;

-- Keeps private.live_memberships, the helper's copy of the memberships of organizations that
-- are not deleted, exact after inserts and updates of memberships (a removed membership's row
-- goes by its foreign key's cascade, which also carries a changed key). Set-based: one statement
-- for a whole import.
create or replace function private.copy_live_memberships()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    -- A membership moved into a deleted organization (service_role may move one) gives no access.
    delete from private.live_memberships as l
    using new_rows as n
    inner join public.organizations as o on n.organization_id = o.id
    where o.deleted_at is not null and l.user_id = n.user_id and l.organization_id = n.organization_id;
  end if;
  insert into private.live_memberships as l (user_id, organization_id, role)
  select n.user_id, n.organization_id, n.role
  from new_rows as n
  inner join public.organizations as o on n.organization_id = o.id
  where o.deleted_at is null
  on conflict (user_id, organization_id) do update set role = excluded.role
  where l.role is distinct from excluded.role;
  return null;
end
$$;
revoke all on function private.copy_live_memberships()
from public, anon, authenticated, service_role;

-- Deleting an organization takes its members' access in the same statement; restoring it gives
-- it back (live_memberships is what the policies' helper reads).
create or replace function private.follow_organization_deletion()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.deleted_at is null then
    insert into private.live_memberships as l (user_id, organization_id, role)
    select m.user_id, m.organization_id, m.role
    from public.memberships as m
    where m.organization_id = new.id
    on conflict (user_id, organization_id) do update set role = excluded.role;
  else
    delete from private.live_memberships as l where l.organization_id = new.id;
  end if;
  return null;
end
$$;
revoke all on function private.follow_organization_deletion()
from public, anon, authenticated, service_role;

-- The signed-in user's role in an organization, or null.
create or replace function private.role_in(organization uuid)
returns member_role
language sql stable security definer
set search_path = ''
as $$
  select m.role from public.memberships as m
  where m.organization_id = organization and m.user_id = (select auth.uid())
$$;
revoke all on function private.role_in(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function private.role_in(organization uuid)
to authenticated;

-- Creates an organization and makes the caller its owner. Returns the new organization.
create or replace function public.create_organization(name text, slug text default null::text)
returns organizations
language plpgsql
set search_path = ''
as $$
begin
  return private.create_organization(name, slug);
end
$$;
revoke all on function public.create_organization(name text, slug text)
from public, anon, authenticated, service_role;
grant execute on function public.create_organization(name text, slug text)
to authenticated;

-- Soft-deletes an organization (owners only; aal2 when the organization requires MFA).
create or replace function public.delete_organization(organization_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.delete_organization(organization_id);
end
$$;
revoke all on function public.delete_organization(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.delete_organization(organization_id uuid)
to authenticated;

-- Leaves an organization (the last owner must transfer ownership first).
create or replace function public.leave_organization(organization_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.leave_organization(organization_id);
end
$$;
revoke all on function public.leave_organization(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.leave_organization(organization_id uuid)
to authenticated;

-- Platform staff (billing: suspend, reactivate; admin: any status; aal2) or a billing backend
-- with the service_role key set an organization's status, with a reason for the record. A
-- suspension by staff is lifted by staff only, never by a payment.
create or replace function public.set_organization_status(
  organization_id uuid,
  status organization_status,
  reason text
)
returns organizations
language plpgsql
set search_path = ''
as $$
begin
  return private.set_organization_status(organization_id, status, reason);
end
$$;
revoke all on function public.set_organization_status(organization_id uuid, status organization_status, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.set_organization_status(organization_id uuid, status organization_status, reason text)
to authenticated, service_role;

-- Makes another member the owner; the caller (an owner) becomes an admin.
create or replace function public.transfer_ownership(organization_id uuid, new_owner_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.transfer_ownership(organization_id, new_owner_id);
end
$$;
revoke all on function public.transfer_ownership(organization_id uuid, new_owner_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.transfer_ownership(organization_id uuid, new_owner_id uuid)
to authenticated;

-- The signed-in user's email as Supabase Auth holds it, when confirmed (claims may be stale).
create or replace function private.confirmed_email()
returns text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (select lower(u.email) from auth.users as u
  where u.id = (select auth.uid()) and u.email_confirmed_at is not null);
end
$$;
revoke all on function private.confirmed_email()
from public, anon, authenticated, service_role;
grant execute on function private.confirmed_email()
to authenticated;

-- A new random invitation token (URL-safe, 256 bits).
create or replace function private.new_token()
returns text
language sql
set search_path = ''
as $$
  select rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=')
$$;
revoke all on function private.new_token()
from public, anon, authenticated, service_role;

-- Accepts an invitation for the signed-in user, whose confirmed email must be the invited one.
create or replace function public.accept_invitation(token text)
returns memberships
language plpgsql
set search_path = ''
as $$
begin
  return private.accept_invitation(token);
end
$$;
revoke all on function public.accept_invitation(token text)
from public, anon, authenticated, service_role;
grant execute on function public.accept_invitation(token text)
to authenticated;

-- Invites an address to the organization and queues the invitation email. Owners and admins
-- invite; only owners invite owners. Returns the invitation id and its token (shown once).
create or replace function public.invite_member(
  organization_id uuid,
  email text,
  role member_role default 'viewer'::member_role
)
returns table (invitation_id uuid, token text)
language plpgsql
set search_path = ''
as $$
begin
  return query select * from private.invite_member(organization_id, email, role);
end
$$;
revoke all on function public.invite_member(organization_id uuid, email text, role member_role)
from public, anon, authenticated, service_role;
grant execute on function public.invite_member(organization_id uuid, email text, role member_role)
to authenticated;

-- Withdraws a pending invitation (owners and admins).
create or replace function public.revoke_invitation(invitation_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.revoke_invitation(invitation_id);
end
$$;
revoke all on function public.revoke_invitation(invitation_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.revoke_invitation(invitation_id uuid)
to authenticated;

-- Supabase Auth's custom access token hook: adds the user's organizations and roles and their
-- platform-staff flag to every access token. Claims only speed frontends up; RLS never trusts
-- them (membership rows decide), so a stale token cannot keep a removed member's access.
-- Enabled in supabase/config.toml ([auth.hook.custom_access_token]).
create or replace function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  target_user uuid := (event ->> 'user_id')::uuid;
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  organizations jsonb;
begin
  select coalesce(jsonb_object_agg(m.organization_id::text, m.role::text), '{}'::jsonb)
  into organizations
  from public.memberships as m
  inner join public.organizations as o on m.organization_id = o.id
  where m.user_id = target_user and o.deleted_at is null;

  claims := jsonb_set(claims, '{organizations}', organizations);
  claims := jsonb_set(
    claims, '{platform_staff}',
    to_jsonb(exists (select from private.platform_staff as s where s.user_id = target_user))
  );
  return jsonb_set(event, '{claims}', claims);
end
$$;
revoke all on function public.custom_access_token_hook(event jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.custom_access_token_hook(event jsonb)
to supabase_auth_admin;

create or replace function private.feature_enabled(flag text, organization_id uuid default null::uuid)
returns boolean
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (
      select off.enabled from public.organization_feature_flags as off
      where off.flag_key = flag and off.organization_id = feature_enabled.organization_id
        and (
          feature_enabled.organization_id in (select private.organization_ids_for())
          or private.is_platform_staff()
          or (select auth.role()) = 'service_role'
        )
    ),
    (select f.enabled from public.feature_flags as f where f.key = flag),
    false
  )
$$;
revoke all on function private.feature_enabled(flag text, organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.feature_enabled(flag text, organization_id uuid)
to authenticated, service_role;

create or replace function private.leave_organization(organization_id uuid)
returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from public.memberships as m
  where m.organization_id = leave_organization.organization_id and m.user_id = (select auth.uid());
  if not found then
    raise exception 'You are not a member of this organization' using errcode = 'PT404';
  end if;
end
$$;
revoke all on function private.leave_organization(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.leave_organization(organization_id uuid)
to authenticated;

create or replace function private.mark_notifications_read(
  notification_ids bigint[] default null::bigint[]
)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  marked integer;
begin
  update public.notifications as n set read_at = now()
  where
    n.user_id = (select auth.uid())
    and n.read_at is null
    and (notification_ids is null or n.id = any(notification_ids));
  get diagnostics marked = row_count;
  return marked;
end
$$;
revoke all on function private.mark_notifications_read(notification_ids bigint[])
from public, anon, authenticated, service_role;
grant execute on function private.mark_notifications_read(notification_ids bigint[])
to authenticated;

create or replace function private.set_organization_status(
  organization_id uuid,
  status organization_status,
  reason text
)
returns organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  updated public.organizations;
begin
  if (select auth.role()) = 'service_role' then
    if coalesce(btrim(reason), '') = '' then
      raise exception 'Give a reason for the status change' using errcode = '22023';
    end if;
  else
    -- Billing staff suspend and reactivate (non-payment); admins may set any status.
    perform private.authorize_staff(
      case when status in ('active', 'suspended', 'past_due') then '{billing,admin}'::text[] else '{admin}'::text[] end,
      'set_organization_status', organization_id, reason, jsonb_build_object('status', status)
    );
  end if;
  update public.organizations as o
  set status = set_organization_status.status,
  suspended_for = case when set_organization_status.status = 'suspended' then 'staff' end,
  trial_ends_at = case
    when set_organization_status.status = 'trialing' then greatest(o.trial_ends_at, now() + interval '1 day')
    else o.trial_ends_at
  end
  where o.id = set_organization_status.organization_id
  returning * into updated;
  if updated.id is null then
    raise exception 'No such organization' using errcode = 'PT404';
  end if;
  perform private.record_activity(
    updated.id, 'organization.status_changed', 'organization', updated.id::text,
    format('Status set to %s: %s', set_organization_status.status, reason),
    jsonb_build_object('status', set_organization_status.status, 'reason', reason)
  );
  return updated;
end
$$;
revoke all on function private.set_organization_status(organization_id uuid, status organization_status, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.set_organization_status(organization_id uuid, status organization_status, reason text)
to authenticated, service_role;

-- Accepts an invitation for the signed-in user, whose confirmed email must be the invited one.
-- The inviter must still hold the right to grant that role (an owner for owners, an owner or
-- admin otherwise), as they did when they sent it.
create or replace function private.accept_invitation(token text)
returns memberships
language plpgsql security definer
set search_path = ''
as $$
declare
  invitation public.invitations;
  caller uuid := (select auth.uid());
  caller_email text := private.confirmed_email();
  org record;
  membership public.memberships;
begin
  if caller is null then
    raise exception 'Sign in to accept the invitation' using errcode = '42501';
  end if;
  select * into invitation from public.invitations as i
  where i.token_hash = sha256(convert_to(coalesce(token, ''), 'UTF8'))
  for update;
  if invitation.id is null then
    raise exception 'This invitation link is not valid' using errcode = 'PT404';
  elsif invitation.revoked_at is not null then
    raise exception 'This invitation was withdrawn' using errcode = 'PT410',
    hint = 'Ask for a new invitation.';
  elsif invitation.accepted_at is not null then
    raise exception 'This invitation has already been used' using errcode = 'PT410';
  elsif invitation.expires_at <= now() then
    raise exception 'This invitation has expired' using errcode = 'PT410',
    hint = 'Ask for a new invitation.';
  elsif caller_email is null then
    raise exception 'Confirm your email address before accepting the invitation'
    using errcode = '42501';
  elsif caller_email <> invitation.email then
    raise exception 'This invitation was sent to another email address' using errcode = '42501',
    hint = 'Sign in with the address the invitation was sent to.';
  elsif not exists (
    select from public.memberships as m
    where
      m.organization_id = invitation.organization_id and m.user_id = invitation.invited_by
      and (m.role = 'owner' or (m.role = 'admin' and invitation.role <> 'owner'))
  ) then
    raise exception 'This invitation is no longer valid' using errcode = 'PT410',
    hint = 'Whoever sent it can no longer grant that role; ask for a new invitation.';
  end if;
  select o.name, o.status, o.deleted_at into org
  from public.organizations as o where o.id = invitation.organization_id;
  if org.status in ('trial_expired', 'suspended', 'cancelled') or org.deleted_at is not null then
    raise exception 'Organization "%" is %: it cannot take new members', org.name, org.status
    using errcode = '42501';
  end if;
  if exists (
    select from public.memberships as m
    where m.organization_id = invitation.organization_id and m.user_id = caller
  ) then
    raise exception 'You are already a member of %', org.name using errcode = '23505';
  end if;

  insert into public.memberships (organization_id, user_id, role, invited_by)
  values (invitation.organization_id, caller, invitation.role, invitation.invited_by)
  returning * into membership;
  update public.invitations as i set accepted_at = now(), accepted_by = caller
  where i.id = invitation.id;
  return membership;
end
$$;
revoke all on function private.accept_invitation(token text)
from public, anon, authenticated, service_role;
grant execute on function private.accept_invitation(token text)
to authenticated;

-- Every RPC that acts on an organization starts here: the caller must be a member in one of
-- the allowed roles (else 42501 with `denied`, which names nothing of the organization);
-- only then, for writes, must the organization be writable (not suspended, cancelled or
-- deleted), and for sensitive actions the session must be aal2 when the organization requires
-- MFA. Returns the caller's role.
create or replace function private.authorize(
  organization uuid,
  allowed member_role[],
  denied text,
  sensitive boolean default false,
  writing boolean default true
)
returns member_role
language plpgsql stable security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_role public.member_role;
begin
  if caller is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  -- The memberships of organizations that are not deleted (kept by triggers): one key lookup.
  select l.role into caller_role
  from private.live_memberships as l
  where l.user_id = caller and l.organization_id = organization;
  if caller_role is null or not (caller_role = any(allowed)) then
    raise exception '%', denied using errcode = '42501';
  end if;
  if writing then
    perform private.assert_organization_writable(organization);
  end if;
  if sensitive then
    perform private.assert_mfa_if_required(organization);
  end if;
  return caller_role;
end
$$;
revoke all on function private.authorize(
  organization uuid, allowed member_role[], denied text, sensitive boolean, writing boolean
)
from public, anon, authenticated, service_role;
grant execute on function private.authorize(
  organization uuid, allowed member_role[], denied text, sensitive boolean, writing boolean
)
to authenticated;

-- Security settings are sensitive: turning require_mfa off (or changing it at all while it is
-- on) needs an aal2 session, as every other sensitive action does.
create or replace function private.check_organization_security_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_api_caller() and new.require_mfa is distinct from old.require_mfa then
    perform private.assert_mfa_if_required(old.id);
  end if;
  return new;
end
$$;
revoke all on function private.check_organization_security_settings()
from public, anon, authenticated, service_role;

-- Changing where events go, or removing an endpoint, is as sensitive as creating one.
create or replace function private.check_webhook_endpoint_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_api_caller() then
    perform private.assert_mfa_if_required(old.organization_id);
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function private.check_webhook_endpoint_change()
from public, anon, authenticated, service_role;

-- Creates an organization and makes the caller its owner. A slug derived from the name gets a
-- short suffix when taken; an explicit slug that is taken is refused without echoing it.
create or replace function private.create_organization(name text, slug text default null::text)
returns organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  created public.organizations;
  explicit boolean := nullif(btrim(slug), '') is not null;
  wanted text := private.slugify(coalesce(nullif(btrim(slug), ''), name));
begin
  if caller is null then
    raise exception 'Sign in to create an organization' using errcode = '42501';
  end if;
  for attempt in 1..5 loop
    begin
      insert into public.organizations (name, slug, created_by)
      values (
        name,
        case when attempt = 1 or explicit then wanted
        else left(wanted, 56) || '-' || substr(md5(random()::text), 1, 6) end,
        caller
      )
      returning * into created;
      exit;
    exception when unique_violation then
      if explicit then
        raise exception 'This address is not available' using errcode = '23505',
        hint = 'Choose another slug.';
      end if;
    end;
  end loop;
  if created.id is null then
    raise exception 'Could not find a free address for this name' using errcode = '23505',
    hint = 'Choose a slug.';
  end if;
  insert into public.memberships (organization_id, user_id, role)
  values (created.id, caller, 'owner');
  perform private.send_billing_notice(
    created.id, 'welcome', '',
    jsonb_build_object('on_date', to_char(created.trial_ends_at at time zone 'UTC', 'YYYY-MM-DD'))
  );
  return created;
end
$$;
revoke all on function private.create_organization(name text, slug text)
from public, anon, authenticated, service_role;
grant execute on function private.create_organization(name text, slug text)
to authenticated;

-- Adds a webhook endpoint and returns it with its signing secret, which is never shown again.
create or replace function private.create_webhook_endpoint(
  organization_id uuid,
  url text,
  event_types text[] default '{*}'::text[],
  description text default null::text
)
returns table (endpoint_id uuid, secret text)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  new_id uuid;
  new_secret text := private.new_webhook_secret();
begin
  perform private.authorize(
    create_webhook_endpoint.organization_id, '{owner,admin}',
    'Only owners and admins can add webhook endpoints', sensitive => true
  );
  insert into public.webhook_endpoints (organization_id, url, event_types, description, created_by)
  values (
    create_webhook_endpoint.organization_id, create_webhook_endpoint.url,
    create_webhook_endpoint.event_types, create_webhook_endpoint.description, (select auth.uid())
  )
  returning id into new_id;
  insert into private.webhook_secrets (endpoint_id, secret) values (new_id, new_secret);
  return query select new_id, new_secret;
end
$$;
revoke all on function private.create_webhook_endpoint(organization_id uuid, url text, event_types text[], description text)
from public, anon, authenticated, service_role;
grant execute on function private.create_webhook_endpoint(organization_id uuid, url text, event_types text[], description text)
to authenticated;

-- Soft-deletes an organization (owners; aal2 where MFA is required). A suspended organization
-- may still be deleted by its owner.
create or replace function private.delete_organization(organization_id uuid)
returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can delete the organization',
    sensitive => true, writing => false
  );
  update public.organizations as o
  set deleted_at = now(), status = 'cancelled'
  where o.id = organization_id and o.deleted_at is null;
end
$$;
revoke all on function private.delete_organization(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.delete_organization(organization_id uuid)
to authenticated;

-- Withdraws a pending invitation (owners and admins) and cancels its queued email.
create or replace function private.revoke_invitation(invitation_id uuid)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.invitations;
begin
  select * into target from public.invitations as i where i.id = invitation_id;
  if target.id is null
     or coalesce(private.role_in(target.organization_id) not in ('owner', 'admin'), true) then
    raise exception 'No such invitation' using errcode = 'PT404';
  end if;
  perform private.authorize(
    target.organization_id, '{owner,admin}', 'Only owners and admins can withdraw invitations'
  );
  if target.accepted_at is not null then
    raise exception 'This invitation has already been accepted' using errcode = 'PT409';
  end if;
  perform private.withdraw_invitations(array[invitation_id]);
end
$$;
revoke all on function private.revoke_invitation(invitation_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.revoke_invitation(invitation_id uuid)
to authenticated;

-- Makes another member the owner; the caller (an owner) becomes an admin.
create or replace function private.transfer_ownership(organization_id uuid, new_owner_id uuid)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can transfer ownership', sensitive => true
  );
  update public.memberships as m set role = 'owner'
  where m.organization_id = transfer_ownership.organization_id and m.user_id = new_owner_id;
  if not found then
    raise exception 'The new owner must already be a member of the organization'
    using errcode = '23503';
  end if;
  if new_owner_id <> caller then
    update public.memberships as m set role = 'admin'
    where m.organization_id = transfer_ownership.organization_id and m.user_id = caller;
  end if;
end
$$;
revoke all on function private.transfer_ownership(organization_id uuid, new_owner_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.transfer_ownership(organization_id uuid, new_owner_id uuid)
to authenticated;

-- Withdraws pending invitations and cancels their queued emails.
create or replace function private.withdraw_invitations(invitation_ids uuid[])
returns void
language sql security definer
set search_path = ''
as $$
  update public.invitations as i set revoked_at = now()
  where i.id = any(invitation_ids) and i.accepted_at is null and i.revoked_at is null;
  select queue.cancel_jobs(
    array(
      select j.id from queue.job_queue as j
      where j.dedupe_key = any(array(select 'invitation:' || i::text from unnest(invitation_ids) as i))
    ),
    '{queued,retrying}'
  );
$$;
revoke all on function private.withdraw_invitations(invitation_ids uuid[])
from public, anon, authenticated, service_role;

-- A member who is removed, leaves, or loses the right to invite (or to invite owners) loses
-- the pending invitations they sent: an admin cannot come back through an invitation they sent
-- to an address of their own.
create or replace function private.withdraw_invitations_of_former_inviters()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.withdraw_invitations(array(
    select i.id from public.invitations as i
    where
      i.organization_id = old.organization_id and i.invited_by = old.user_id
      and i.accepted_at is null and i.revoked_at is null
      and (
        tg_op = 'DELETE'
        or new.role not in ('owner', 'admin')
        or (new.role = 'admin' and i.role = 'owner')
      )
  ));
  return null;
end
$$;
revoke all on function private.withdraw_invitations_of_former_inviters()
from public, anon, authenticated, service_role;

create or replace trigger audit_delete after delete
on public.organizations
referencing old table as old_rows
for each statement
execute function private.audit_changes('id');

create or replace trigger audit_insert after insert
on public.organizations
referencing new table as new_rows
for each statement
execute function private.audit_changes('id');

create or replace trigger audit_update after update
on public.organizations
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('id');

create or replace trigger organizations_cancel_jobs after update of status, deleted_at
on public.organizations
for each row
execute function private.cancel_jobs_of_closed_organization();

create or replace trigger organizations_live_memberships after update of deleted_at
on public.organizations
for each row
when (old.deleted_at is distinct from new.deleted_at)
execute function private.follow_organization_deletion();

create or replace trigger organizations_normalize before insert or update
on public.organizations
for each row
execute function private.normalize_organization();

create or replace trigger organizations_reply_to before insert or update of branding
on public.organizations
for each row
execute function private.check_organization_reply_to();

create or replace trigger organizations_security_settings before update of require_mfa
on public.organizations
for each row
execute function private.check_organization_security_settings();

create or replace trigger on_auth_user_created_or_updated after insert or update of email, raw_user_meta_data
on auth.users
for each row
execute function private.sync_profile_from_auth_user();

create or replace trigger profiles_touch_updated_at before update
on public.profiles
for each row
execute function private.touch_updated_at();

create or replace trigger audit_delete after delete
on public.memberships
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.memberships
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.memberships
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.memberships
for each row
execute function private.enforce_organization_writable();

create or replace trigger memberships_0_lock_organization before insert or delete or update
on public.memberships
for each row
execute function private.lock_organization_memberships();

create or replace trigger memberships_1_check_permissions before insert or delete or update
on public.memberships
for each row
execute function private.check_membership_permissions();

create or replace trigger memberships_2_check_invariants before insert or delete or update
on public.memberships
for each row
execute function private.check_membership_invariants();

create or replace trigger memberships_events after insert or delete or update
on public.memberships
for each row
execute function private.membership_events();

create or replace trigger memberships_live_insert after insert
on public.memberships
referencing new table as new_rows
for each statement
execute function private.copy_live_memberships();

create or replace trigger memberships_live_update after update
on public.memberships
referencing new table as new_rows
for each statement
execute function private.copy_live_memberships();

create or replace trigger memberships_touch_updated_at before update
on public.memberships
for each row
execute function private.touch_updated_at();

create or replace trigger memberships_withdraw_invitations after delete or update of role
on public.memberships
for each row
execute function private.withdraw_invitations_of_former_inviters();

create or replace trigger audit_delete after delete
on public.invitations
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.invitations
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.invitations
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.invitations
for each row
execute function private.enforce_organization_writable();
