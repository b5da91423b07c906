-- Each authority's report fields: finalising refuses a report that lacks one the site's authority
-- requires, naming it (initial readings, the repair and its parts only for a test repaired on the
-- visit); an air gap is graded by its measurements; the PDF carries the authority's section; who
-- may fill the fields and set the requirements, as every actor.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(13);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

insert into public.tester_certifications (id, organization_id, user_id, issuer, certificate_number, expires_on)
values (
  '00000000-0000-4000-8000-0000000c0f01', tests.org_id('tenant-a'), tests.get_supabase_uid('a_technician'),
  'ABPA', 'F-9', current_date + 365
);
insert into public.test_gauges (id, organization_id, user_id, serial_number, calibration_due_on)
values (
  '00000000-0000-4000-8000-0000000a0f01', tests.org_id('tenant-a'), tests.get_supabase_uid('a_technician'),
  'G-9', current_date + 365
);
insert into public.backflow_test_reports (
  id, organization_id, assembly_id, user_id, certification_id, gauge_id,
  check_valve_1_psid, relief_valve_opening_psid, check_valve_2_psid
) values (
  '00000000-0000-4000-8000-0000000bf0f1', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  tests.get_supabase_uid('a_technician'), '00000000-0000-4000-8000-0000000c0f01',
  '00000000-0000-4000-8000-0000000a0f01', 6, 2.5, 1.5
);
select set_config('tests.a_report', '00000000-0000-4000-8000-0000000bf0f1', true);

select results_eq(
  $$select * from tests.access_matrix(
    'update public.water_authorities set required_fields = ''{line_pressure,shutoff_valves}'''
    ' where id = {a_authority} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins name the fields their authorities require'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.backflow_test_reports set line_pressure_psi = 62, shutoff_valve_1_tight = true,'
    ' repair_parts = ''RV disc kit'' where id = {a_report} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'The tester and the office fill the report''s fields; nobody else'
);

update public.water_authorities
set required_fields = '{line_pressure,shutoff_valves,initial_readings,repair_description,repair_parts}'
where id = current_setting('tests.a_authority')::uuid;

select tests.authenticate_as('a_technician');
select throws_ok(
  $$select public.finalize_backflow_test('00000000-0000-4000-8000-0000000bf0f1')$$,
  '23514', 'The water authority requires line_pressure, shutoff_valves before this report can be filed',
  'A report without line pressure and shut-off valves is not filed, naming them (no repair: no initial readings asked)'
);
update public.backflow_test_reports
set
  line_pressure_psi = 62, shutoff_valve_1_tight = true, shutoff_valve_2_tight = false,
  repairs = 'Replaced the relief valve disc'
where id = '00000000-0000-4000-8000-0000000bf0f1';
select throws_ok(
  $$select public.finalize_backflow_test('00000000-0000-4000-8000-0000000bf0f1')$$,
  '23514', 'The water authority requires initial_readings, repair_parts before this report can be filed',
  'A test repaired on the visit needs its initial readings and the parts'
);
update public.backflow_test_reports
set initial_check_valve_1_psid = 6, initial_relief_valve_opening_psid = 1.0, initial_check_valve_2_psid = 1.5
where id = '00000000-0000-4000-8000-0000000bf0f1';
select throws_ok(
  $$select public.finalize_backflow_test('00000000-0000-4000-8000-0000000bf0f1')$$,
  '23514', 'The water authority requires repair_parts before this report can be filed',
  'Every initial reading the kind grades counts; the parts are still missing'
);
update public.backflow_test_reports set repair_parts = 'RV disc kit'
where id = '00000000-0000-4000-8000-0000000bf0f1';
select results_eq(
  $$select status::text, result::text from public.finalize_backflow_test('00000000-0000-4000-8000-0000000bf0f1')$$,
  $$values ('finalized', 'pass')$$,
  'With every required field, it is filed'
);
reset role;
select tests.clear_authentication();

select is(
  (
    select j.payload -> 'document' -> 'authority'
    from queue.all_jobs as j
    where j.kind = 'pdf.render' and j.payload ->> 'source_id' = '00000000-0000-4000-8000-0000000bf0f1'
  ),
  jsonb_build_object(
    'name', (
      select w.name from public.water_authorities as w
      where w.id = current_setting('tests.a_authority')::uuid
    ),
    'fields', jsonb_build_array(
      jsonb_build_object('label', 'Line pressure', 'value', '62.0 psi'),
      jsonb_build_object('label', 'Shut-off valve #1', 'value', 'Closed tight'),
      jsonb_build_object('label', 'Shut-off valve #2', 'value', 'Leaking'),
      jsonb_build_object('label', 'Initial check valve 1', 'value', '6.0 psid'),
      jsonb_build_object('label', 'Initial check valve 2', 'value', '1.5 psid'),
      jsonb_build_object('label', 'Initial relief valve opening point', 'value', '1.0 psid'),
      jsonb_build_object('label', 'Repair', 'value', 'Replaced the relief valve disc'),
      jsonb_build_object('label', 'Repair parts', 'value', 'RV disc kit')
    )
  ),
  'The report''s PDF carries the authority''s fields in a section of their own, in its order'
);

-- An air gap passes at twice the supply pipe's diameter, and at least 1 inch.
insert into public.assemblies (id, organization_id, site_id, kind, serial_number)
values (
  '00000000-0000-4000-8000-0000000a6a01', tests.org_id('tenant-a'), current_setting('tests.a_site')::uuid,
  'air_gap', 'AG-1'
);
create function pg_temp.air_gap(gap numeric, diameter numeric) returns text
language sql
as $$
  insert into public.backflow_test_reports (organization_id, assembly_id, user_id, air_gap_inches, supply_pipe_diameter_inches)
  values (
    tests.org_id('tenant-a'), '00000000-0000-4000-8000-0000000a6a01', tests.get_supabase_uid('a_technician'),
    gap, diameter
  )
  returning coalesce(result::text, 'no result') || coalesce(' ' || array_to_string(failed_checks, ', '), '')
$$;
select is(pg_temp.air_gap(2.0, 1.0), 'pass ', 'An air gap of twice the pipe''s diameter passes');
select is(pg_temp.air_gap(1.9, 1.0), 'fail Air gap', 'just under it fails, naming the check');
select is(pg_temp.air_gap(0.9, 0.25), 'fail Air gap', 'and under an inch fails whatever the pipe');
select is(pg_temp.air_gap(null, 1.0), 'no result ', 'Without the measurement there is no result to file');
select throws_ok(
  $$update public.water_authorities set required_fields = '{air_gap,shoe_size}'
    where id = current_setting('tests.a_authority')::uuid$$,
  '23514', null,
  'An authority can only require fields a report carries'
);
select is(
  tests.outcome_as(
    'b_owner',
    'update public.backflow_test_reports set line_pressure_psi = 1 where id = {a_report} returning 1'
  ),
  '0 rows',
  'Another organization cannot fill this one''s report'
);

select * from finish();
rollback;
