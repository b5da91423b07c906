-- The rest of the field operations' access matrix: every remaining command and RPC as every
-- actor, the way PostgREST runs it (technicians assigned: a_technician; not: everyone else).
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(16);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

insert into public.tester_certifications (id, organization_id, user_id, issuer, certificate_number, expires_on)
values (
  '00000000-0000-4000-8000-0000000c0f01', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'ABPA', 'M-1', current_date + 365
);
insert into public.test_gauges (id, organization_id, user_id, serial_number, calibration_due_on)
values (
  '00000000-0000-4000-8000-0000000a0f01', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'G-M', current_date + 365
);
insert into public.backflow_test_reports (
  id, organization_id, assembly_id, user_id, certification_id, gauge_id,
  check_valve_1_psid, relief_valve_opening_psid, check_valve_2_psid
) values (
  '00000000-0000-4000-8000-0000000bf001', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_assembly')::uuid, current_setting('tests.uid_a_technician')::uuid,
  '00000000-0000-4000-8000-0000000c0f01', '00000000-0000-4000-8000-0000000a0f01', 6, 2.5, 1.5
);
insert into public.working_hours (organization_id, user_id, weekday, starts, ends)
values (current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_technician')::uuid, 1, '07:00', '15:30');
insert into public.time_off (organization_id, user_id, starts_at, ends_at)
values (
  current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid,
  now() + interval '30 days',
  now() + interval '31 days'
);
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.a_work_order')::uuid,
  current_setting('tests.uid_a_technician')::uuid, now() + interval '1 day', now() + interval '1 day 1 hour'
);
update public.work_orders set status = 'dispatched'
where id = current_setting('tests.a_work_order')::uuid;
insert into public.service_agreements (id, organization_id, customer_id, site_id, name, starts_on)
values (
  '00000000-0000-4000-8000-0000000ae0f1', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_customer')::uuid, current_setting('tests.a_site')::uuid, 'Yearly', current_date
);

select results_eq(
  $$select * from tests.access_matrix('select public.archive_site({a_site})')$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501')$$,
  'Owners, admins and dispatchers archive sites'
);
select results_eq(
  $$select * from tests.access_matrix('select public.move_work_order({a_work_order}, ''in_progress'')')$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501')$$,
  'A dispatched job is started by dispatchers or its technician'
);
select results_eq(
  $$select * from tests.access_matrix('select public.move_work_order({a_work_order}, ''scheduled'')')$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501')$$,
  'Only dispatchers send a dispatched job back to the schedule'
);
select results_eq(
  $$select * from tests.access_matrix('select public.finalize_backflow_test(''00000000-0000-4000-8000-0000000bf001'')')$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501')$$,
  'The tester, owners, admins and dispatchers finalise a report'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.technician_day where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'The day view shows what the schedule shows each actor'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.compliance_summary({a}, 400)')$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '1 row'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '42501')$$,
  'Members other than technicians read the compliance summary'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.working_hours set ends = ''16:00'' where organization_id = {a} returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers set working hours'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.time_off where organization_id = {a} returning 1')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers remove time off'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.time_off (organization_id, user_id, starts_at, ends_at)
     values ({a}, {a_technician}, now() + interval ''60 days'', now() + interval ''61 days'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'A technician records their own time off; dispatchers anyone''s'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.water_authorities where organization_id = {a} returning 1')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins remove water authorities'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.test_gauges where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members read the gauges; a technician their own'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.test_gauges where organization_id = {a} returning 1')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '23503'), ('a_admin', '23503'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '23503')$$,
  'A gauge named on a test report cannot be removed'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.customer_contacts set role = ''Manager'' where organization_id = {a} returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers edit contacts'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.service_agreement_assemblies (organization_id, agreement_id, assembly_id)
     values ({a}, ''00000000-0000-4000-8000-0000000ae0f1'', {a_assembly}) returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners and admins choose what an agreement covers'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.assemblies (organization_id, site_id, kind, serial_number) values ({a}, {a_site}, ''dc'', ''NEW-1'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers add assemblies'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.work_order_assignments where organization_id = {a} returning 1')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers unassign work'
);

select * from finish();
rollback;
