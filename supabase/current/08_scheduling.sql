-- Scheduling: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Says readably why a time entry overlaps another.
create or replace function private.check_time_entry()
returns trigger
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
revoke all on function private.check_time_entry()
from public, anon, authenticated, service_role;

-- Says readably why a visit cannot be booked (the exclusion constraint still holds against
-- races), and assigns the technician to the work order they are booked on.
create or replace function private.check_visit()
returns trigger
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
revoke all on function private.check_visit()
from public, anon, authenticated, service_role;

-- Events out of scheduling: a visit booked, moved or cancelled tells the technician (a
-- notification), the customer (the worker's appointment emails) and the organization's
-- subscribed webhooks (visit.booked, visit.changed, visit.cancelled), each with allowlisted
-- fields only.
create or replace function private.visit_events()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  event text;
  details record;
  email_kind text;
begin
  if tg_op = 'INSERT' and new.status not in ('cancelled', 'missed') then
    event := 'visit.booked';
    email_kind := 'email.appointment_booked';
  elsif tg_op = 'UPDATE' and new.status = 'cancelled' and old.status <> 'cancelled' then
    event := 'visit.cancelled';
    email_kind := 'email.appointment_changed';
  elsif tg_op = 'UPDATE' and new.status not in ('cancelled', 'missed')
        and (new.starts_at, new.ends_at, new.user_id) is distinct from (old.starts_at, old.ends_at, old.user_id) then
    event := 'visit.changed';
    email_kind := 'email.appointment_changed';
  else
    return null;
  end if;

  select
    w.number, w.title, c.name as customer_name, c.email as customer_email,
    concat_ws(', ', s.line1, s.city, s.postal_code) as address,
    private.display_name(new.user_id) as technician_name
  into details
  from public.work_orders as w
  inner join public.customers as c on w.customer_id = c.id
  inner join public.sites as s on w.site_id = s.id
  where w.id = new.work_order_id;

  perform private.notify_user(
    new.organization_id, new.user_id, event,
    case event
      when 'visit.booked' then format('New visit: #%s %s', details.number, details.title)
      when 'visit.changed' then format('Visit moved: #%s %s', details.number, details.title)
      else format('Visit cancelled: #%s %s', details.number, details.title)
    end,
    details.address, null,
    jsonb_build_object('visit_id', new.id, 'work_order_id', new.work_order_id, 'starts_at', new.starts_at)
  );
  if details.customer_email is not null then
    perform queue.enqueue(
      email_kind,
      jsonb_build_object(
        'to', details.customer_email, 'customer_name', details.customer_name,
        'starts_at', new.starts_at, 'ends_at', new.ends_at, 'address', details.address,
        'technician_name', details.technician_name, 'service', details.title,
        'previous_starts_at', case when tg_op = 'UPDATE' then old.starts_at end,
        'cancelled', event = 'visit.cancelled'
      ),
      new.organization_id
    );
  end if;
  perform private.emit_webhook_event(
    new.organization_id, event,
    jsonb_build_object(
      'visit_id', new.id, 'work_order_id', new.work_order_id, 'work_order_number', details.number,
      'technician_id', new.user_id, 'starts_at', new.starts_at, 'ends_at', new.ends_at,
      'status', new.status
    )
  );
  return null;
end
$$;
revoke all on function private.visit_events()
from public, anon, authenticated, service_role;

-- Refuses to finalise a report while the site's authority requires a field that is empty.
create or replace function private.check_authority_fields()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  missing text[];
begin
  if new.status = 'finalized' and old.status = 'draft' then
    missing := array(
      select f from unnest(private.missing_authority_fields(new.assembly_id) || private.missing_report_fields(new)) as f
      order by f
    );
    if cardinality(missing) > 0 then
      raise exception 'The water authority requires % before this report can be filed',
        array_to_string(missing, ', ')
      using errcode = '23514', hint = 'Fill them in on the report, the assembly or the customer, then finalise.';
    end if;
  end if;
  return new;
end
$$;
revoke all on function private.check_authority_fields()
from public, anon, authenticated, service_role;

-- The required fields of the assembly and customer that a report's assembly, site and customer
-- leave empty (the report's own are private.missing_report_fields').
create or replace function private.missing_authority_fields(assembly uuid)
returns text[]
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
    and f.field in (
      'water_account_number', 'make', 'model', 'size', 'location_at_site', 'hazard', 'service_type', 'installed_on'
    )
    and (
      (to_jsonb(a) || jsonb_build_object('water_account_number', c.water_account_number)) ->> f.field
    ) is null
$$;
revoke all on function private.missing_authority_fields(assembly uuid)
from public, anon, authenticated, service_role;

-- The report fields the site's authority requires that a report leaves empty: line pressure,
-- both shut-off valves, and, for a test repaired and retested on the visit (a repair described
-- or an initial reading recorded), every initial reading its kind grades, the repair and its
-- parts; for an air gap, its measurements.
create or replace function private.missing_report_fields(report backflow_test_reports)
returns text[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(f.field order by f.field), '{}')
  from public.assemblies as a
  inner join public.sites as s on a.site_id = s.id
  inner join public.water_authorities as w on s.water_authority_id = w.id
  cross join lateral unnest(w.required_fields) as f (field)
  cross join lateral (
    select report.repairs is not null or num_nonnulls(
      report.initial_check_valve_1_psid, report.initial_check_valve_2_psid,
      report.initial_relief_valve_opening_psid, report.initial_air_inlet_opening_psid
    ) > 0 as repaired
  ) as visit
  where a.id = report.assembly_id
    and case f.field
      when 'line_pressure' then report.line_pressure_psi is null
      when 'shutoff_valves' then report.shutoff_valve_1_tight is null or report.shutoff_valve_2_tight is null
      when 'initial_readings' then visit.repaired and exists (
        select from private.effective_thresholds(report.assembly_id, report.organization_id) as t
        where case t.reading
          when 'check_valve_1' then report.initial_check_valve_1_psid
          when 'check_valve_2' then report.initial_check_valve_2_psid
          when 'relief_valve_opening' then report.initial_relief_valve_opening_psid
          when 'air_inlet_opening' then report.initial_air_inlet_opening_psid
        end is null
      )
      when 'repair_description' then visit.repaired and report.repairs is null
      when 'repair_parts' then visit.repaired and report.repair_parts is null
      when 'air_gap' then a.kind = 'air_gap' and (report.air_gap_inches is null or report.supply_pipe_diameter_inches is null)
      else false
    end
$$;
revoke all on function private.missing_report_fields(report backflow_test_reports)
from public, anon, authenticated, service_role;

-- The free time of an organization's technicians on a day, in the organization's time zone:
-- each technician's working hours that weekday, less their booked visits and time off, as
-- ranges of at least `min_minutes`. Security invoker behind the guard: dispatchers plan with it.
create or replace function public.technician_availability(
  organization_id uuid,
  day date,
  min_minutes integer default 30
)
returns table (user_id uuid, technician text, free_from timestamp with time zone, free_until timestamp with time zone)
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
revoke all on function public.technician_availability(organization_id uuid, day date, min_minutes integer)
from public, anon, authenticated, service_role;
grant execute on function public.technician_availability(organization_id uuid, day date, min_minutes integer)
to authenticated;

-- Each visit with its work order, site and the straight-line distance to the same
-- technician's next stop that day (metres; null at the last stop or without locations).
-- Security invoker: RLS on visits, work orders and sites decides what a caller sees.
create or replace view public.technician_day with (security_invoker = true) as
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
    st_distance(
      s.location,
      lead(s.location) over (partition by v.user_id, ((v.starts_at at time zone s.time_zone)::date) order by v.starts_at)
    )::numeric
  ) as distance_to_next_m
from visits as v
inner join work_orders as w on v.work_order_id = w.id
inner join sites as s on w.site_id = s.id
where v.status <> all(array['cancelled'::visit_status, 'missed'::visit_status]);
revoke all on table public.technician_day from public, anon, authenticated, service_role;
grant select on table public.technician_day to authenticated;
grant select on table public.technician_day to service_role;

create or replace trigger audit_delete after delete
on public.time_entries
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.time_off
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.visits
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.working_hours
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.time_entries
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.time_off
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.visits
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.working_hours
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.time_entries
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.time_off
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.visits
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.working_hours
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.time_entries
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.time_off
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.visits
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.working_hours
for each row
execute function private.enforce_organization_writable();

create or replace trigger time_entries_check before insert or update of user_id, started_at, ended_at
on public.time_entries
for each row
execute function private.check_time_entry();

create or replace trigger visits_check before insert or update of user_id, starts_at, ends_at, status
on public.visits
for each row
execute function private.check_visit();

create or replace trigger visits_events after insert or update of starts_at, ends_at, user_id, status
on public.visits
for each row
execute function private.visit_events();

create or replace trigger visits_touch_updated_at before update
on public.visits
for each row
execute function private.touch_updated_at();
