-- Monthly batch submission to a webhook authority: the first run of a month batches last month's
-- finalised, unsubmitted reports of its sites (not imported history, not this month's), sends one
-- signed backflow_test.batch event with the CSV to the authority's endpoint even though it
-- subscribes to nothing else, marks them submitted when that delivery succeeds, and never sends
-- a report twice; who reads the batches and sets the schedule, as every actor.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(11);
select tests.create_two_organizations();
select tests.create_field_operations();

insert into public.webhook_endpoints (id, organization_id, url, event_types)
values (
  '00000000-0000-4000-8000-0000000e0b01', tests.org_id('tenant-a'), 'https://authority.example.test/hooks',
  '{invoice.paid}'
);
update public.water_authorities
set
  submission_schedule = 'monthly', submission_method = 'webhook',
  webhook_endpoint_id = '00000000-0000-4000-8000-0000000e0b01'
where id = current_setting('tests.a_authority')::uuid;
update public.organizations set time_zone = 'America/Chicago'
where slug = 'tenant-a';

insert into public.backflow_test_reports (
  id, organization_id, assembly_id, user_id, tested_on, check_valve_1_psid, relief_valve_opening_psid,
  check_valve_2_psid, status, imported, result
)
values
(
  '00000000-0000-4000-8000-0000000bb001', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  tests.get_supabase_uid('a_technician'), '2026-11-03', 6, 2.5, 1.5, 'finalized', false, null
),
(
  '00000000-0000-4000-8000-0000000bb002', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  tests.get_supabase_uid('a_technician'), '2026-11-30', 6, 2.5, 1.5, 'finalized', false, null
),
(
  '00000000-0000-4000-8000-0000000bb003', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  tests.get_supabase_uid('a_technician'), '2026-12-01', 6, 2.5, 1.5, 'finalized', false, null
),
(
  '00000000-0000-4000-8000-0000000bb004', tests.org_id('tenant-a'), current_setting('tests.a_assembly')::uuid,
  tests.get_supabase_uid('a_technician'), '2026-11-15', null, null, null, 'finalized', true, 'pass'
);

select is(
  private.queue_authority_batches('2026-12-01 05:59+00'),
  0,
  'At 23:59 on November 30 in Chicago, November is not over there (and October left nothing)'
);
select is(private.queue_authority_batches('2026-12-01 06:01+00'), 1, 'At 00:01 on December 1, it is: one batch');
select results_eq(
  $$select period_start::text, period_end::text, submission_method::text, report_count, status
    from public.authority_submission_batches$$,
  $$values ('2026-11-01', '2026-11-30', 'webhook', 2, 'queued')$$,
  'It covers November: not imported history, nor December''s test'
);
select is(
  (
    select array_agg(r.id::text order by r.id) from public.backflow_test_reports as r
    where r.submission_batch_id is not null
  ),
  array['00000000-0000-4000-8000-0000000bb001', '00000000-0000-4000-8000-0000000bb002'],
  'Those two reports ride in it'
);
select results_eq(
  $$select j.payload ->> 'endpoint_id', j.payload ->> 'event_type',
      (j.payload -> 'data' ->> 'report_count')::integer,
      split_part(j.payload -> 'data' ->> 'csv', e'\r\n', 1) like '"report_id","tested_on","result",%'
    from queue.all_jobs as j where j.kind = 'webhook.deliver'$$,
  $$values ('00000000-0000-4000-8000-0000000e0b01', 'backflow_test.batch', 2, true)$$,
  'One signed delivery to the authority''s own endpoint, the CSV in it, though it subscribes to nothing else'
);
select is(
  private.queue_authority_batches('2026-12-02 06:01+00'),
  0,
  'The next day''s run makes no second batch, and sends nothing again'
);
select is(
  (
    select count(*)::integer from public.backflow_test_reports as r
    where r.submitted_at is not null
  ),
  0,
  'Nothing is submitted before the delivery succeeds'
);
select private.record_authority_submission(
  tests.org_id('tenant-a'), (select b.reference from public.authority_submission_batches as b), now()
);
select results_eq(
  $$select (select count(*)::integer from public.backflow_test_reports as r where r.submitted_at is not null),
      (select status from public.authority_submission_batches)$$,
  $$values (2, 'sent')$$,
  'When it succeeds, its reports are submitted and the batch is sent'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.authority_submission_batches where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members who see the authorities see their batches'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.water_authorities set submission_schedule = ''per_report'' where id = {a_authority} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins choose how an authority is sent its reports'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.authority_submission_batches (organization_id, water_authority_id, period_start,'
    ' period_end, submission_method, report_count) values ({a}, {a_authority}, ''2026-01-01'', ''2026-01-31'','
    ' ''email'', 1) returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501')$$,
  'Batches are made by the schedule alone'
);

select * from finish();
rollback;
