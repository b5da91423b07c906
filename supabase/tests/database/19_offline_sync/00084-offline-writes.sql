-- Writes that survive a dead zone, as PostgREST runs them: a phone names the rows it creates and
-- a retried insert (supabase-js upsert with ignoreDuplicates: on conflict (id) do nothing) is
-- absorbed; an id another organization used reveals nothing; an update naming a stale version is
-- refused with PT409 and the current row; deletions leave tombstones that whoever read the row
-- can read, and "changed since T" is an index range.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(21);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

create function tests.detail_of(actor text, statement text) returns text
language plpgsql
set search_path = ''
as $$
declare
  found text;
  resolved text := tests.resolve(statement);
begin
  perform tests.authenticate_as(actor);
  begin
    execute resolved;
  exception when others then
    get stacked diagnostics found = pg_exception_detail;
  end;
  perform set_config('role', 'none', true);
  perform tests.clear_authentication();
  return found;
end
$$;

-- retried inserts --------------------------------------------------------------------------------
select tests.authenticate_as('a_technician');
insert into public.work_order_notes (id, organization_id, work_order_id, body)
values (
  '0ff1ce00-0000-4000-8000-000000000001',
  current_setting('tests.org_a')::uuid,
  current_setting('tests.a_work_order')::uuid,
  'Shutoff seized'
)
on conflict (id) do nothing;
-- The answer was lost in the basement: the phone sends the same row again.
insert into public.work_order_notes (id, organization_id, work_order_id, body)
values (
  '0ff1ce00-0000-4000-8000-000000000001',
  current_setting('tests.org_a')::uuid,
  current_setting('tests.a_work_order')::uuid,
  'Shutoff seized'
)
on conflict (id) do nothing;
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::integer from public.work_order_notes
    where id = '0ff1ce00-0000-4000-8000-000000000001'
  ),
  1,
  'A retried insert with the phone''s id is absorbed: one note'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.time_entries (id, organization_id, work_order_id, user_id, started_at, ended_at)'
    ' values (''0ff1ce00-0000-4000-8000-0000000000e1'', {a}, {a_work_order}, {a_technician},'
    ' now() - interval ''1 hour'', now()) on conflict (id) do nothing returning id',
    array['a_technician', 'a_dispatcher', 'a_viewer', 'b_owner']
  )$$,
  $$values ('a_technician', '1 row'), ('a_dispatcher', '1 row'), ('a_viewer', '42501'), ('b_owner', '42501')$$,
  'Time entries take the phone''s id, under the same rules as before'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.backflow_test_reports (id, organization_id, assembly_id, work_order_id, user_id)'
    ' values (''0ff1ce00-0000-4000-8000-0000000000b1'', {a}, {a_assembly}, {a_work_order}, {a_technician})'
    ' on conflict (id) do nothing returning id',
    array['a_technician', 'a_viewer', 'b_owner']
  )$$,
  $$values ('a_technician', '1 row'), ('a_viewer', '42501'), ('b_owner', '42501')$$,
  'and so do test reports'
);
select is(
  tests.outcome_as(
    'a_dispatcher',
    'insert into public.work_order_checklist_items (id, organization_id, work_order_id, label)'
    ' values (''0ff1ce00-0000-4000-8000-0000000000c1'', {a}, {a_work_order}, ''Flush the line'')'
    ' on conflict (id) do nothing returning id'
  ),
  '1 row',
  'and checklist items'
);
select is(
  tests.outcome_as(
    'a_technician',
    'insert into public.work_order_notes (id, organization_id, work_order_id, body)'
    ' values (''0ff1ce00-0000-4000-8000-000000000001'', {a}, {a_work_order}, ''Shutoff seized'') returning id'
  ),
  '23505',
  'Without on conflict, the repeat is a 23505 (HTTP 409) naming nothing but the id sent'
);
select is(
  tests.outcome_as(
    'b_owner',
    'insert into public.work_order_notes (id, organization_id, work_order_id, body)'
    ' values (''0ff1ce00-0000-4000-8000-000000000001'', {b}, {b_work_order}, ''Mine now'')'
    ' on conflict (id) do nothing returning id'
  ),
  '0 rows',
  'An id another organization used answers as a retry does: nothing inserted, nothing shown'
);
select is(
  (
    select n.body from public.work_order_notes as n
    where n.id = '0ff1ce00-0000-4000-8000-000000000001'
  ),
  'Shutoff seized',
  'and its row stays as it was'
);

-- versions ---------------------------------------------------------------------------------------
select is(
  (
    select w.version from public.work_orders as w
    where w.id = current_setting('tests.a_work_order')::uuid
  ),
  1,
  'A work order starts at version 1'
);
select tests.authenticate_as('a_dispatcher');
update public.work_orders set title = 'Annual test, gate code 4471', version = 1
where id = current_setting('tests.a_work_order')::uuid;
reset role;
select tests.clear_authentication();
select is(
  (
    select w.version from public.work_orders as w
    where w.id = current_setting('tests.a_work_order')::uuid
  ),
  2,
  'An update naming the current version applies and moves it on'
);
select is(
  tests.outcome_as(
    'a_dispatcher',
    'update public.work_orders set title = ''Offline edit'', version = 1 where id = {a_work_order} returning 1',
    true
  ),
  'PT409: This work order was changed by someone else since you read it (it is at version 2, not 1)',
  'One naming a version the row has left is refused with PT409 (HTTP 409)'
);
select is(
  (tests.detail_of(
    'a_dispatcher', 'update public.work_orders set title = ''Offline edit'', version = 1 where id = {a_work_order}'
  )::jsonb ->> 'title'),
  'Annual test, gate code 4471',
  'with the current row in the detail, for the app to show the conflict'
);
select is(
  tests.outcome_as(
    'a_dispatcher', 'update public.work_orders set priority = ''high'' where id = {a_work_order} returning version'
  ),
  '1 row',
  'An update that names no version still applies (the version moves on)'
);
insert into public.backflow_test_reports (id, organization_id, assembly_id, work_order_id, user_id)
values (
  '0ff1ce00-0000-4000-8000-0000000000b2', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  current_setting('tests.a_work_order')::uuid, tests.get_supabase_uid('a_technician')
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.backflow_test_reports set check_valve_1_psid = 5.2, version = 7'
    ' where id = ''0ff1ce00-0000-4000-8000-0000000000b2'' returning 1',
    array['a_technician', 'a_dispatcher']
  )$$,
  $$values ('a_technician', 'PT409'), ('a_dispatcher', 'PT409')$$,
  'A draft test report is refused the same way'
);
select is(
  (tests.detail_of(
    'a_technician',
    'update public.visits set notes = ''x'', version = 0 where work_order_id = {a_work_order}'
  )),
  null,
  'A technician, who cannot change visits, learns nothing of one from a stale version (no row matched)'
);

-- updated_at and "changed since T" ---------------------------------------------------------------
insert into public.work_order_checklist_items (id, organization_id, work_order_id, label, updated_at)
values (
  '0ff1ce00-0000-4000-8000-0000000000c1', tests.org_id('tenant-a'), current_setting('tests.a_work_order')::uuid,
  'Flush the line', now() - interval '1 day'
);
select tests.authenticate_as('a_technician');
update public.work_order_checklist_items set done = true
where id = '0ff1ce00-0000-4000-8000-0000000000c1';
reset role;
select tests.clear_authentication();
select is(
  (
    select i.updated_at from public.work_order_checklist_items as i
    where i.id = '0ff1ce00-0000-4000-8000-0000000000c1'
  ),
  now(),
  'A tick on the phone moves the item''s updated_at'
);
set local enable_seqscan = off;
select ok(
  (
    select bool_or(line ~ 'work_order_checklist_items_changed_idx')
    from tests.explain(
      'select id from public.work_order_checklist_items where organization_id = '
      || quote_literal(tests.org_id('tenant-a')) || ' and updated_at > now() - interval ''1 hour'''
    ) as line
  ),
  '"Changed since T" is an index range per organization'
);
reset enable_seqscan;

-- tombstones -------------------------------------------------------------------------------------
delete from public.work_order_assignments
where work_order_id = current_setting('tests.a_work_order')::uuid;
delete from public.work_order_checklist_items
where id = '0ff1ce00-0000-4000-8000-0000000000c1';
select is(
  (select array_agg(t.table_name order by t.table_name) from public.sync_tombstones as t),
  array['work_order_assignments', 'work_order_checklist_items'],
  'A deletion leaves a tombstone'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.sync_tombstones where table_name = ''work_order_assignments'''
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'The technician taken off the job reads that they were, and drops the work order from the phone'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.sync_tombstones where table_name = ''work_order_checklist_items''',
    array['a_technician', 'a_dispatcher']
  )$$,
  $$values ('a_technician', '0 rows'), ('a_dispatcher', '1 row')$$,
  'but no longer the tombstones of the work order they lost'
);
update public.sync_tombstones set deleted_at = now() - interval '31 days'
where table_name = 'work_order_assignments';
select is(private.purge_sync_tombstones(), 1, 'Tombstones are kept 30 days');
delete from public.organizations
where slug = 'tenant-b';
select is(
  (
    select count(*)::integer from public.sync_tombstones
    where organization_id = tests.org_id('tenant-a')
  ),
  1,
  'An organization deleted with everything it had leaves no tombstones, and takes nothing else'
);

select * from finish();
rollback;
