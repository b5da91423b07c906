-- Bulk import as every actor: owners and admins start, commit and cancel imports of their own
-- organization's uploaded files and read what they became; nobody names another organization's
-- file or import; a suspended organization imports nothing; where MFA is required, an import
-- needs an aal2 session. The files themselves: owners and admins upload and read them.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(22);
select tests.create_two_organizations();

insert into storage.objects (bucket_id, name)
values
('documents', tests.org_id('tenant-a') || '/imports/customers.csv'),
('documents', tests.org_id('tenant-b') || '/imports/customers.csv');
insert into public.imports (organization_id, kind, storage_path, status, summary)
values
(tests.org_id('tenant-a'), 'customers', tests.org_id('tenant-a') || '/imports/customers.csv', 'validated', '{"rows": {}}'),
(tests.org_id('tenant-b'), 'customers', tests.org_id('tenant-b') || '/imports/customers.csv', 'validated', '{"rows": {}}');
select
  set_config('tests.a_import', (
    select i.id::text from public.imports as i
    where i.organization_id = tests.org_id('tenant-a')
  ), true);
select
  set_config('tests.b_import', (
    select i.id::text from public.imports as i
    where i.organization_id = tests.org_id('tenant-b')
  ), true);
insert into public.import_rows (organization_id, import_id, row_number, cells)
values (tests.org_id('tenant-a'), current_setting('tests.a_import')::uuid, 2, '{"Customer": "Ada"}');
insert into public.import_mappings (organization_id, kind, mapping)
values (tests.org_id('tenant-a'), 'customers', '{"Customer": "customer_name"}');

-- reading ----------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.imports where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins read their organization''s imports'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.import_rows where import_id = {a_import}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'and what each row of a file became'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.import_fields where field = ''serial_number''')$$,
  $$values
    ('anon', '42501'), ('outsider', '1 row'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '1 row'), ('staff', '1 row'), ('service_role', '1 row')$$,
  'The import fields are reference data for every signed-in user'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.imports (organization_id, kind, storage_path)'
    ' values ({a}, ''customers'', {a}::text || ''/imports/x.csv'') returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501')$$,
  'Imports are only started through start_import'
);

-- saved mappings ---------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.import_mappings where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins read the saved mappings'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.import_mappings (organization_id, kind, mapping)'
    ' values ({a}, ''assemblies'', ''{}'') returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row')$$,
  'and save one'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.import_mappings set mapping = ''{}'' where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'change it'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.import_mappings where organization_id = {a} returning 1')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'and remove it'
);

select is(
  tests.outcome_as(
    'a_admin',
    'insert into public.import_mappings (organization_id, kind, mapping)'
    ' values ({a}, ''sites'', ''{"Serial": "serial_number"}'') returning 1',
    true
  ),
  '22023: serial_number is not a field of a sites import',
  'A saved mapping names only fields its kind takes, as start_import''s does'
);

-- starting, committing, cancelling ---------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/customers.csv'')'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501')$$,
  'Owners and admins start an import of their own organization''s file'
);
select is(
  tests.outcome_as('a_admin', 'select 1 from public.start_import({a}, ''customers'', {b}::text || ''/imports/customers.csv'')'),
  '22023',
  'Another organization''s file cannot be named'
);
select is(
  tests.outcome_as('a_admin', 'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/../../x.csv'')'),
  '22023',
  'nor a path that climbs out of the imports folder'
);
select is(
  tests.outcome_as('a_admin', 'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/missing.csv'')'),
  'PT404',
  'A file that was not uploaded is not found'
);
select is(
  tests.outcome_as(
    'a_admin',
    'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/customers.csv'','
    ' ''{"Name": "serial_number"}'')',
    true
  ),
  '22023: serial_number is not a field of a customers import',
  'A mapping to a field the kind does not take is refused, naming it'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.commit_import({a_import})')$$,
  $$values
    ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'), ('staff', 'PT404'), ('service_role', '42501')$$,
  'Owners and admins commit their organization''s dry run; to anyone else it does not exist'
);
update public.imports set status = 'loading'
where id = current_setting('tests.a_import')::uuid;
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.cancel_import({a_import})')$$,
  $$values
    ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'), ('staff', 'PT404'), ('service_role', '42501')$$,
  'and cancel a running import'
);
select is(
  tests.outcome_as('a_admin', 'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/customers.csv'')'),
  'PT409',
  'One import runs at a time per organization'
);
select is(
  tests.outcome_as('a_admin', 'select 1 from public.commit_import({a_import})'),
  'PT409',
  'Only a finished dry run is committed'
);

-- the organization's state -----------------------------------------------------------------------
update public.imports set status = 'validated'
where id = current_setting('tests.a_import')::uuid;
update public.organizations set require_mfa = true
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/customers.csv'')',
    array['a_admin', 'a_admin@aal2']
  )$$,
  $$values ('a_admin', '42501'), ('a_admin@aal2', '1 row')$$,
  'Where the organization requires MFA, an import needs an aal2 session'
);
update public.organizations set status = 'suspended', suspended_for = 'staff'
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.start_import({a}, ''customers'', {a}::text || ''/imports/customers.csv'')',
    array['a_owner@aal2', 'a_admin@aal2']
  )$$,
  $$values ('a_owner@aal2', '42501'), ('a_admin@aal2', '42501')$$,
  'A suspended organization imports nothing'
);

-- the files --------------------------------------------------------------------------------------
update public.organizations set status = 'active', suspended_for = null, require_mfa = false
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix(
    'insert into storage.objects (bucket_id, name) values (''documents'', {a}::text || ''/imports/new.csv'') returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners and admins upload files to import; nobody else, and not into another organization'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from storage.objects where bucket_id = ''documents'' and name = {a}::text || ''/imports/customers.csv'''
  )$$,
  $$values
    ('anon', '0 rows'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'and only they read them back (customers'' personal data stays with them)'
);

select * from finish();
rollback;
