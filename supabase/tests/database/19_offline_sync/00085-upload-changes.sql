-- The upload path of an offline phone (PowerSync's uploadData: PUT, PATCH and DELETE), through
-- public.upload_changes as the technician, with their policies and triggers: a batch applies, a
-- replayed batch changes nothing, and a batch that arrives after the work order was reassigned
-- is refused change by change with a clear error, every change kept in sync_conflicts for the
-- office. Another organization's conflicts list cannot be written or read.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(18);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
insert into public.work_order_checklist_items (id, organization_id, work_order_id, label)
values (
  '0ff1ce00-0000-4000-8000-0000000000c1', tests.org_id('tenant-a'), current_setting('tests.a_work_order')::uuid,
  'Flush the line'
);
select
  set_config(
    'tests.batch',
    jsonb_build_array(
      jsonb_build_object(
        'op', 'PUT', 'table', 'work_order_notes', 'id', '0ff1ce00-0000-4000-8000-000000000001',
        'data', jsonb_build_object(
          'organization_id', tests.org_id('tenant-a'), 'work_order_id', current_setting('tests.a_work_order'),
          'body', 'Shutoff #2 seized; freed it'
        )
      ),
      jsonb_build_object(
        'op', 'PATCH', 'table', 'work_order_checklist_items', 'id', '0ff1ce00-0000-4000-8000-0000000000c1',
        'data', jsonb_build_object('done', true)
      ),
      jsonb_build_object(
        'op', 'PUT', 'table', 'time_entries', 'id', '0ff1ce00-0000-4000-8000-0000000000e1',
        'data', jsonb_build_object(
          'organization_id', tests.org_id('tenant-a'), 'work_order_id', current_setting('tests.a_work_order'),
          'user_id', tests.get_supabase_uid('a_technician'),
          'started_at', now() - interval '2 hours', 'ended_at', now() - interval '1 hour'
        )
      )
    )::text,
    true
  );

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.upload_changes(''[]'')')$$,
  $$values
    ('anon', '42501'), ('outsider', '1 row'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '1 row'), ('staff', '1 row'), ('service_role', '42501')$$,
  'Any signed-in user may upload; what each change may do is their policies'' to say'
);

-- a batch, and the same batch again ---------------------------------------------------------------
select tests.authenticate_as('a_technician');
select is(
  public.upload_changes(current_setting('tests.batch')::jsonb),
  '{"applied": 3, "conflicts": []}'::jsonb,
  'The technician''s batch applies: a note, a tick, a time entry'
);
select is(
  public.upload_changes(current_setting('tests.batch')::jsonb),
  '{"applied": 3, "conflicts": []}'::jsonb,
  'The same batch again (the answer was lost) is absorbed'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::integer from public.work_order_notes
    where id = '0ff1ce00-0000-4000-8000-000000000001'
  ),
  1,
  'one note'
);
select is(
  (
    select count(*)::integer from public.time_entries
    where id = '0ff1ce00-0000-4000-8000-0000000000e1'
  ),
  1,
  'one time entry'
);
select is(
  (
    select i.done_by from public.work_order_checklist_items as i
    where i.id = '0ff1ce00-0000-4000-8000-0000000000c1'
  ),
  tests.get_supabase_uid('a_technician'),
  'the tick is the technician''s, stamped by the same trigger as a PATCH through PostgREST'
);

-- reassigned while the phone was offline ---------------------------------------------------------
update public.work_order_checklist_items set done = false
where id = '0ff1ce00-0000-4000-8000-0000000000c1';
delete from public.work_order_assignments
where work_order_id = current_setting('tests.a_work_order')::uuid;
select
  set_config(
    'tests.late_batch',
    (
      select
        jsonb_agg(
          case
            when c ->> 'table' = 'work_order_notes'
              then jsonb_set(c, '{id}', '"0ff1ce00-0000-4000-8000-000000000002"')
            when c ->> 'table' = 'time_entries'
              then
                jsonb_set(c, '{id}', '"0ff1ce00-0000-4000-8000-0000000000e2"')
                || jsonb_build_object('data', (c -> 'data') || jsonb_build_object(
                  'started_at', now() - interval '50 minutes', 'ended_at', now() - interval '20 minutes'
                ))
            else c
          end
        )
      from jsonb_array_elements(current_setting('tests.batch')::jsonb) as c
    )::text
    || '',
    true
  );
select tests.authenticate_as('a_technician');
select set_config('tests.late_answer', public.upload_changes(current_setting('tests.late_batch')::jsonb)::text, true);
reset role;
select tests.clear_authentication();
select is(
  (current_setting('tests.late_answer')::jsonb ->> 'applied')::integer,
  0,
  'After the work order was reassigned, nothing of the late batch applies'
);
select is(
  (
    select array_agg((c ->> 'position') || ' ' || (c ->> 'code') order by (c ->> 'position')::integer)
    from jsonb_array_elements(current_setting('tests.late_answer')::jsonb -> 'conflicts') as c
  ),
  array['1 42501', '2 PT404', '3 42501'],
  'and the phone is told why, change by change'
);
select is(
  (
    select array_agg(s.table_name || ' ' || s.operation order by s.created_at, s.table_name)
    from public.sync_conflicts as s
  ),
  array['time_entries PUT', 'work_order_checklist_items PATCH', 'work_order_notes PUT'],
  'Nothing of it is lost: every change is in sync_conflicts'
);
select is(
  (
    select s.data ->> 'body' from public.sync_conflicts as s
    where s.table_name = 'work_order_notes'
  ),
  'Shutoff #2 seized; freed it',
  'with what the technician wrote'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.sync_conflicts where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '3 rows'), ('a_admin', '3 rows'),
    ('a_dispatcher', '3 rows'), ('a_technician', '3 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '3 rows')$$,
  'The office sees the conflicts; the technician their own'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.sync_conflicts set resolved_at = now() where organization_id = {a} returning resolved_by'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '3 rows'), ('a_admin', '3 rows'),
    ('a_dispatcher', '3 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '3 rows')$$,
  'Owners, admins and dispatchers settle them'
);
select is(
  tests.outcome_as('a_dispatcher', 'update public.sync_conflicts set error_message = ''fine'' returning 1'),
  '42501',
  'and change nothing else about them'
);

-- what a change cannot do ------------------------------------------------------------------------
select tests.authenticate_as('b_owner');
select
  set_config(
    'tests.spam',
    public.upload_changes(
      jsonb_build_array(
        jsonb_build_object(
          'op', 'PUT', 'table', 'work_order_notes', 'id', gen_random_uuid(),
          'data', jsonb_build_object(
            'organization_id', current_setting('tests.org_a'), 'work_order_id', current_setting('tests.a_work_order'),
            'body', 'spam'
          )
        ),
        jsonb_build_object(
          'op', 'PUT', 'table', 'memberships', 'id', gen_random_uuid(), 'data', jsonb_build_object('role', 'owner')
        )
      )
    )::text,
    true
  );
reset role;
select tests.clear_authentication();
select is(
  (
    select array_agg(c ->> 'code' order by (c ->> 'position')::integer)
    from jsonb_array_elements(current_setting('tests.spam')::jsonb -> 'conflicts') as c
  ),
  array['42501', '22023'],
  'A change naming another organization is refused; only field tables take uploads'
);
select is(
  (
    select count(*)::integer from public.sync_conflicts
    where data ->> 'body' = 'spam'
  ),
  0,
  'and fills nobody''s list'
);
select is(
  tests.outcome_as(
    'a_technician',
    'select 1 from public.upload_changes((select jsonb_agg(''{}''::jsonb) from generate_series(1, 501)))'
  ),
  '22023',
  'A batch holds 500 changes at most'
);

select tests.authenticate_as('b_owner');
select is(
  public.upload_changes(
    '[{"op": "DELETE", "table": "work_order_checklist_items", "id": "0ff1ce00-0000-4000-8000-0000000000c1"}]'
  ),
  public.upload_changes(
    '[{"op": "DELETE", "table": "work_order_checklist_items", "id": "0ff1ce00-0000-4000-8000-00000000dead"}]'
  ),
  'Deleting another organization''s row answers as deleting one that never was: it reveals nothing'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::integer from public.work_order_notes
    where id = '0ff1ce00-0000-4000-8000-000000000001'
  ),
  1,
  'and the row stays'
);

select * from finish();
rollback;
