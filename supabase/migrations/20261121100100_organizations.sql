-- Organizations (the tenants), the plans they are on, and the platform staff who run fieldbase.

-- ==========================================================================================
-- Tables
-- ==========================================================================================

-- The price list: each plan's limits (null means unlimited). Readable by anyone.
create table public.plans (
  id text primary key check (id ~ '^[a-z][a-z0-9_]*$'),
  name text not null,
  -- People in the organization, all roles together.
  max_members integer check (max_members > 0),
  -- Members with the technician role.
  max_technicians integer check (max_technicians >= 0),
  -- Documents and uploads, in megabytes.
  max_storage_mb integer check (max_storage_mb > 0),
  -- Work orders (jobs) created per calendar month.
  max_jobs_per_month integer check (max_jobs_per_month > 0),
  sort_order integer not null default 0
);

insert into public.plans (
  id, name, max_members, max_technicians, max_storage_mb, max_jobs_per_month, sort_order
) values
('trial', 'Trial', 5, 3, 500, 100, 0),
('starter', 'Starter', 10, 5, 5000, 1000, 1),
('pro', 'Pro', 50, 30, 50000, 10000, 2),
('enterprise', 'Enterprise', null, null, null, null, 3);

create type public.organization_status as enum (
  'trialing', 'active', 'past_due', 'suspended', 'cancelled'
);

-- A field-service business using fieldbase.
create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  -- Lower-case words joined by hyphens; normalised from the name when not given.
  slug text not null,
  plan_id text not null default 'trial' references public.plans (id),
  status public.organization_status not null default 'trialing',
  trial_ends_at timestamptz default (now() + interval '14 days'),
  -- IANA time zone used for schedules and documents.
  time_zone text not null default 'UTC',
  currency text not null default 'USD',
  default_tax_rate numeric(6, 4) not null default 0,
  -- Document branding: logo_url, primary_color, footer text.
  branding jsonb not null default '{}'::jsonb,
  -- When true, sensitive actions (roles, ownership, deletion) need an aal2 (MFA) session.
  require_mfa boolean not null default false,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Soft delete: a deleted organization disappears for its members and keeps its data.
  deleted_at timestamptz,
  constraint organizations_name_length check (char_length(name) between 1 and 200),
  constraint organizations_slug_format check (
    slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) between 3 and 63
  ),
  constraint organizations_slug_key unique (slug),
  constraint organizations_currency_format check (currency ~ '^[A-Z]{3}$'),
  constraint organizations_tax_rate_range check (default_tax_rate >= 0 and default_tax_rate < 1),
  constraint organizations_branding_object check (jsonb_typeof(branding) = 'object')
);
create index organizations_plan_id_idx on public.organizations (plan_id);
create index organizations_created_by_idx on public.organizations (created_by);

-- People who operate fieldbase itself (support, billing). Internal: not reachable by the API.
create table private.platform_staff (
  user_id uuid primary key references auth.users (id) on delete cascade,
  created_at timestamptz not null default now()
);

-- ==========================================================================================
-- Helpers
-- ==========================================================================================

-- True when the signed-in user is platform staff.
create or replace function private.is_platform_staff() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select from private.platform_staff where user_id = (select auth.uid()))
$$;
revoke execute on function private.is_platform_staff() from public;
grant execute on function private.is_platform_staff() to authenticated;

-- A URL-safe slug from any text: "Acme Backflow & Co." -> "acme-backflow-co".
create or replace function private.slugify(value text) returns text
language sql immutable strict
set search_path = ''
as $$
  select trim(both '-' from regexp_replace(lower(value), '[^a-z0-9]+', '-', 'g'))
$$;
-- Called by the organizations trigger, which runs as the caller.
grant execute on function private.slugify(text) to authenticated, service_role;

-- Raises 403 when an organization is deleted, suspended or cancelled: its data is read-only for
-- its members. The one check behind the organizations trigger, every tenant table's guard and
-- the RPCs that write on a member's behalf.
create or replace function private.assert_organization_writable(organization uuid) returns void
language plpgsql stable security definer
set search_path = ''
as $$
declare
  org record;
begin
  select o.name, o.status, o.deleted_at into org from public.organizations as o where o.id = organization;
  if org.deleted_at is not null then
    raise exception 'Organization "%" has been deleted', org.name using errcode = '42501';
  elsif org.status in ('suspended', 'cancelled') then
    raise exception 'Organization "%" is %: its data is read-only', org.name, org.status
    using errcode = '42501',
    hint = 'An owner can contact support or update billing to reactivate it.';
  end if;
end
$$;
revoke execute on function private.assert_organization_writable(uuid) from public;
grant execute on function private.assert_organization_writable(uuid) to authenticated;

-- Normalises an organization before it is stored, and rejects settings that make no sense.
create or replace function private.normalize_organization() returns trigger
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

create trigger organizations_normalize
before insert or update on public.organizations
for each row execute function private.normalize_organization();

-- ==========================================================================================
-- Grants (RLS policies are in supabase/policies/platform.sql)
-- ==========================================================================================
alter table public.plans enable row level security;
alter table public.organizations enable row level security;
alter table private.platform_staff enable row level security;

revoke all on table public.plans from anon, authenticated;
grant select on table public.plans to anon, authenticated;

revoke all on table public.organizations from anon, authenticated;
grant select on table public.organizations to authenticated;
grant update (name, time_zone, currency, default_tax_rate, branding, require_mfa)
on table public.organizations to authenticated;

revoke all on table private.platform_staff from anon, authenticated, service_role;
