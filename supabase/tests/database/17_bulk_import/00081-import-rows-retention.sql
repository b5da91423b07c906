-- What each row of a file became is kept 90 days after its import ends: older rows go, the
-- import and its summary stay, and a running import or a recent one keeps everything.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(4);
select tests.create_two_organizations();

insert into public.imports (id, organization_id, kind, storage_path, status, summary, updated_at)
values
(
  '00000000-0000-4000-8000-00000001a001', tests.org_id('tenant-a'), 'customers',
  tests.org_id('tenant-a') || '/imports/old.csv', 'committed', '{"rows": {"total": 2}}', now() - interval '91 days'
),
(
  '00000000-0000-4000-8000-00000001a002', tests.org_id('tenant-a'), 'customers',
  tests.org_id('tenant-a') || '/imports/recent.csv', 'committed', '{"rows": {"total": 1}}', now() - interval '89 days'
),
(
  '00000000-0000-4000-8000-00000001a003', tests.org_id('tenant-b'), 'customers',
  tests.org_id('tenant-b') || '/imports/running.csv', 'loading', '{}', now() - interval '200 days'
);
insert into public.import_rows (organization_id, import_id, row_number, cells)
select
  i.organization_id,
  i.id,
  n,
  '{"Customer": "Ada"}'::jsonb as cells
from public.imports as i cross join generate_series(2, 3) as n;

select is(private.purge_import_rows(), 2, 'The rows of an import that ended over 90 days ago go');
select is(
  (select array_agg(distinct r.import_id::text order by r.import_id::text) from public.import_rows as r),
  array['00000000-0000-4000-8000-00000001a002', '00000000-0000-4000-8000-00000001a003'],
  'A recent import and a running one keep theirs'
);
select is(
  (
    select summary from public.imports
    where id = '00000000-0000-4000-8000-00000001a001'
  ),
  '{"rows": {"total": 2}}'::jsonb,
  'The import itself, with its summary, stays'
);
select is(private.purge_import_rows(), 0, 'Running again removes nothing more');

select * from finish();
rollback;
