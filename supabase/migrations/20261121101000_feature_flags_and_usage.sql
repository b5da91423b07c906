-- Feature flags (global, with per-organization overrides) and monthly usage counters.

-- A flag and its global default.
create table public.feature_flags (
  key text primary key check (key ~ '^[a-z][a-z0-9_.-]*$'),
  description text not null default '',
  enabled boolean not null default false,
  updated_at timestamptz not null default now()
);

create trigger feature_flags_touch_updated_at
before update on public.feature_flags
for each row execute function private.touch_updated_at();

-- An organization's own setting for a flag, over the global default.
create table public.organization_feature_flags (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  flag_key text not null references public.feature_flags (key) on delete cascade,
  enabled boolean not null,
  updated_at timestamptz not null default now(),
  constraint organization_feature_flags_key unique (organization_id, flag_key)
);
create index organization_feature_flags_flag_key_idx on public.organization_feature_flags (flag_key);

create trigger organization_feature_flags_touch_updated_at
before update on public.organization_feature_flags
for each row execute function private.touch_updated_at();

select private.enable_audit('public.organization_feature_flags');

-- How much of each metered thing an organization used in a month.
create table public.usage_counters (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- 'jobs', 'emails', 'documents', 'storage_mb', 'api_requests' ...
  metric text not null check (metric ~ '^[a-z][a-z0-9_]*$'),
  -- First day of the month.
  period date not null check (extract(day from period) = 1),
  value bigint not null default 0 check (value >= 0),
  updated_at timestamptz not null default now(),
  primary key (organization_id, metric, period)
);

-- Is the flag on for this organization? Members (and staff) may ask; others get false.
create or replace function public.feature_enabled(flag text, organization_id uuid default null)
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
revoke execute on function public.feature_enabled(text, uuid) from public, anon;
grant execute on function public.feature_enabled(text, uuid) to authenticated, service_role;

-- Adds to an organization's counter for the current month; returns the new value.
create or replace function private.increment_usage(
  organization uuid, metric text, amount bigint default 1
) returns bigint
language sql security definer
set search_path = ''
as $$
  insert into public.usage_counters as u (organization_id, metric, period, value)
  values (organization, metric, date_trunc('month', now())::date, amount)
  on conflict (organization_id, metric, period)
  do update set value = u.value + excluded.value, updated_at = now()
  returning u.value
$$;
revoke execute on function private.increment_usage(uuid, text, bigint) from public;

alter table public.feature_flags enable row level security;
alter table public.organization_feature_flags enable row level security;
alter table public.usage_counters enable row level security;
revoke all on table public.feature_flags from anon, authenticated;
revoke all on table public.organization_feature_flags from anon, authenticated;
revoke all on table public.usage_counters from anon, authenticated;
grant select on table public.feature_flags to authenticated;
grant select on table public.organization_feature_flags to authenticated;
grant select on table public.usage_counters to authenticated;
