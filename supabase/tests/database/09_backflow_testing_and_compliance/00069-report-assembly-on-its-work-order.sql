-- A test report's assembly is one of its work order's assemblies, whoever writes it: the office
-- cannot file a test of one customer's assembly under another customer's work order either.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(8);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select count(set_config('tests.a_other_assembly', (
  select wa.assembly_id::text from public.work_order_assemblies as wa
  where wa.work_order_id = current_setting('tests.a_other_work_order')::uuid
), true)) as recorded;

select tests.authenticate_as('a_dispatcher');
select throws_ok(
  format(
    'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id)'
    ' values (%L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_assembly'),
    current_setting('tests.a_other_work_order')
  ),
  '23514', 'A test report''s assembly must be one of its work order''s assemblies',
  'The office cannot file a test under a work order that does not cover the assembly'
);
select lives_ok(
  format(
    'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id, notes)'
    ' values (%L, %L, %L, %L), (%L, %L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_assembly'),
    current_setting('tests.a_work_order'), 'on its work order',
    current_setting('tests.org_a'), current_setting('tests.a_other_assembly'),
    current_setting('tests.a_other_work_order'), 'on the other work order'
  ),
  'It files them under the work orders that cover the assemblies'
);
select lives_ok(
  format(
    'insert into public.backflow_test_reports (organization_id, assembly_id, notes) values (%L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_assembly'), 'without a work order'
  ),
  'or with no work order at all'
);
select throws_ok(
  format(
    'update public.backflow_test_reports set work_order_id = %L where notes = %L',
    current_setting('tests.a_other_work_order'), 'without a work order'
  ),
  '23514', 'A test report''s assembly must be one of its work order''s assemblies',
  'Moving a report onto a work order that does not cover its assembly is refused'
);
select throws_ok(
  format(
    'delete from public.work_order_assemblies where work_order_id = %L and assembly_id = %L',
    current_setting('tests.a_work_order'), current_setting('tests.a_assembly')
  ),
  '23514', 'This assembly has a test report on this work order',
  'An assembly with a report on a work order stays on it'
);
reset role;
select tests.clear_authentication();

-- Deleting the work order or the assembly itself still works; the links go with them.
delete from public.work_orders
where id = current_setting('tests.a_other_work_order')::uuid;
select is(
  (
    select work_order_id from public.backflow_test_reports
    where notes = 'on the other work order'
  ),
  null,
  'Deleting the work order leaves its report without one'
);
delete from public.assemblies
where id = current_setting('tests.a_assembly')::uuid;
select is(
  (
    select count(*)::integer from public.backflow_test_reports
    where notes = 'on its work order'
  ),
  0,
  'Deleting the assembly takes its reports with it'
);
select is(
  (
    select count(*)::integer from public.work_order_assemblies
    where work_order_id = current_setting('tests.a_work_order')::uuid
  ),
  0,
  'and its place on the work order'
);

select * from finish();
rollback;
