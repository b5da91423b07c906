-- Availability (working hours less visits and time off) and the fields a water authority
-- requires before a report is filed.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(7);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

-- Monday 2026-12-07 in tenant A (UTC): hours 08:00-16:00, a visit 10:00-11:00, off from 14:00.
insert into public.working_hours (organization_id, user_id, weekday, starts, ends)
values (current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_technician')::uuid, 1, '08:00', '16:00');
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.a_work_order')::uuid,
  current_setting('tests.uid_a_technician')::uuid, '2026-12-07 10:00+00', '2026-12-07 11:00+00'
);
insert into public.time_off (organization_id, user_id, starts_at, ends_at)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_technician')::uuid,
  '2026-12-07 14:00+00', '2026-12-08 00:00+00'
);

select tests.authenticate_as('a_dispatcher');
select results_eq(
  format(
    'select free_from, free_until from public.technician_availability(%L, %L)', current_setting('tests.org_a'), '2026-12-07'
  ),
  $$values ('2026-12-07 08:00+00'::timestamptz, '2026-12-07 10:00+00'::timestamptz),
    ('2026-12-07 11:00+00', '2026-12-07 14:00+00')$$,
  'A technician is free in their working hours, less their visits and time off'
);
select is_empty(
  format('select from public.technician_availability(%L, %L)', current_setting('tests.org_a'), '2026-12-08'),
  'Nobody is free on a day without working hours'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_technician');
select throws_ok(
  format('select * from public.technician_availability(%L, %L)', current_setting('tests.org_a'), '2026-12-07'),
  '42501', 'Only owners, admins and dispatchers plan with availability',
  'Technicians do not read each other''s availability'
);
reset role;
select tests.clear_authentication();

-- Required fields ----------------------------------------------------------------------------------
insert into public.tester_certifications (id, organization_id, user_id, issuer, certificate_number, expires_on)
values (
  '00000000-0000-4000-8000-0000000c0e01', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'ABPA', 'F-1', current_date + 365
);
insert into public.test_gauges (id, organization_id, serial_number, calibration_due_on)
values ('00000000-0000-4000-8000-0000000a0e01', current_setting('tests.org_a')::uuid, 'G-F', current_date + 365);
insert into public.backflow_test_reports (
  id, organization_id, assembly_id, user_id, certification_id, gauge_id,
  check_valve_1_psid, relief_valve_opening_psid, check_valve_2_psid
) values (
  '00000000-0000-4000-8000-0000000bf0e1', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_assembly')::uuid, current_setting('tests.uid_a_technician')::uuid,
  '00000000-0000-4000-8000-0000000c0e01', '00000000-0000-4000-8000-0000000a0e01', 6, 2.5, 1.5
);
update public.water_authorities set required_fields = '{water_account_number,make}'
where id = current_setting('tests.a_authority')::uuid;

select tests.authenticate_as('a_technician');
select throws_ok(
  $$select public.finalize_backflow_test('00000000-0000-4000-8000-0000000bf0e1')$$,
  '23514', 'The water authority requires make, water_account_number before this report can be filed',
  'A report is not filed while the authority''s required fields are empty'
);
reset role;
select tests.clear_authentication();
update public.customers set water_account_number = 'CW-1'
where id = current_setting('tests.a_customer')::uuid;
update public.assemblies set make = 'Watts'
where id = current_setting('tests.a_assembly')::uuid;
select tests.authenticate_as('a_technician');
select results_eq(
  $$select status::text from public.finalize_backflow_test('00000000-0000-4000-8000-0000000bf0e1')$$,
  array['finalized'],
  'Once they are filled in, it is'
);
reset role;
select tests.clear_authentication();
select throws_ok(
  $$update public.water_authorities set required_fields = '{shoe_size}' where id = current_setting('tests.a_authority')::uuid$$,
  '23514', null,
  'An authority can only require fields a report carries'
);
select tests.authenticate_as('b_owner');
select throws_ok(
  format('select * from public.technician_availability(%L, %L)', current_setting('tests.org_a'), '2026-12-07'),
  '42501', 'Only owners, admins and dispatchers plan with availability',
  'Another organization learns nothing of this one''s availability'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
