-- Who belongs to which organization, in which role; the rules that keep that sound.

-- ==========================================================================================
-- Tables
-- ==========================================================================================

-- owner and admin manage members and billing; dispatcher schedules work; technician does the
-- work assigned to them; viewer reads.
create type public.member_role as enum ('owner', 'admin', 'dispatcher', 'technician', 'viewer');

create table public.memberships (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  role public.member_role not null default 'viewer',
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint memberships_organization_user_key unique (organization_id, user_id)
);
-- Policies look memberships up by user; the unique key serves lookups by organization.
create index memberships_user_id_idx on public.memberships (user_id, organization_id, role);
create index memberships_invited_by_idx on public.memberships (invited_by);

create trigger memberships_touch_updated_at
before update on public.memberships
for each row execute function private.touch_updated_at();

-- ==========================================================================================
-- Helpers used by policies: set-returning and argument-free where possible, so a policy
-- written as "organization_id in (select private.organization_ids_for(...))" runs them once.
-- ==========================================================================================

-- The live organizations the signed-in user belongs to, optionally only in some roles.
-- Membership rows decide, never a token claim: a removed member loses access at once.
create or replace function private.organization_ids_for(
  roles public.member_role[] default null
) returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select m.organization_id
  from public.memberships as m
  inner join public.organizations as o on m.organization_id = o.id
  where
    m.user_id = (select auth.uid())
    and o.deleted_at is null
    and (roles is null or m.role = any(roles))
$$;
revoke execute on function private.organization_ids_for(public.member_role[]) from public;
grant execute on function private.organization_ids_for(public.member_role[])
to anon, authenticated, service_role;

-- The users who share at least one live organization with the signed-in user (themselves too).
create or replace function private.co_member_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select (select auth.uid())
  union
  select m.user_id
  from public.memberships as m
  where m.organization_id in (select private.organization_ids_for())
$$;
revoke execute on function private.co_member_ids() from public;
grant execute on function private.co_member_ids() to authenticated;

-- The signed-in user's role in an organization, or null.
create or replace function private.role_in(organization uuid) returns public.member_role
language sql stable security definer
set search_path = ''
as $$
  select m.role from public.memberships as m
  where m.organization_id = organization and m.user_id = (select auth.uid())
$$;
revoke execute on function private.role_in(uuid) from public;
grant execute on function private.role_in(uuid) to authenticated;

-- Raises 403 when the organization asks for MFA and the session is not aal2.
create or replace function private.assert_mfa_if_required(organization uuid) returns void
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
revoke execute on function private.assert_mfa_if_required(uuid) from public;
grant execute on function private.assert_mfa_if_required(uuid) to authenticated;

-- Raises 403 when a frontend writes to an organization that is suspended, cancelled or deleted.
-- Attached to every tenant table. Security invoker on purpose: current_user tells a frontend
-- (anon, authenticated) from trusted callers (service_role, definer functions, migrations).
create or replace function private.enforce_organization_writable() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target uuid := case when tg_op = 'DELETE' then old.organization_id else new.organization_id end;
begin
  if not private.is_api_caller() then
    return coalesce(new, old);
  end if;
  perform private.assert_organization_writable(target);
  if tg_op = 'UPDATE' and new.organization_id is distinct from old.organization_id then
    raise exception 'A % row cannot move to another organization', tg_table_name
    using errcode = '42501';
  end if;
  return coalesce(new, old);
end
$$;
revoke execute on function private.enforce_organization_writable() from public;

-- Attaches the writability guard to a tenant table (idempotent).
create or replace function private.guard_tenant_table(target regclass) returns void
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
revoke execute on function private.guard_tenant_table(regclass) from public;

-- ==========================================================================================
-- Membership rules
-- ==========================================================================================

-- What frontends may do to memberships: owners alone grant, change or remove the owner role,
-- a membership never changes hands, and role changes may need MFA. Security invoker on purpose
-- (see enforce_organization_writable): definer functions such as accept_invitation are trusted.
create or replace function private.check_membership_permissions() returns trigger
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
  if tg_op = 'UPDATE' and new.role is distinct from old.role then
    perform private.assert_mfa_if_required(org_id);
  end if;
  return coalesce(new, old);
end
$$;
revoke execute on function private.check_membership_permissions() from public;

-- Triggers fire in name order: lock, then the caller's permissions, then the invariants.
create trigger memberships_1_check_permissions
before insert or update or delete on public.memberships
for each row execute function private.check_membership_permissions();

-- What holds whoever writes: every live organization keeps an owner, and plans limit members
-- and technicians.
create or replace function private.check_membership_invariants() returns trigger
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
revoke execute on function private.check_membership_invariants() from public;

create trigger memberships_2_check_invariants
before insert or update or delete on public.memberships
for each row execute function private.check_membership_invariants();

-- Serialises membership changes per organization, so that two concurrent removals cannot both
-- pass the last-owner check and two concurrent inserts cannot both pass the plan limit.
create or replace function private.lock_organization_memberships() returns trigger
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
revoke execute on function private.lock_organization_memberships() from public;

create trigger memberships_0_lock_organization
before insert or update or delete on public.memberships
for each row execute function private.lock_organization_memberships();

select private.guard_tenant_table('public.memberships');

alter table public.memberships enable row level security;
revoke all on table public.memberships from anon, authenticated;
-- Memberships are created by create_organization and accept_invitation, never directly.
grant select, delete on table public.memberships to authenticated;
grant update (role) on table public.memberships to authenticated;
