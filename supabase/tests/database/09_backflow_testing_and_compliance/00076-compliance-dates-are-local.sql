-- Every "today" the database computes for compliance is the site's date, in its time zone (its
-- organization's by default), whatever the session's time zone: at 23:30 and 00:30 local time,
-- on both sides of a daylight-saving change, with the session in Tokyo.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(14);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
set local timezone = 'Asia/Tokyo';

-- Only one of tenant A's assemblies takes part; the site is in Chicago (the fixture's).
update public.assemblies set status = 'removed'
where id <> current_setting('tests.a_assembly')::uuid;

-- The step of the due notice queued at `at` for an assembly due on `due` (in Chicago).
create function pg_temp.step_at(due date, at timestamptz) returns text
language plpgsql
as $$
begin
  delete from private.due_notices;
  delete from queue.job_queue where kind = 'email.test_due';
  update public.assemblies set last_tested_on = due - interval '1 year'
  where id = current_setting('tests.a_assembly')::uuid;
  perform private.queue_due_notices(at);
  return (select j.payload ->> 'step' from queue.all_jobs as j where j.kind = 'email.test_due');
end
$$;

select is(current_setting('timezone'), 'Asia/Tokyo', 'The session is in Tokyo for every check below');
select is(
  pg_temp.step_at('2026-03-07', timestamptz '2026-03-07 23:30 America/Chicago'),
  '7_days',
  'The evening before daylight saving starts, an assembly due that day is not yet overdue (UTC is already the 8th)'
);
select is(
  pg_temp.step_at('2026-03-07', timestamptz '2026-03-08 00:30 America/Chicago'),
  'overdue',
  'Half an hour after local midnight it is'
);
select is(
  pg_temp.step_at('2026-03-08', timestamptz '2026-03-08 23:30 America/Chicago'),
  '7_days',
  'On the day daylight saving started (a 23-hour day), 23:30 is still that day'
);
select is(
  pg_temp.step_at('2026-03-08', timestamptz '2026-03-09 00:30 America/Chicago'),
  'overdue',
  'and 00:30 the next'
);
select is(
  pg_temp.step_at('2026-11-01', timestamptz '2026-11-01 23:30 America/Chicago'),
  '7_days',
  'On the day daylight saving ended (a 25-hour day), 23:30 is still that day (05:30 UTC the next)'
);
select is(
  pg_temp.step_at('2026-11-01', timestamptz '2026-11-02 00:30 America/Chicago'),
  'overdue',
  'and 00:30 the next'
);
select is(
  pg_temp.step_at('2026-12-31', timestamptz '2026-12-01 23:30 America/Chicago'),
  '30_days',
  'Thirty days ahead counts from the local date (UTC is already the 2nd)'
);

-- assemblies_due and a report's date, now: in a zone whose date today is not UTC's.
create temporary table far (zone text);
insert into far
select case
  when (now() at time zone 'Pacific/Kiritimati')::date <> (now() at time zone 'UTC')::date then 'Pacific/Kiritimati'
  else 'Etc/GMT+12'
end;
update public.sites set time_zone = (select f.zone from far as f)
where id = current_setting('tests.a_site')::uuid;
update public.assemblies set last_tested_on = (now() at time zone (select f.zone from far as f))::date - interval '1 year'
where id = current_setting('tests.a_assembly')::uuid;
select results_eq(
  $$select days_until_due, overdue from public.assemblies_due where assembly_id = current_setting('tests.a_assembly')::uuid$$,
  $$values (0, false)$$,
  'Due today on the site''s calendar: today, not overdue, whatever UTC''s or the session''s date'
);

insert into public.backflow_test_reports (
  organization_id, assembly_id, user_id, check_valve_1_psid, check_valve_2_psid, relief_valve_opening_psid
)
values (
  current_setting('tests.org_a')::uuid,
  current_setting('tests.a_assembly')::uuid,
  tests.get_supabase_uid('a_technician'),
  5.0,
  2.0,
  3.0
);
select is(
  (
    select tested_on from public.backflow_test_reports
    where assembly_id = current_setting('tests.a_assembly')::uuid
  ),
  (now() at time zone (select f.zone from far as f))::date,
  'A report without a date is dated the site''s day today'
);
select isnt(
  (now() at time zone (select f.zone from far as f))::date,
  (now() at time zone 'UTC')::date,
  '(which is not UTC''s date: the check above could fail)'
);

-- A new site takes its organization's time zone, unless it names one.
update public.organizations set time_zone = 'America/Denver'
where id = current_setting('tests.org_a')::uuid;
select tests.authenticate_as('a_owner');
insert into public.sites (organization_id, customer_id, line1, city)
values (current_setting('tests.org_a')::uuid, current_setting('tests.a_customer')::uuid, '9 Elm St', 'Boulder');
insert into public.sites (organization_id, customer_id, line1, city, time_zone)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.a_customer')::uuid, '1 Bay St', 'Sydney', 'Australia/Sydney'
);
select results_eq(
  $$select city, time_zone from public.sites where line1 in ('9 Elm St', '1 Bay St') order by city$$,
  $$values ('Boulder', 'America/Denver'), ('Sydney', 'Australia/Sydney')$$,
  'A new site takes its organization''s time zone unless it names its own'
);
select throws_ok(
  $$insert into public.sites (organization_id, customer_id, line1, city, time_zone)
    values (current_setting('tests.org_a')::uuid, current_setting('tests.a_customer')::uuid, '2 Nowhere', 'X', 'Mars/Olympus')$$,
  '22023', 'time zone "Mars/Olympus" not recognized',
  'An unknown time zone is still refused'
);
reset role;
select tests.clear_authentication();
select is(
  tests.outcome_as(
    'a_owner',
    'insert into public.sites (organization_id, customer_id, line1, city)'
    ' values ({b}, {b_customer}, ''3 Oak St'', ''Y'') returning time_zone'
  ),
  '42501',
  'A site for another organization is refused, and its organization''s zone is never read'
);

select * from finish();
rollback;
