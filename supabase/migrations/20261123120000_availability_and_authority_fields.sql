-- Field operations, part seven: when technicians are free (working hours, less their visits
-- and time off), and the fields a water authority requires on every report, held at
-- finalising.

-- ==========================================================================================
-- Availability
-- ==========================================================================================

-- The free time of an organization's technicians on a day, in the organization's time zone:
-- each technician's working hours that weekday, less their booked visits and time off, as
-- ranges of at least `min_minutes`. Security invoker behind the guard: dispatchers plan with it.
create or replace function public.technician_availability(
  organization_id uuid, day date, min_minutes integer default 30
) returns table (user_id uuid, technician text, free_from timestamptz, free_until timestamptz)
language plpgsql stable
set search_path = ''
as $$
declare
  zone text;
begin
  perform private.authorize(
    technician_availability.organization_id, '{owner,admin,dispatcher}',
    'Only owners, admins and dispatchers plan with availability', writing => false
  );
  select o.time_zone into zone from public.organizations as o
  where o.id = technician_availability.organization_id;
  return query
  with working as (
    select
      h.user_id,
      range_agg(tstzrange((day + h.starts) at time zone zone, (day + h.ends) at time zone zone)) as hours
    from public.working_hours as h
    inner join public.memberships as m
      on h.organization_id = m.organization_id and h.user_id = m.user_id and m.role = 'technician'
    where h.organization_id = technician_availability.organization_id
      and h.weekday = extract(isodow from day)
    group by h.user_id
  ),
  busy as (
    select b.user_id, range_agg(b.during) as ranges
    from (
      select v.user_id, v.during from public.visits as v
      where v.organization_id = technician_availability.organization_id
        and v.status not in ('cancelled', 'missed')
        and v.during && tstzrange(day at time zone zone, (day + 1) at time zone zone)
      union all
      select t.user_id, t.during from public.time_off as t
      where t.organization_id = technician_availability.organization_id
        and t.during && tstzrange(day at time zone zone, (day + 1) at time zone zone)
    ) as b
    group by b.user_id
  )
  select w.user_id, coalesce(p.full_name, p.email), lower(f.free), upper(f.free)
  from working as w
  left join busy as b on w.user_id = b.user_id
  left join public.profiles as p on w.user_id = p.id
  cross join lateral unnest(w.hours - coalesce(b.ranges, '{}'::tstzmultirange)) as f (free)
  where upper(f.free) - lower(f.free) >= make_interval(mins => min_minutes)
  order by 2, 3;
end
$$;
revoke all on function public.technician_availability(uuid, date, integer)
from public, anon, authenticated, service_role;
grant execute on function public.technician_availability(uuid, date, integer) to authenticated;

-- ==========================================================================================
-- Fields a water authority requires
-- ==========================================================================================

-- What an authority's required_fields may name: facts of the customer, the site or the assembly
-- that a report carries.
alter table public.water_authorities add constraint water_authorities_required_fields_known check (
  required_fields <@ array[
    'water_account_number', 'make', 'model', 'size', 'location_at_site', 'hazard', 'service_type',
    'installed_on'
  ]::text[]
);

-- The required fields a report's assembly, site and customer leave empty, by label.
create or replace function private.missing_authority_fields(assembly uuid) returns text[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(f.field order by f.field), '{}')
  from public.assemblies as a
  inner join public.sites as s on a.site_id = s.id
  inner join public.customers as c on s.customer_id = c.id
  inner join public.water_authorities as w on s.water_authority_id = w.id
  cross join lateral unnest(w.required_fields) as f (field)
  where a.id = assembly
    and (
      (to_jsonb(a) || jsonb_build_object('water_account_number', c.water_account_number)) ->> f.field
    ) is null
$$;
revoke all on function private.missing_authority_fields(uuid) from public, anon, authenticated, service_role;

-- Refuses to finalise a report while the site's authority requires a field that is empty.
create or replace function private.check_authority_fields() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  missing text[];
begin
  if new.status = 'finalized' and old.status = 'draft' then
    missing := private.missing_authority_fields(new.assembly_id);
    if cardinality(missing) > 0 then
      raise exception 'The water authority requires % before this report can be filed',
        array_to_string(missing, ', ')
      using errcode = '23514', hint = 'Fill them in on the assembly or the customer, then finalise.';
    end if;
  end if;
  return new;
end
$$;
revoke all on function private.check_authority_fields() from public;

create trigger backflow_test_reports_authority_fields
before update of status on public.backflow_test_reports
for each row execute function private.check_authority_fields();
