-- Each water authority's own pass thresholds: the database grades a test with the thresholds of
-- the site's authority, falling back to the defaults, at and just under each minimum; owners and
-- admins set them, members read them, and another organization's authority cannot be named.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(12);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

insert into public.water_authority_thresholds (organization_id, water_authority_id, kind, reading, minimum_psid)
values (tests.org_id('tenant-a'), current_setting('tests.a_authority')::uuid, 'rp', 'check_valve_2', 1.5);
select set_config(
  'tests.a_threshold', (
    select t.id::text from public.water_authority_thresholds as t
    order by t.id limit 1
  ), true
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.water_authority_thresholds where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members read their authorities'' thresholds'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.water_authority_thresholds (organization_id, water_authority_id, kind, reading, minimum_psid)'
    ' values ({a}, {a_authority}, ''rp'', ''check_valve_1'', 6.0) returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners and admins set an authority''s threshold'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.water_authority_thresholds set minimum_psid = 2.0 where id = {a_threshold} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins change it'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.water_authority_thresholds where id = {a_threshold} returning 1')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins remove it'
);
select is(
  tests.outcome_as(
    'b_owner',
    'insert into public.water_authority_thresholds (organization_id, water_authority_id, kind, reading, minimum_psid)'
    ' values ({b}, {a_authority}, ''rp'', ''check_valve_1'', 6.0) returning 1'
  ),
  '23503',
  'Another organization''s authority cannot be named'
);
select throws_ok(
  $$insert into public.water_authority_thresholds (organization_id, water_authority_id, kind, reading, minimum_psid)
    values (tests.org_id('tenant-a'), current_setting('tests.a_authority')::uuid, 'dc', 'relief_valve_opening', 2.0)$$,
  '23503', null,
  'Only a reading the kind has can be given a threshold'
);

-- Grading: tenant A's site is served by its authority (check valve 2 at least 1.5 for an RP);
-- tenant B's is not (the default, 1.0).
create function pg_temp.result_of(org text, check_valve_2 numeric) returns text
language sql
as $$
  insert into public.backflow_test_reports (
    organization_id, assembly_id, user_id, check_valve_1_psid, check_valve_2_psid, relief_valve_opening_psid
  )
  values (
    tests.org_id('tenant-' || org), current_setting('tests.' || org || '_assembly')::uuid,
    tests.get_supabase_uid(org || '_technician'), 5.0, check_valve_2, 2.0
  )
  returning result::text || coalesce(' ' || array_to_string(failed_checks, ', '), '')
$$;
select is(pg_temp.result_of('a', 1.5), 'pass ', 'At the authority''s minimum: pass');
select is(pg_temp.result_of('a', 1.4), 'fail Check valve 2', 'Just under it: fail, naming the check');
select is(pg_temp.result_of('b', 1.0), 'pass ', 'Without an authority threshold, the default''s minimum passes');
select is(pg_temp.result_of('b', 0.9), 'fail Check valve 2', 'and just under it fails');
select is(
  pg_temp.result_of('a', 5.0) || '/' || pg_temp.result_of('a', 1.0),
  'pass /fail Check valve 2',
  'The other readings keep the defaults (check valve 1 at 5.0, relief at 2.0)'
);
select is(
  (
    select r.minimum_psid from
      private.effective_thresholds(
        current_setting('tests.a_assembly')::uuid, tests.org_id('tenant-a')
      ) as r
    where r.reading = 'check_valve_2'
  ),
  1.5,
  'The report''s PDF lists the thresholds that graded it'
);

select * from finish();
rollback;
