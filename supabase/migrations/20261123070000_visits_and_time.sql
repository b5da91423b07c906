-- Field operations, part three: scheduling. A visit is a technician and a time range on a work
-- order; an exclusion constraint makes double-booking a technician impossible, whatever the
-- race (a trigger says so first, readably). Technicians have working hours and time off, and
-- log time on their work (no overlapping entries). A technician's day lists their visits in
-- order with the distance to the next stop.

create extension if not exists btree_gist with schema extensions;

create type public.visit_status as enum ('scheduled', 'confirmed', 'completed', 'cancelled', 'missed');

-- ==========================================================================================
-- Tables
-- ==========================================================================================

-- An appointment: one technician at a work order's site for a time range.
create table public.visits (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid not null,
  user_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  during tstzrange generated always as (tstzrange(starts_at, ends_at, '[)')) stored,
  status public.visit_status not null default 'scheduled',
  notes text check (char_length(notes) <= 2000),
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint visits_organization_id_id_key unique (organization_id, id),
  constraint visits_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade,
  constraint visits_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade,
  constraint visits_time_order check (ends_at > starts_at and ends_at - starts_at <= interval '24 hours'),
  -- No technician is in two places at once (cancelled and missed visits free the slot).
  constraint visits_no_double_booking exclude using gist (
    user_id with =, during with &&
  ) where (status not in ('cancelled', 'missed'))
);
create index visits_work_order_idx on public.visits (organization_id, work_order_id);
create index visits_member_idx on public.visits (organization_id, user_id, starts_at);
-- The schedule: visits by day across the organization.
create index visits_schedule_idx on public.visits (organization_id, starts_at);
create index visits_created_by_idx on public.visits (created_by);

-- When a member usually works, per ISO weekday (1 Monday ... 7 Sunday), in the organization's
-- time zone.
create table public.working_hours (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null,
  weekday smallint not null check (weekday between 1 and 7),
  starts time not null,
  ends time not null check (ends > starts),
  constraint working_hours_organization_id_id_key unique (organization_id, id),
  constraint working_hours_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade,
  constraint working_hours_no_overlap exclude using gist (
    user_id with =, weekday with =, (tsrange(date '2000-01-01' + starts, date '2000-01-01' + ends)) with &&
  )
);
create index working_hours_member_idx on public.working_hours (organization_id, user_id);

-- Vacation, sick days, training: a member is not bookable then.
create table public.time_off (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null check (ends_at > starts_at),
  during tstzrange generated always as (tstzrange(starts_at, ends_at, '[)')) stored,
  reason text check (char_length(reason) <= 500),
  created_at timestamptz not null default now(),
  constraint time_off_organization_id_id_key unique (organization_id, id),
  constraint time_off_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade
);
create index time_off_member_idx on public.time_off using gist (user_id, during);
create index time_off_organization_member_idx on public.time_off (organization_id, user_id);

-- Time a technician spent on a work order; an entry without an end is running.
create table public.time_entries (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid not null,
  user_id uuid not null default auth.uid(),
  started_at timestamptz not null default now(),
  ended_at timestamptz check (ended_at > started_at),
  during tstzrange generated always as (tstzrange(started_at, ended_at, '[)')) stored,
  note text check (char_length(note) <= 2000),
  created_at timestamptz not null default now(),
  constraint time_entries_organization_id_id_key unique (organization_id, id),
  constraint time_entries_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade,
  constraint time_entries_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade,
  -- One clock at a time per person: entries never overlap (a running one reaches to infinity).
  constraint time_entries_no_overlap exclude using gist (user_id with =, during with &&)
);
create index time_entries_work_order_idx on public.time_entries (organization_id, work_order_id);
create index time_entries_member_idx on public.time_entries (organization_id, user_id, started_at);

-- ==========================================================================================
-- Triggers
-- ==========================================================================================

-- Says readably why a visit cannot be booked (the exclusion constraint still holds against
-- races), and assigns the technician to the work order they are booked on.
create or replace function private.check_visit() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  clash record;
begin
  if new.status in ('cancelled', 'missed') then
    return new;
  end if;
  -- Nothing is said about an organization the caller is not in, nor about someone who is not
  -- its member: RLS and the foreign key refuse those rows with their own errors.
  if ((select auth.role()) in ('anon', 'authenticated')
      and new.organization_id not in (select private.organization_ids_for()))
     or not exists (
       select from public.memberships as m
       where m.organization_id = new.organization_id and m.user_id = new.user_id
     ) then
    return new;
  end if;
  select v.organization_id, v.starts_at, v.ends_at, w.number into clash
  from public.visits as v inner join public.work_orders as w on v.work_order_id = w.id
  where v.user_id = new.user_id and v.id <> new.id and v.status not in ('cancelled', 'missed')
    and v.during && tstzrange(new.starts_at, new.ends_at, '[)')
  order by v.organization_id = new.organization_id desc
  limit 1;
  if found and clash.organization_id = new.organization_id then
    raise exception '% is already booked from % to % (work order #%)',
      private.display_name(new.user_id), clash.starts_at, clash.ends_at, clash.number
    using errcode = 'PT409', hint = 'Pick another time or another technician.';
  elsif found then
    -- Booked by another organization they also work for: no details of that one.
    raise exception '% is not available at that time', private.display_name(new.user_id)
    using errcode = 'PT409', hint = 'Pick another time or another technician.';
  end if;
  if exists (
    select from public.time_off as t
    where t.user_id = new.user_id and t.organization_id = new.organization_id
      and t.during && tstzrange(new.starts_at, new.ends_at, '[)')
  ) then
    raise exception '% is off at that time', private.display_name(new.user_id)
    using errcode = 'PT409', hint = 'Pick another time or another technician.';
  end if;
  insert into public.work_order_assignments (organization_id, work_order_id, user_id, assigned_by)
  values (new.organization_id, new.work_order_id, new.user_id, (select auth.uid()))
  on conflict (work_order_id, user_id) do nothing;
  return new;
end
$$;
revoke all on function private.check_visit() from public;

create trigger visits_check
before insert or update of user_id, starts_at, ends_at, status on public.visits
for each row execute function private.check_visit();

-- Says readably why a time entry overlaps another.
create or replace function private.check_time_entry() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.time_entries as t
    where t.user_id = new.user_id and t.id <> new.id
      and t.during && tstzrange(new.started_at, new.ended_at, '[)')
  ) then
    raise exception 'This time overlaps another time entry of yours'
    using errcode = 'PT409', hint = 'Stop the running entry first, or correct the times.';
  end if;
  return new;
end
$$;
revoke all on function private.check_time_entry() from public;

create trigger time_entries_check
before insert or update of user_id, started_at, ended_at on public.time_entries
for each row execute function private.check_time_entry();

create trigger visits_touch_updated_at before update on public.visits
for each row execute function private.touch_updated_at();

select private.guard_tenant_table('public.visits');
select private.guard_tenant_table('public.working_hours');
select private.guard_tenant_table('public.time_off');
select private.guard_tenant_table('public.time_entries');

select private.enable_audit('public.visits', 'organization_id', array[
  'id', 'organization_id', 'work_order_id', 'user_id', 'starts_at', 'ends_at', 'status', 'created_by'
]);
select private.enable_audit('public.working_hours', 'organization_id', array[
  'id', 'organization_id', 'user_id', 'weekday', 'starts', 'ends'
]);
select private.enable_audit('public.time_off', 'organization_id', array[
  'id', 'organization_id', 'user_id', 'starts_at', 'ends_at'
]);
select private.enable_audit('public.time_entries', 'organization_id', array[
  'id', 'organization_id', 'work_order_id', 'user_id', 'started_at', 'ended_at'
]);

-- ==========================================================================================
-- A technician's day
-- ==========================================================================================

-- Each visit with its work order, site and the straight-line distance to the same
-- technician's next stop that day (metres; null at the last stop or without locations).
-- Security invoker: RLS on visits, work orders and sites decides what a caller sees.
create view public.technician_day
with (security_invoker = true)
as
select
  v.id as visit_id,
  v.organization_id,
  v.user_id,
  (v.starts_at at time zone s.time_zone)::date as local_date,
  v.starts_at,
  v.ends_at,
  v.status,
  w.id as work_order_id,
  w.number as work_order_number,
  w.title,
  s.id as site_id,
  s.line1,
  s.city,
  s.time_zone,
  round(
    extensions.st_distance(
      s.location,
      lead(s.location) over (
        partition by v.user_id, (v.starts_at at time zone s.time_zone)::date order by v.starts_at
      )
    )::numeric
  ) as distance_to_next_m
from public.visits as v
inner join public.work_orders as w on v.work_order_id = w.id
inner join public.sites as s on w.site_id = s.id
where v.status not in ('cancelled', 'missed');

-- ==========================================================================================
-- Grants (policies: supabase/policies/scheduling.sql)
-- ==========================================================================================

alter table public.visits enable row level security;
alter table public.working_hours enable row level security;
alter table public.time_off enable row level security;
alter table public.time_entries enable row level security;

revoke all on table public.visits, public.working_hours, public.time_off, public.time_entries,
public.technician_day from anon, authenticated, service_role;

grant select on table public.visits, public.technician_day to authenticated;
grant insert (organization_id, work_order_id, user_id, starts_at, ends_at, status, notes)
on table public.visits to authenticated;
grant update (user_id, starts_at, ends_at, status, notes) on table public.visits to authenticated;

grant select, delete on table public.working_hours to authenticated;
grant insert (organization_id, user_id, weekday, starts, ends) on table public.working_hours
to authenticated;
grant update (weekday, starts, ends) on table public.working_hours to authenticated;

grant select, delete on table public.time_off to authenticated;
grant insert (organization_id, user_id, starts_at, ends_at, reason) on table public.time_off
to authenticated;

grant select, delete on table public.time_entries to authenticated;
grant insert (organization_id, work_order_id, user_id, started_at, ended_at, note)
on table public.time_entries to authenticated;
grant update (started_at, ended_at, note) on table public.time_entries to authenticated;

grant select, insert, update, delete on table public.visits, public.working_hours,
public.time_off, public.time_entries to service_role;
grant select on table public.technician_day to service_role;
