-- Photos of an assembly and of a test report (Storage bucket attachments, under
-- <organization_id>/assemblies/<id>/ and <organization_id>/backflow_test_reports/<id>/) follow
-- their parent: who reads the assembly or the report reads its photos (the office, the technician
-- on the work, the customer in the portal once a report is final); the office and the technician
-- on the work add them; a finalised report's photos are part of the record and stay as they are.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(8);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();

insert into public.backflow_test_reports (id, organization_id, assembly_id, work_order_id, user_id)
values (
  '0ff1ce00-0000-4000-8000-0000000000b1', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  current_setting('tests.a_work_order')::uuid, tests.get_supabase_uid('a_technician')
);
select
  set_config(
    'tests.assembly_photo',
    tests.org_id('tenant-a') || '/assemblies/' || current_setting('tests.a_assembly') || '/valve-tag.jpg',
    true
  );
select
  set_config(
    'tests.report_photo',
    tests.org_id('tenant-a') || '/backflow_test_reports/0ff1ce00-0000-4000-8000-0000000000b1/gauge.jpg',
    true
  );
insert into storage.objects (bucket_id, name)
values
('attachments', current_setting('tests.assembly_photo')),
('attachments', current_setting('tests.report_photo'));

-- Every actor, portal users included, on one statement about one file (%L in the statement).
create function tests.photo_matrix(statement text, photo text) returns table (actor text, outcome text)
language sql
set search_path = ''
as $$
  select
    a,
    tests.outcome_as(a, format(statement, photo))
  from unnest(tests.actors_with_portal()) as a
$$;

create function tests.read_photo(photo text) returns table (actor text, outcome text)
language sql
set search_path = ''
as $$
  select * from tests.photo_matrix(
    'select 1 from storage.objects where bucket_id = ''attachments'' and name = %L', photo
  )
$$;

create function tests.add_photo(photo text) returns table (actor text, outcome text)
language sql
set search_path = ''
as $$
  select * from tests.photo_matrix(
    'insert into storage.objects (bucket_id, name) values (''attachments'', %L) returning 1', photo
  )
$$;

select results_eq(
  $$select * from tests.read_photo(current_setting('tests.assembly_photo'))$$,
  $$values
    ('anon', '0 rows'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row'),
    ('portal_x', '1 row'), ('portal_y', '0 rows'), ('portal_b', '0 rows')$$,
  'An assembly''s photos are read as the assembly is: its customer in the portal too'
);
select results_eq(
  $$select * from tests.read_photo(current_setting('tests.report_photo'))$$,
  $$values
    ('anon', '0 rows'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row'),
    ('portal_x', '0 rows'), ('portal_y', '0 rows'), ('portal_b', '0 rows')$$,
  'A draft report''s photos: not the customer''s until the report is final'
);
select results_eq(
  $$select * from tests.add_photo(replace(current_setting('tests.assembly_photo'), 'valve-tag', 'after'))$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row'),
    ('portal_x', '42501'), ('portal_y', '42501'), ('portal_b', '42501')$$,
  'The office and the technician on the work photograph the assembly'
);
select results_eq(
  $$select * from tests.add_photo(replace(current_setting('tests.report_photo'), 'gauge', 'reading'))$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row'),
    ('portal_x', '42501'), ('portal_y', '42501'), ('portal_b', '42501')$$,
  'and the draft report'
);
select is(
  tests.outcome_as(
    'b_owner',
    format(
      'insert into storage.objects (bucket_id, name) values (''attachments'', %L) returning 1',
      tests.org_id('tenant-b') || '/assemblies/' || current_setting('tests.a_assembly') || '/x.jpg'
    )
  ),
  '42501',
  'Another organization''s assembly cannot be photographed into one''s own folder'
);
update public.backflow_test_reports set status = 'finalized', finalized_at = now()
where id = '0ff1ce00-0000-4000-8000-0000000000b1';
select results_eq(
  $$select * from tests.read_photo(current_setting('tests.report_photo'))$$,
  $$values
    ('anon', '0 rows'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row'),
    ('portal_x', '1 row'), ('portal_y', '0 rows'), ('portal_b', '0 rows')$$,
  'A final report''s photos reach its customer'
);
select results_eq(
  $$select * from tests.photo_matrix(
    'delete from storage.objects where bucket_id = ''attachments'' and name = %L returning 1',
    current_setting('tests.report_photo')
  )$$,
  $$values
    ('anon', '0 rows'), ('outsider', '0 rows'), ('a_owner', '0 rows'), ('a_admin', '0 rows'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row'),
    ('portal_x', '0 rows'), ('portal_y', '0 rows'), ('portal_b', '0 rows')$$,
  'and stay as they are: nobody removes them through the API'
);
select is(
  tests.outcome_as(
    'a_technician',
    format(
      'insert into storage.objects (bucket_id, name) values (''attachments'', %L) returning 1',
      replace(current_setting('tests.report_photo'), 'gauge', 'late')
    )
  ),
  '42501',
  'nor adds to them'
);

select * from finish();
rollback;
