-- A technician lists and downloads the documents of their own work only: PDFs of work orders
-- assigned to them and of the test reports they may read (their own, and those of their
-- work's assemblies); never a colleague's work, an invoice, or another organization's.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(6);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

select count(tests.create_supabase_user('a_colleague', 'a_colleague@tests.fieldbase.test'));
insert into public.memberships (organization_id, user_id, role)
values (tests.org_id('tenant-a'), tests.get_supabase_uid('a_colleague'), 'technician');
insert into public.work_order_assignments (organization_id, work_order_id, user_id)
values (tests.org_id('tenant-a'), current_setting('tests.a_other_work_order')::uuid, tests.get_supabase_uid('a_colleague'));

-- A report on each work order of tenant A, each by its technician.
with made as (
  insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id, user_id, notes)
  select
    tests.org_id('tenant-a') as organization_id,
    wa.assembly_id,
    wa.work_order_id,
    a.user_id,
    case when a.user_id = tests.get_supabase_uid('a_technician') then 'mine' else 'theirs' end as notes
  from public.work_order_assemblies as wa
  inner join public.work_order_assignments as a on wa.work_order_id = a.work_order_id
  where wa.organization_id = tests.org_id('tenant-a')
  returning id, notes
)

select count(set_config('tests.' || notes || '_report', id::text, true)) from made;

-- Documents of tenant A: each work order's and each report's PDF, and an invoice; one of
-- tenant B's work order. Each is stored too.
with documents (kind, source_type, source_id, file) as (
  values
  ('work_order', 'work_order', current_setting('tests.a_work_order'), 'wo-mine'),
  ('work_order', 'work_order', current_setting('tests.a_other_work_order'), 'wo-theirs'),
  ('inspection_report', 'backflow_test_report', current_setting('tests.mine_report'), 'report-mine'),
  ('inspection_report', 'backflow_test_report', current_setting('tests.theirs_report'), 'report-theirs'),
  ('invoice', 'invoice', null, 'invoice')
)

select
  count(queue.record_document(
    tests.org_id('tenant-a'), d.kind, d.file, tests.org_id('tenant-a')::text || '/' || d.kind || '/' || d.file || '.pdf',
    1000, repeat('a', 64), 1, d.source_type, d.source_id
  ))
from documents as d;
select count(queue.record_document(
  tests.org_id('tenant-b'), 'work_order', 'wo-b', tests.org_id('tenant-b')::text || '/work_order/wo-b.pdf',
  1000, repeat('b', 64), 1, 'work_order', current_setting('tests.b_work_order')
));
insert into storage.objects (bucket_id, name)
select
  'documents' as bucket_id,
  d.storage_path
from public.documents as d;

select tests.authenticate_as('a_technician');
select results_eq(
  'select title from public.documents order by title',
  array['report-mine', 'wo-mine'],
  'A technician lists the documents of their own work order and report'
);
select results_eq(
  $$select name from storage.objects where bucket_id = 'documents' order by name$$,
  array[
    current_setting('tests.org_a') || '/inspection_report/report-mine.pdf',
    current_setting('tests.org_a') || '/work_order/wo-mine.pdf'
  ],
  'and downloads those files, no others'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_colleague');
select results_eq(
  'select title from public.documents order by title',
  array['report-theirs', 'wo-theirs'],
  'The colleague lists theirs, not the first technician''s'
);
reset role;
select tests.clear_authentication();

-- Unassigned, the work order's documents go; the report the technician wrote stays theirs.
delete from public.work_order_assignments
where
  work_order_id = current_setting('tests.a_work_order')::uuid
  and user_id = tests.get_supabase_uid('a_technician');
select tests.authenticate_as('a_technician');
select results_eq(
  'select title from public.documents order by title',
  array['report-mine'],
  'Taken off the job, a technician keeps only the report they wrote'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_viewer');
select is(
  (select count(*)::integer from public.documents),
  5,
  'A viewer lists every document of the organization'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('b_technician');
select results_eq(
  'select title from public.documents order by title',
  array['wo-b'],
  'Tenant B''s technician lists only their own organization''s work'
);

select * from finish();
rollback;
