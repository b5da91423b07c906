-- Backflow test reports: pass and fail on each side of every threshold, finalising (with its
-- refusals for an expired certification or an uncalibrated gauge), the due date that follows,
-- retests after a failure, and what gets queued for the PDF, the customer and the authority.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(28);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

insert into public.tester_certifications (id, organization_id, user_id, issuer, certificate_number, expires_on)
values
(
  '00000000-0000-4000-8000-0000000c0001', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'ABPA', 'T-100', date '2027-06-30'
),
(
  '00000000-0000-4000-8000-0000000c0002', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'State', 'OLD-1', date '2026-01-31'
);
insert into public.test_gauges (id, organization_id, user_id, serial_number, calibration_due_on)
values
(
  '00000000-0000-4000-8000-0000000a0001', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'G-OK', date '2027-01-31'
),
(
  '00000000-0000-4000-8000-0000000a0002', current_setting('tests.org_a')::uuid,
  current_setting('tests.uid_a_technician')::uuid, 'G-LATE', date '2026-06-30'
);

-- Thresholds: every reading of every kind, at its minimum and just below ------------------------
create temporary table threshold_outcomes (kind text, reading text, at_minimum text, below text);
do $$
declare
  t record;
  site uuid := current_setting('tests.a_site')::uuid;
  org uuid := current_setting('tests.org_a')::uuid;
  assembly uuid;
  readings jsonb;
  at_minimum text;
  below text;
begin
  for t in select * from public.backflow_test_thresholds order by kind, reading loop
    insert into public.assemblies (organization_id, site_id, kind, serial_number)
    values (org, site, t.kind, 'THR-' || t.kind || '-' || t.reading)
    returning id into assembly;
    select jsonb_object_agg(x.reading, x.minimum_psid) into readings
    from public.backflow_test_thresholds as x where x.kind = t.kind;
    insert into public.backflow_test_reports (
      organization_id, assembly_id, user_id, check_valve_1_psid, check_valve_2_psid,
      relief_valve_opening_psid, air_inlet_opening_psid
    )
    values (
      org, assembly, current_setting('tests.uid_a_technician')::uuid,
      (readings ->> 'check_valve_1')::numeric, (readings ->> 'check_valve_2')::numeric,
      (readings ->> 'relief_valve_opening')::numeric, (readings ->> 'air_inlet_opening')::numeric
    )
    returning result::text into at_minimum;
    readings := readings || jsonb_build_object(t.reading, t.minimum_psid - 0.1);
    insert into public.backflow_test_reports (
      organization_id, assembly_id, user_id, check_valve_1_psid, check_valve_2_psid,
      relief_valve_opening_psid, air_inlet_opening_psid
    )
    values (
      org, assembly, current_setting('tests.uid_a_technician')::uuid,
      (readings ->> 'check_valve_1')::numeric, (readings ->> 'check_valve_2')::numeric,
      (readings ->> 'relief_valve_opening')::numeric, (readings ->> 'air_inlet_opening')::numeric
    )
    returning result::text || ': ' || array_to_string(failed_checks, ', ') into below;
    insert into threshold_outcomes values (t.kind, t.reading, at_minimum, below);
  end loop;
end
$$;
select is(
  (
    select count(*)::int from threshold_outcomes
    where at_minimum = 'pass'
  ),
  (select count(*)::int from public.backflow_test_thresholds),
  'Every kind passes with every reading at its minimum'
);
select is_empty(
  $$
    select o.kind, o.reading, o.below from threshold_outcomes as o
    inner join public.backflow_test_thresholds as t on t.kind::text = o.kind and t.reading = o.reading
    where o.below <> 'fail: ' || t.label
  $$,
  'Every reading 0.1 psid under its minimum fails the test, naming that check alone'
);
select results_eq(
  $$select result::text, failed_checks from public.backflow_test_reports
    where assembly_id = (select id from public.assemblies where serial_number = 'THR-rp-check_valve_1')
    order by check_valve_1_psid desc$$,
  $$values ('pass', '{}'::text[]), ('fail', '{"Check valve 1"}'::text[])$$,
  'An RP passes at 5.0 psid on check valve 1 and fails at 4.9'
);

-- Recording and finalising as the technician ----------------------------------------------------
select tests.authenticate_as('a_technician');
with draft as (
  insert into public.backflow_test_reports (
    organization_id, assembly_id, work_order_id, certification_id, gauge_id, tested_on,
    check_valve_1_psid, relief_valve_opening_psid
  )
  values (
    current_setting('tests.org_a')::uuid, current_setting('tests.a_assembly')::uuid,
    current_setting('tests.a_work_order')::uuid, '00000000-0000-4000-8000-0000000c0001',
    '00000000-0000-4000-8000-0000000a0001', date '2026-11-20', 6.2, 2.5
  )
  returning id
)

select set_config('tests.report', id::text, true) from draft;
select is(
  (
    select result::text from public.backflow_test_reports
    where id = current_setting('tests.report')::uuid
  ),
  null,
  'A report missing a required reading has no result yet'
);
select throws_ok(
  format('select public.finalize_backflow_test(%L)', current_setting('tests.report')),
  '23514', 'Record every reading the assembly''s kind requires before finalising',
  'It cannot be finalised'
);
update public.backflow_test_reports set check_valve_2_psid = 1.4
where id = current_setting('tests.report')::uuid;
update public.backflow_test_reports set certification_id = '00000000-0000-4000-8000-0000000c0002'
where id = current_setting('tests.report')::uuid;
select throws_ok(
  format('select public.finalize_backflow_test(%L)', current_setting('tests.report')),
  '23514', 'Certification OLD-1 expired on 2026-01-31: it does not cover a test on 2026-11-20',
  'A tester whose certification has expired cannot finalise'
);
update public.backflow_test_reports
set certification_id = '00000000-0000-4000-8000-0000000c0001', gauge_id = '00000000-0000-4000-8000-0000000a0002'
where id = current_setting('tests.report')::uuid;
select throws_ok(
  format('select public.finalize_backflow_test(%L)', current_setting('tests.report')),
  '23514', 'Gauge G-LATE was due for calibration on 2026-06-30: it cannot certify a test on 2026-11-20',
  'A gauge past its calibration date cannot certify a test'
);
update public.backflow_test_reports set gauge_id = '00000000-0000-4000-8000-0000000a0001'
where id = current_setting('tests.report')::uuid;
select results_eq(
  format('select status::text, result::text from public.finalize_backflow_test(%L)', current_setting('tests.report')),
  $$values ('finalized', 'pass')$$,
  'The tester finalises a passing test'
);
update public.backflow_test_reports set check_valve_1_psid = 9
where id = current_setting('tests.report')::uuid;
select is(
  (
    select check_valve_1_psid from public.backflow_test_reports
    where id = current_setting('tests.report')::uuid
  ),
  6.2,
  'A technician''s finalised report is out of their hands (their update reaches no row)'
);
reset role;
select tests.clear_authentication();
select throws_ok(
  format('update public.backflow_test_reports set check_valve_1_psid = 9 where id = %L', current_setting('tests.report')),
  'PT409', 'A finalised test report cannot be changed',
  'A finalised report cannot be changed, whoever writes'
);

-- What finalising did --------------------------------------------------------------------------------
select results_eq(
  $$select last_tested_on, next_due_on from public.assemblies where id = current_setting('tests.a_assembly')::uuid$$,
  $$values (date '2026-11-20', date '2027-11-20')$$,
  'A pass moves the assembly''s last test, and its next due date follows'
);
select results_eq(
  $$
    select
      payload -> 'document' ->> 'type', payload -> 'document' ->> 'result',
      jsonb_array_length(payload -> 'document' -> 'readings'),
      (select array_agg(f ->> 'kind' || ' to ' || (f -> 'payload' ->> 'to') order by f -> 'payload' ->> 'to')
       from jsonb_array_elements(payload -> 'then') as f)
    from queue.all_jobs where kind = 'pdf.render' and payload ->> 'source_id' = current_setting('tests.report')
  $$,
  $$values ('inspection_report', 'pass', 3,
    array['email.inspection_report_ready to backflow@city-a.test', 'email.inspection_report_ready to deli@a.test'])$$,
  'Finalising queues the PDF, then the customer''s email and the authority''s submission with it'
);
select is_empty(
  $$
    select k from queue.all_jobs, jsonb_object_keys(payload -> 'document' -> 'customer') as k
    where kind = 'pdf.render' and payload ->> 'source_id' = current_setting('tests.report') and k <> 'name'
  $$,
  'The document carries the customer''s name only (no contact details, notes or tags)'
);
select results_eq(
  $$select submitted_via::text, submission_reference, submission_queued_at is not null, submitted_at
    from public.backflow_test_reports where id = current_setting('tests.report')::uuid$$,
  $$values ('email', 'backflow@city-a.test', true, null::timestamptz)$$,
  'The submission to the water authority is queued, and recorded as such on the report'
);
-- The worker sends the authority's email (a follow-up of the PDF job) and, the email gone,
-- records the submission: only as the lease holder of that job.
insert into queue.job_queue (organization_id, kind, payload, status, lease_owner)
values (
  current_setting('tests.org_a')::uuid, 'email.inspection_report_ready',
  jsonb_build_object('to', 'backflow@city-a.test', 'authority_submission_of', current_setting('tests.report')),
  'running', 'worker-1'
);
select is(
  queue.record_authority_submission(
    'worker-2',
    (
      select id from queue.all_jobs
      where payload ->> 'authority_submission_of' = current_setting('tests.report')
    )
  ),
  false,
  'Another worker cannot record the submission of a job it does not hold'
);
select is(
  queue.record_authority_submission(
    'worker-1',
    (
      select id from queue.all_jobs
      where payload ->> 'authority_submission_of' = current_setting('tests.report')
    )
  ),
  true,
  'The lease holder records it once its email has gone'
);
select isnt(
  (
    select submitted_at from public.backflow_test_reports
    where id = current_setting('tests.report')::uuid
  ),
  null,
  'When the authority''s email has gone out, the report is submitted'
);
select results_eq(
  $$select summary from public.activity where verb = 'backflow_test.finalized'$$,
  array['A RP test of assembly RP-A-0001 was finalised: pass'],
  'Finalising shows in the activity feed'
);

-- A failure, the repair and the retest ------------------------------------------------------------------
select tests.authenticate_as('a_technician');
with failed as (
  insert into public.backflow_test_reports (
    organization_id, assembly_id, certification_id, gauge_id, tested_on,
    check_valve_1_psid, relief_valve_opening_psid, check_valve_2_psid
  )
  values (
    current_setting('tests.org_a')::uuid, current_setting('tests.a_assembly')::uuid,
    '00000000-0000-4000-8000-0000000c0001', '00000000-0000-4000-8000-0000000a0001',
    date '2026-11-25', 3.8, 1.6, 1.2
  )
  returning id
)

select set_config('tests.failed', id::text, true) from failed;
select results_eq(
  $$select status::text, result::text, failed_checks
    from public.finalize_backflow_test(current_setting('tests.failed')::uuid)$$,
  $$values ('finalized', 'fail', '{"Check valve 1", "Relief valve opening point"}'::text[])$$,
  'A failing test is finalised as failed, naming what failed'
);
select is(
  (
    select last_tested_on from public.assemblies
    where id = current_setting('tests.a_assembly')::uuid
  ),
  date '2026-11-20',
  'A failure does not move the last passing test'
);
select lives_ok(
  $$
    insert into public.backflow_test_reports (
      organization_id, assembly_id, certification_id, gauge_id, tested_on,
      check_valve_1_psid, relief_valve_opening_psid, check_valve_2_psid, repairs, retest_of_id
    )
    select
      r.organization_id, r.assembly_id, r.certification_id, r.gauge_id, date '2026-11-26',
      6.0, 2.4, 1.3, 'Replaced check valve 1 spring', r.id
    from public.backflow_test_reports as r where r.result = 'fail' and r.tested_on = date '2026-11-25'
  $$,
  'The retest after repair links to the failed report'
);
select throws_ok(
  format(
    $$insert into public.backflow_test_reports (organization_id, assembly_id, retest_of_id)
      values (%L, %L, %L)$$,
    current_setting('tests.org_a'), current_setting('tests.a_assembly'), current_setting('tests.report')
  ),
  '23514', 'A retest follows a finalised failed test of the same assembly',
  'A passing test is not something to retest'
);
select throws_ok(
  format(
    $$insert into public.backflow_test_reports (organization_id, assembly_id, check_valve_1_psid)
      values (%L, (select id from public.assemblies where serial_number = 'DC-OTHER-1'), 2)$$,
    current_setting('tests.org_a')
  ),
  '42501', null,
  'A technician records tests only of the assemblies on their work'
);
reset role;
select tests.clear_authentication();

-- An authority that takes reports by webhook ------------------------------------------------------------
insert into public.webhook_endpoints (id, organization_id, url)
values ('00000000-0000-4000-8000-00000000e0a1', current_setting('tests.org_a')::uuid, 'https://authority.test/in');
insert into private.webhook_secrets (endpoint_id, secret) values ('00000000-0000-4000-8000-00000000e0a1', 'whsec_dGVzdA==');
update public.water_authorities
set submission_method = 'webhook', webhook_endpoint_id = '00000000-0000-4000-8000-00000000e0a1'
where id = current_setting('tests.a_authority')::uuid;
select tests.authenticate_as('a_dispatcher');
select results_eq(
  $$
    select f.status::text, f.submitted_via::text
    from public.backflow_test_reports as r, lateral public.finalize_backflow_test(r.id) as f
    where r.retest_of_id is not null
  $$,
  $$values ('finalized', 'webhook')$$,
  'A dispatcher finalises the retest, submitted to a webhook authority'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$
    select payload ->> 'event_type', payload -> 'data' ->> 'result', payload -> 'data' ->> 'assembly_serial_number'
    from queue.all_jobs
    where kind = 'webhook.deliver' and payload ->> 'endpoint_id' = '00000000-0000-4000-8000-00000000e0a1'
  $$,
  $$values ('backflow_test.finalized', 'pass', 'RP-A-0001')$$,
  'The authority''s endpoint gets a signed backflow_test.finalized event'
);
select results_eq(
  $$select last_tested_on from public.assemblies where id = current_setting('tests.a_assembly')::uuid$$,
  array[date '2026-11-26'],
  'The passing retest moves the last test, and so the due date'
);
select is(
  (
    select submitted_at from public.backflow_test_reports
    where retest_of_id is not null and organization_id = current_setting('tests.org_a')::uuid
  ),
  null,
  'Until it answers, the retest is not submitted'
);
select queue.record_webhook_attempt(
  '00000000-0000-4000-8000-00000000e0a1',
  (
    select submission_reference from public.backflow_test_reports
    where retest_of_id is not null and organization_id = current_setting('tests.org_a')::uuid
  ),
  'backflow_test.finalized', null, 1, true, 200, 40, 'ok', null
);
select isnt(
  (
    select submitted_at from public.backflow_test_reports
    where retest_of_id is not null and organization_id = current_setting('tests.org_a')::uuid
  ),
  null,
  'The endpoint''s 2xx answer records the submission'
);

select * from finish();
rollback;
