-- The access matrix of what the other matrices left out: the test thresholds and the legal
-- work order moves (reference data), a job's assemblies and checklist, and who is free when.
-- Same actors and notation as 00020; tests/integration/test_access_matrix_coverage.py fails
-- while an exposed table, view or RPC is in no matrix.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(7);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
insert into public.work_order_checklist_items (organization_id, work_order_id, position, label)
values (current_setting('tests.org_a')::uuid, current_setting('tests.a_work_order')::uuid, 1, 'Test the assembly');
insert into public.working_hours (organization_id, user_id, weekday, starts, ends)
select
  current_setting('tests.org_a')::uuid as organization_id,
  tests.get_supabase_uid('a_technician') as user_id,
  d,
  '07:00' as starts,
  '15:30' as ends
from generate_series(1, 7) as d;


select results_eq(
  $$select * from tests.access_matrix('select 1 from public.backflow_test_thresholds')$$,
  $$values
    ('anon', '42501'),
    ('outsider', '14 rows'),
    ('a_owner', '14 rows'),
    ('a_admin', '14 rows'),
    ('a_dispatcher', '14 rows'),
    ('a_technician', '14 rows'),
    ('a_viewer', '14 rows'),
    ('b_owner', '14 rows'),
    ('staff', '14 rows'),
    ('service_role', '14 rows')$$,
  'Every signed-in user reads the test thresholds; anon does not'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.work_order_transitions')$$,
  $$values
    ('anon', '42501'),
    ('outsider', '15 rows'),
    ('a_owner', '15 rows'),
    ('a_admin', '15 rows'),
    ('a_dispatcher', '15 rows'),
    ('a_technician', '15 rows'),
    ('a_viewer', '15 rows'),
    ('b_owner', '15 rows'),
    ('staff', '15 rows'),
    ('service_role', '15 rows')$$,
  'Every signed-in user reads the work order moves; anon does not'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.work_order_assemblies where organization_id = {a}')$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '2 rows'),
    ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'),
    ('a_technician', '1 row'),
    ('a_viewer', '2 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '2 rows')$$,
  'Members read a job''s assemblies; a technician those of their own jobs'
);

select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id)'
    ' values ({a}, {a_other_work_order}, {a_assembly}) returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Owners, admins and dispatchers put assemblies on jobs'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.work_order_checklist_items where organization_id = {a}')$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Members read a job''s checklist; a technician their own jobs'''
);

select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.work_order_checklist_items (organization_id, work_order_id, label)'
    ' values ({a}, {a_work_order}, ''Flush the line'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Owners, admins and dispatchers write checklists; technicians only tick them'
);

select results_eq(
  $$select * from tests.access_matrix('select count(*) from public.technician_availability({a}, current_date)')$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Owners, admins and dispatchers see who is free; nobody else'
);

select * from finish();
rollback;
