-- Backflow testing and compliance: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- A retest names a finalised failed test of the same assembly. The assembly was left to the
-- foreign key, so another assembly's failed test gave a 23503 where a missing one gave this
-- 23514: the difference told a technician that a colleague's failed test existed.
create or replace function private.evaluate_backflow_test()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  readings jsonb := jsonb_build_object(
    'check_valve_1', new.check_valve_1_psid, 'check_valve_2', new.check_valve_2_psid,
    'relief_valve_opening', new.relief_valve_opening_psid,
    'air_inlet_opening', new.air_inlet_opening_psid
  );
  missing integer;
  -- What a submission may still add to a finalised report.
  submission text[] := array[
    'submitted_at', 'submitted_via', 'submission_reference', 'submission_batch_id', 'updated_at', 'version'
  ];
begin
  if tg_op = 'UPDATE' and old.status = 'finalized'
     and (to_jsonb(new) - submission) is distinct from (to_jsonb(old) - submission) then
    raise exception 'A finalised test report cannot be changed' using errcode = 'PT409',
    hint = 'Record a retest instead.';
  end if;
  if new.retest_of_id is not null
     and (tg_op = 'INSERT' or new.retest_of_id is distinct from old.retest_of_id)
     and not exists (
       select from public.backflow_test_reports as r
       where r.id = new.retest_of_id and r.organization_id = new.organization_id
         and r.assembly_id = new.assembly_id and r.status = 'finalized' and r.result = 'fail'
     ) then
    raise exception 'A retest follows a finalised failed test of the same assembly'
    using errcode = '23514';
  end if;
  if tg_op = 'UPDATE' and old.status = 'finalized' then
    return new;
  end if;
  select
    count(*) filter (where readings ->> t.reading is null),
    coalesce(array_agg(t.label order by t.label) filter (
      where (readings ->> t.reading)::numeric < t.minimum_psid
    ), '{}')
  into missing, new.failed_checks
  from private.effective_thresholds(new.assembly_id, new.organization_id) as t;
  -- An air gap is measured: it passes at twice the supply pipe's diameter, and at least 1 inch.
  if (select a.kind from public.assemblies as a where a.id = new.assembly_id) = 'air_gap' then
    missing := num_nulls(new.air_gap_inches, new.supply_pipe_diameter_inches);
    new.failed_checks := case
      when new.air_gap_inches < greatest(2 * new.supply_pipe_diameter_inches, 1) then array['Air gap']
      else '{}'
    end;
  end if;
  -- An imported report keeps the result recorded then (the import requires it); its readings,
  -- where the file has them, still name the checks under today's thresholds.
  new.result := case
    when tg_op = 'INSERT' and new.imported and new.result is not null then new.result
    when missing > 0 then null
    when cardinality(new.failed_checks) = 0 then 'pass'
    else 'fail'
  end::public.backflow_result;
  return new;
end
$$;
revoke all on function private.evaluate_backflow_test()
from public, anon, authenticated, service_role;

-- Finalises a test report: the tester (or an owner, admin or dispatcher) signs it off. Refused
-- while a reading is missing, with an expired certification or an uncalibrated gauge. A pass
-- moves the assembly's last test (and so its next due date). Queues the PDF, the customer's
-- email and the submission to the site's water authority. Returns the report.
create or replace function private.finalize_backflow_test(report_id uuid)
returns backflow_test_reports
language plpgsql security definer
set search_path = ''
as $$
declare
  report public.backflow_test_reports;
  caller_role public.member_role;
  certification public.tester_certifications;
  gauge public.test_gauges;
  context record;
  document jsonb;
  follow_ups jsonb := '[]'::jsonb;
  email_payload jsonb;
  event_data jsonb;
  message_id text;
  reference text;
begin
  select * into report from public.backflow_test_reports as r
  where r.id = report_id
    and (
      r.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
      or (r.user_id = (select auth.uid()) and r.organization_id in (select private.organization_ids_for()))
    )
  for update;
  if report.id is null then
    raise exception 'Test report % was not found', report_id using errcode = 'PT404';
  end if;
  caller_role := private.authorize(
    report.organization_id, '{owner,admin,dispatcher,technician}',
    'Only the tester, owners, admins and dispatchers finalise test reports'
  );
  if report.status = 'finalized' then
    raise exception 'This test report is already finalised' using errcode = 'PT409';
  elsif report.result is null then
    raise exception 'Record every reading the assembly''s kind requires before finalising'
    using errcode = '23514';
  end if;
  select * into certification from public.tester_certifications as c
  where c.id = report.certification_id and c.user_id = report.user_id;
  if certification.id is null then
    raise exception 'Name the tester''s certification before finalising' using errcode = '23514';
  elsif certification.expires_on < report.tested_on then
    raise exception 'Certification % expired on %: it does not cover a test on %',
      certification.certificate_number, certification.expires_on, report.tested_on
    using errcode = '23514', hint = 'Renew the certification, or have a certified tester sign.';
  end if;
  select * into gauge from public.test_gauges as g where g.id = report.gauge_id;
  if gauge.id is null then
    raise exception 'Name the test gauge before finalising' using errcode = '23514';
  elsif gauge.calibration_due_on < report.tested_on then
    raise exception 'Gauge % was due for calibration on %: it cannot certify a test on %',
      gauge.serial_number, gauge.calibration_due_on, report.tested_on
    using errcode = '23514', hint = 'Calibrate the gauge, or test again with a calibrated one.';
  end if;

  update public.backflow_test_reports as r
  set status = 'finalized', finalized_at = now(), finalized_by = (select auth.uid())
  where r.id = report_id
  returning * into report;
  if report.result = 'pass' then
    update public.assemblies as a
    set last_tested_on = greatest(a.last_tested_on, report.tested_on)
    where a.id = report.assembly_id;
  end if;

  -- What the PDF, the emails and the authority get: allowlisted fields, nothing else.
  select
    a.kind, a.make, a.model, a.serial_number, a.size, a.location_at_site,
    c.name as customer_name, c.email as customer_email,
    concat_ws(', ', s.line1, s.city, s.postal_code) as site_address,
    w.id as authority_id, w.name as authority_name, w.required_fields,
    -- An authority that takes a monthly batch gets the report with the batch, not now.
    case when w.submission_schedule = 'per_report' then w.submission_method end as submission_method,
    w.email as authority_email, w.webhook_endpoint_id,
    private.display_name(report.user_id) as tester_name
  into context
  from public.assemblies as a
  inner join public.sites as s on a.site_id = s.id
  inner join public.customers as c on s.customer_id = c.id
  left join public.water_authorities as w on s.water_authority_id = w.id
  where a.id = report.assembly_id;

  document := jsonb_build_object(
    'type', 'inspection_report',
    'number', 'BF-' || to_char(report.tested_on, 'YYYYMMDD') || '-' || left(report.id::text, 8),
    'inspection_date', report.tested_on,
    'customer', jsonb_build_object('name', context.customer_name),
    'site_address', context.site_address,
    'inspector', context.tester_name,
    'certification_number', certification.certificate_number,
    'device', jsonb_build_object(
      'kind', upper(context.kind::text), 'manufacturer', coalesce(context.make, 'Not recorded'),
      'model', coalesce(context.model, 'Not recorded'), 'serial_number', context.serial_number,
      'size', coalesce(context.size, 'Not recorded'),
      'location', coalesce(context.location_at_site, 'Not recorded')
    ),
    'readings', (
      select coalesce(jsonb_agg(jsonb_build_object(
        'label', t.label,
        'value', format('%s psid (at least %s)', r.value, t.minimum_psid),
        'passed', r.value >= t.minimum_psid
      ) order by t.label), '[]'::jsonb)
      from private.effective_thresholds(report.assembly_id, report.organization_id) as t
      cross join lateral (
        select case t.reading
          when 'check_valve_1' then report.check_valve_1_psid
          when 'check_valve_2' then report.check_valve_2_psid
          when 'relief_valve_opening' then report.relief_valve_opening_psid
          when 'air_inlet_opening' then report.air_inlet_opening_psid
        end as value
      ) as r
    ) || case when context.kind = 'air_gap' then jsonb_build_array(jsonb_build_object(
      'label', 'Air gap',
      'value', format(
        '%s in over a %s in supply pipe (at least %s)', report.air_gap_inches, report.supply_pipe_diameter_inches,
        greatest(2 * report.supply_pipe_diameter_inches, 1)
      ),
      'passed', report.result = 'pass'
    )) else '[]'::jsonb end,
    -- The customer's signature on the work it was tested on, when they signed.
    'signature', private.signature_document(report.work_order_id, null),
    -- What the site's authority requires, in a section of its own: the form it expects.
    'authority', case when cardinality(context.required_fields) > 0 then jsonb_build_object(
      'name', context.authority_name, 'fields', private.authority_report_fields(report)
    ) end,
    'result', report.result
  );
  email_payload := jsonb_build_object(
    'customer_name', context.customer_name, 'site_address', context.site_address,
    'inspection_date', report.tested_on, 'result', report.result
  );
  if context.customer_email is not null then
    follow_ups := follow_ups || jsonb_build_object(
      'kind', 'email.inspection_report_ready',
      'payload', email_payload || jsonb_build_object('to', context.customer_email)
    );
  end if;
  if context.submission_method = 'email' then
    follow_ups := follow_ups || jsonb_build_object(
      'kind', 'email.inspection_report_ready',
      'payload', email_payload || jsonb_build_object(
        'to', context.authority_email, 'authority_submission_of', report.id
      )
    );
    reference := context.authority_email;
  end if;
  -- The event goes to every endpoint of the organization that subscribes to it; a webhook
  -- authority whose endpoint does not subscribe gets its own delivery.
  event_data := jsonb_build_object(
    'report_id', report.id, 'assembly_serial_number', context.serial_number,
    'assembly_kind', context.kind, 'tested_on', report.tested_on, 'result', report.result,
    'certification_number', certification.certificate_number
  );
  message_id := private.emit_webhook_event(report.organization_id, 'backflow_test.finalized', event_data);
  if context.submission_method = 'webhook' then
    reference := case
      when exists (
        select from public.webhook_endpoints as e
        where e.id = context.webhook_endpoint_id and e.active
          and (e.event_types @> array['backflow_test.finalized'] or e.event_types @> '{*}')
      ) then message_id
      else private.emit_webhook_event(
        report.organization_id, 'backflow_test.finalized', event_data, context.webhook_endpoint_id
      )
    end;
  end if;
  perform queue.enqueue(
    'pdf.render',
    jsonb_build_object(
      'document', document, 'source_type', 'backflow_test_report', 'source_id', report.id,
      'then', follow_ups
    ),
    report.organization_id,
    'backflow_test_report:' || report.id::text
  );
  if context.submission_method in ('email', 'webhook') then
    update public.backflow_test_reports as r
    set submitted_at = now(), submitted_via = context.submission_method, submission_reference = reference
    where r.id = report_id
    returning * into report;
  end if;
  perform private.record_activity(
    report.organization_id, 'backflow_test.finalized', 'backflow_test_report', report.id::text,
    format('A %s test of assembly %s was finalised: %s', upper(context.kind::text), context.serial_number, report.result)
  );
  return report;
end
$$;
revoke all on function private.finalize_backflow_test(report_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.finalize_backflow_test(report_id uuid)
to authenticated;

create or replace function public.finalize_backflow_test(report_id uuid)
returns backflow_test_reports
language plpgsql
set search_path = ''
as $$
begin
  return private.finalize_backflow_test(report_id);
end
$$;
revoke all on function public.finalize_backflow_test(report_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.finalize_backflow_test(report_id uuid)
to authenticated;

-- Queues the due notices of today, set-based: 30 days ahead, 7 days ahead, and overdue (a
-- notice for a step is only sent while that step is the current one, so a late run does not
-- send a stale "due in 30 days"). "Today" is each site's date at `at` (now), in its time
-- zone. Suspended, cancelled and deleted organizations, customers without an email and
-- archived customers and sites are skipped. Returns how many it queued.
create or replace function private.queue_due_notices(at timestamp with time zone default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  queued integer;
begin
  with due as (
    select
      a.organization_id, a.id as assembly_id, a.kind, a.serial_number, a.next_due_on,
      case
        when a.next_due_on < (at at time zone s.time_zone)::date then 'overdue'
        when a.next_due_on <= (at at time zone s.time_zone)::date + 7 then '7_days'
        when a.next_due_on <= (at at time zone s.time_zone)::date + 30 then '30_days'
      end as step,
      c.name as customer_name, c.email,
      concat_ws(', ', s.line1, s.city, s.postal_code) as site_address
    from public.assemblies as a
    inner join public.sites as s on a.site_id = s.id
    inner join public.customers as c on s.customer_id = c.id
    inner join public.organizations as o on a.organization_id = o.id
    where
      a.status = 'active' and a.next_due_on <= (at at time zone s.time_zone)::date + 30
      and s.deleted_at is null and c.deleted_at is null and c.email is not null
      and o.deleted_at is null and o.status not in ('trial_expired', 'suspended', 'cancelled')
  ),
  todo as (
    select d.* from due as d
    where not exists (
      select from private.due_notices as n
      where n.assembly_id = d.assembly_id and n.due_on = d.next_due_on and n.step = d.step
    )
  )
  -- The enqueue's dedupe key keeps a concurrent run from queueing the same notice twice.
  insert into private.due_notices (organization_id, assembly_id, due_on, step, job_id)
  select
    t.organization_id, t.assembly_id, t.next_due_on, t.step,
    queue.enqueue(
      'email.test_due',
      jsonb_build_object(
        'to', t.email, 'customer_name', t.customer_name, 'site_address', t.site_address,
        'assembly_kind', t.kind, 'serial_number', t.serial_number, 'due_on', t.next_due_on,
        'step', t.step
      ),
      t.organization_id,
      format('test_due:%s:%s:%s', t.assembly_id, t.next_due_on, t.step)
    )
  from todo as t
  on conflict do nothing;
  get diagnostics queued = row_count;
  return queued;
end
$$;
revoke all on function private.queue_due_notices(at timestamp with time zone)
from public, anon, authenticated, service_role;

-- Counts per water authority: due in the next `days` days, and overdue. Security invoker (RLS
-- decides what is counted), behind the guard like every RPC.
create or replace function public.compliance_summary(organization_id uuid, days integer default 30)
returns table (water_authority_id uuid, water_authority text, due_soon bigint, overdue bigint)
language plpgsql stable
set search_path = ''
as $$
begin
  perform private.authorize(
    compliance_summary.organization_id, '{owner,admin,dispatcher,viewer}',
    'Only members other than technicians read the compliance summary', writing => false
  );
  return query
  select d.water_authority_id, w.name, count(*) filter (where not d.overdue), count(*) filter (where d.overdue)
  from public.assemblies_due as d
  left join public.water_authorities as w on d.water_authority_id = w.id
  where d.organization_id = compliance_summary.organization_id and d.days_until_due <= days
  group by d.water_authority_id, w.name
  order by w.name nulls last;
end
$$;
revoke all on function public.compliance_summary(organization_id uuid, days integer)
from public, anon, authenticated, service_role;
grant execute on function public.compliance_summary(organization_id uuid, days integer)
to authenticated, service_role;

-- The lines of a batch's CSV (heading first): one line per report, oldest test first, with what an
-- authority's file asks for; cells go out through csv_field, so a formula stays text.
create or replace function private.authority_batch_lines(batch_id uuid)
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return next private.csv_line(array[
    'report_id', 'tested_on', 'result', 'serial_number', 'assembly_type', 'make', 'model', 'size',
    'location_at_site', 'site_address', 'customer', 'water_account_number', 'tester',
    'certification_number', 'gauge', 'check_valve_1_psid', 'relief_valve_opening_psid',
    'check_valve_2_psid', 'air_inlet_opening_psid', 'line_pressure_psi', 'shutoff_valve_1_tight',
    'shutoff_valve_2_tight', 'repairs', 'repair_parts'
  ]);
  return query
  select private.csv_line(array[
    r.id::text, r.tested_on::text, r.result::text, a.serial_number, upper(a.kind::text), a.make, a.model,
    a.size, a.location_at_site, concat_ws(', ', s.line1, s.city, s.postal_code), c.name,
    c.water_account_number, coalesce(r.imported_tester, private.display_name(r.user_id)),
    t.certificate_number, g.serial_number, r.check_valve_1_psid::text, r.relief_valve_opening_psid::text,
    r.check_valve_2_psid::text, r.air_inlet_opening_psid::text, r.line_pressure_psi::text,
    r.shutoff_valve_1_tight::text, r.shutoff_valve_2_tight::text, r.repairs, r.repair_parts
  ])
  from public.backflow_test_reports as r
  inner join public.assemblies as a on r.assembly_id = a.id
  inner join public.sites as s on a.site_id = s.id
  inner join public.customers as c on s.customer_id = c.id
  left join public.tester_certifications as t on r.certification_id = t.id
  left join public.test_gauges as g on r.gauge_id = g.id
  where r.submission_batch_id = authority_batch_lines.batch_id
  order by r.tested_on, r.id;
end
$$;
revoke all on function private.authority_batch_lines(batch_id uuid)
from public, anon, authenticated, service_role;

-- Once a day, for each authority that takes a monthly batch: on the first run of a month (its
-- organization's date at `at`), one batch of every finalised report of its sites not submitted
-- yet and tested by the end of last month. A webhook authority gets it now as a signed
-- backflow_test.batch event with the CSV (its reports are submitted when the delivery
-- succeeds); an email authority gets it from the worker (email.authority_batch), attached. A
-- report rides in one batch only, and a month has one batch per authority. Read-only
-- organizations wait. Returns how many batches it made.
create or replace function private.queue_authority_batches(at timestamp with time zone default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  authority record;
  batch public.authority_submission_batches;
  reports uuid[];
  message_id text;
  made integer := 0;
begin
  for authority in
    select
      w.id, w.organization_id, w.name, w.submission_method, w.email, w.webhook_endpoint_id,
      (date_trunc('month', (at at time zone o.time_zone)::date) - interval '1 month')::date as period_start,
      (date_trunc('month', (at at time zone o.time_zone)::date) - interval '1 day')::date as period_end
    from public.water_authorities as w
    inner join public.organizations as o on w.organization_id = o.id
    where w.submission_schedule = 'monthly' and w.submission_method in ('email', 'webhook')
      and o.deleted_at is null and o.status not in ('trial_expired', 'suspended', 'cancelled')
    order by w.organization_id, w.id
  loop
    select array_agg(r.id order by r.tested_on, r.id) into reports
    from public.backflow_test_reports as r
    inner join public.assemblies as a on r.assembly_id = a.id
    inner join public.sites as s on a.site_id = s.id
    where r.organization_id = authority.organization_id and s.water_authority_id = authority.id
      and r.status = 'finalized' and not r.imported and r.submitted_at is null
      and r.submission_queued_at is null and r.submission_batch_id is null
      and r.tested_on <= authority.period_end;
    if reports is null then
      continue;
    end if;
    insert into public.authority_submission_batches (
      organization_id, water_authority_id, period_start, period_end, submission_method, report_count
    )
    values (
      authority.organization_id, authority.id, authority.period_start, authority.period_end,
      authority.submission_method, cardinality(reports)
    )
    on conflict on constraint authority_submission_batches_once_per_period do nothing
    returning * into batch;
    if batch.id is null then
      continue;
    end if;
    update public.backflow_test_reports as r set submission_batch_id = batch.id
    where r.id = any(reports);
    if authority.submission_method = 'webhook' then
      message_id := private.emit_webhook_event(
        authority.organization_id, 'backflow_test.batch',
        jsonb_build_object(
          'batch_id', batch.id, 'authority', authority.name, 'period_start', batch.period_start,
          'period_end', batch.period_end, 'report_count', batch.report_count,
          'csv', (select string_agg(l, e'\r\n') || e'\r\n' from private.authority_batch_lines(batch.id) as l)
        ),
        authority.webhook_endpoint_id
      );
      update public.authority_submission_batches as b set reference = message_id where b.id = batch.id;
      update public.backflow_test_reports as r set submitted_via = 'webhook', submission_reference = message_id
      where r.id = any(reports);
    else
      perform queue.enqueue(
        'email.authority_batch',
        jsonb_build_object(
          'batch_id', batch.id, 'to', authority.email, 'authority_name', authority.name,
          'period_start', batch.period_start, 'period_end', batch.period_end, 'report_count', batch.report_count
        ),
        authority.organization_id, 'authority_batch:' || batch.id
      );
      update public.backflow_test_reports as r
      set submitted_via = 'email', submission_reference = 'batch:' || batch.id
      where r.id = any(reports);
    end if;
    made := made + 1;
  end loop;
  return made;
end
$$;
revoke all on function private.queue_authority_batches(at timestamp with time zone)
from public, anon, authenticated, service_role;

-- The batch a worker's email job carries: only the job's lease holder gets it, and only while the
-- job runs, in the job's organization; null for anything else.
create or replace function private.batch_of_job(worker_id text, job_id bigint)
returns uuid
language sql stable security definer
set search_path = ''
as $$
  select b.id
  from queue.job_queue as j
  inner join public.authority_submission_batches as b
    on b.id = (j.payload ->> 'batch_id')::uuid and b.organization_id = j.organization_id
  where j.id = batch_of_job.job_id and j.lease_owner = batch_of_job.worker_id
    and j.status = 'running' and j.kind = 'email.authority_batch'
$$;
revoke all on function private.batch_of_job(worker_id text, job_id bigint)
from public, anon, authenticated, service_role;

-- The CSV lines of the batch the worker's email job carries.
create or replace function queue.authority_batch_lines(worker_id text, job_id bigint)
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  batch uuid := private.batch_of_job(worker_id, job_id);
begin
  if batch is null then
    raise exception 'Job % carries no batch this worker holds', job_id using errcode = 'PT404';
  end if;
  return query select l from private.authority_batch_lines(batch) as l;
end
$$;
revoke all on function queue.authority_batch_lines(worker_id text, job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function queue.authority_batch_lines(worker_id text, job_id bigint)
to fieldbase_worker;

-- The batch's email has gone: its reports are submitted, once (a retry records nothing twice).
create or replace function queue.record_authority_batch(worker_id text, job_id bigint, message_id text)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  batch public.authority_submission_batches;
begin
  update public.authority_submission_batches as b
  set status = 'sent', sent_at = now(), reference = left(record_authority_batch.message_id, 200)
  where b.id = private.batch_of_job(worker_id, job_id) and b.status = 'queued'
  returning b.* into batch;
  if batch.id is null then
    return false;
  end if;
  update public.backflow_test_reports as r set submitted_at = now()
  where r.organization_id = batch.organization_id and r.submission_batch_id = batch.id and r.submitted_at is null;
  return true;
end
$$;
revoke all on function queue.record_authority_batch(worker_id text, job_id bigint, message_id text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_authority_batch(worker_id text, job_id bigint, message_id text)
to fieldbase_worker;

-- The worker's completion step for the authority's copy of a report: once the email has gone,
-- the report is submitted. Called by the job's lease holder, with the job's own id, so a worker
-- can only record what its job carried; idempotent (a retry records nothing twice). The queue
-- itself knows nothing of reports.
create or replace function queue.record_authority_submission(worker_id text, job_id bigint)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  recorded integer;
begin
  update public.backflow_test_reports as r
  set submitted_at = now()
  from queue.job_queue as j
  where j.id = record_authority_submission.job_id
    and j.lease_owner = record_authority_submission.worker_id
    and j.status = 'running'
    and j.kind = 'email.inspection_report_ready'
    and r.id = (j.payload ->> 'authority_submission_of')::uuid
    and r.organization_id = j.organization_id
    and r.submitted_at is null;
  get diagnostics recorded = row_count;
  return recorded > 0;
end
$$;
revoke all on function queue.record_authority_submission(worker_id text, job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function queue.record_authority_submission(worker_id text, job_id bigint)
to fieldbase_worker;

-- Finalising: as before, but the submission is only queued here (the authority's email
-- carries the report's id so its delivery can be recorded).
create or replace function private.queue_authority_submission()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- finalize_backflow_test records the channel and reference together with submitted_at; keep
  -- the time as queued and leave submitted_at to the delivery.
  if new.submitted_via is not null and old.submitted_via is null then
    new.submission_queued_at := coalesce(new.submitted_at, now());
    new.submitted_at := null;
  end if;
  return new;
end
$$;
revoke all on function private.queue_authority_submission()
from public, anon, authenticated, service_role;

-- Marks a report (or a batch of them) submitted when the delivery that carried it succeeded.
create or replace function private.record_authority_submission(
  organization uuid,
  reference text,
  arrived_at timestamp with time zone
)
returns void
language sql security definer
set search_path = ''
as $$
  update public.backflow_test_reports as r
  set submitted_at = arrived_at
  where r.organization_id = organization and r.submission_reference = reference
    and r.submitted_at is null;
  update public.authority_submission_batches as b
  set status = 'sent', sent_at = arrived_at
  where b.organization_id = organization and b.reference = record_authority_submission.reference
    and b.status = 'queued';
$$;
revoke all on function private.record_authority_submission(organization uuid, reference text, arrived_at timestamp with time zone)
from public, anon, authenticated, service_role;

-- A webhook delivery of backflow_test.finalized answered 2xx (its message id is the reference).
create or replace function private.webhook_submission_arrived()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.record_authority_submission(new.organization_id, new.message_id, new.created_at);
  return null;
end
$$;
revoke all on function private.webhook_submission_arrived()
from public, anon, authenticated, service_role;

-- The storage paths of the documents of a technician's work: PDFs of work orders assigned to
-- them, and of test reports they may read (their own, and those of their work's assemblies).
create or replace function private.assigned_document_paths()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select d.storage_path from public.documents as d
  where d.organization_id in (select private.organization_ids_for('{technician}'))
    and (
      (
        d.source_type = 'work_order'
        and d.source_id in (select w::text from private.assigned_work_order_ids() as w)
      )
      or (
        d.source_type = 'backflow_test_report'
        and d.source_id in (
          select r.id::text from public.backflow_test_reports as r
          where r.organization_id = d.organization_id
            and (
              r.user_id = (select auth.uid())
              or r.assembly_id in (select private.assigned_assembly_ids())
            )
        )
      )
    );
end
$$;
revoke all on function private.assigned_document_paths()
from public, anon, authenticated, service_role;
grant execute on function private.assigned_document_paths()
to authenticated;

-- A member who works a ticket only because it is assigned to them (a technician, a viewer)
-- may change its status, priority and text, not its customer, contact or assignee.
create or replace function private.assignees_keep_ticket_references()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is not null
     and (
       new.customer_id is distinct from old.customer_id
       or new.contact_id is distinct from old.contact_id
       or new.assignee_id is distinct from old.assignee_id
     )
     and new.organization_id not in (select private.organization_ids_for('{owner,admin,dispatcher}')) then
    raise exception 'Only owners, admins and dispatchers can move a ticket to another customer, contact or assignee'
    using errcode = '42501';
  end if;
  return new;
end
$$;
revoke all on function private.assignees_keep_ticket_references()
from public, anon, authenticated, service_role;

-- An assembly with a test report on a work order stays on it, unless the work order or the
-- assembly itself is being deleted (their cascades take the reports' links with them).
create or replace function private.keep_reported_assemblies_on_work_orders()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.backflow_test_reports as r
    where r.organization_id = old.organization_id
      and r.work_order_id = old.work_order_id
      and r.assembly_id = old.assembly_id
  )
  and exists (select from public.work_orders as w where w.id = old.work_order_id)
  and exists (select from public.assemblies as a where a.id = old.assembly_id) then
    raise exception 'This assembly has a test report on this work order'
    using errcode = '23514', constraint = 'backflow_test_reports_assembly_on_work_order',
      hint = 'Move the report off the work order first.';
  end if;
  return old;
end
$$;
revoke all on function private.keep_reported_assemblies_on_work_orders()
from public, anon, authenticated, service_role;

-- The signed-in user's own tester certifications, in organizations they belong to.
create or replace function private.own_certification_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select c.id from public.tester_certifications as c
  where c.user_id = (select auth.uid()) and c.organization_id in (select private.organization_ids_for());
end
$$;
revoke all on function private.own_certification_ids()
from public, anon, authenticated, service_role;
grant execute on function private.own_certification_ids()
to authenticated;

-- The test gauges issued to the signed-in user, in organizations they belong to.
create or replace function private.own_gauge_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select g.id from public.test_gauges as g
  where g.user_id = (select auth.uid()) and g.organization_id in (select private.organization_ids_for());
end
$$;
revoke all on function private.own_gauge_ids()
from public, anon, authenticated, service_role;
grant execute on function private.own_gauge_ids()
to authenticated;

-- Refuses a report whose work order does not cover its assembly (and so another site or
-- customer), for every writer. A constraint trigger rather than a foreign key: the message says
-- what is wrong, and a frontend gets a 400, not the 409 of a missing reference.
create or replace function private.report_assembly_on_its_work_order()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.work_order_id is not null and not exists (
    select from public.work_order_assemblies as wa
    where wa.organization_id = new.organization_id
      and wa.work_order_id = new.work_order_id
      and wa.assembly_id = new.assembly_id
  ) then
    raise exception 'A test report''s assembly must be one of its work order''s assemblies'
    using errcode = '23514', constraint = 'backflow_test_reports_assembly_on_work_order',
      hint = 'Add the assembly to the work order first, or file the report without one.';
  end if;
  return null;
end
$$;
revoke all on function private.report_assembly_on_its_work_order()
from public, anon, authenticated, service_role;

-- The pass thresholds that apply to an assembly: the default per kind and reading, replaced by
-- its site's water authority's own where it sets one.
create or replace function private.effective_thresholds(assembly uuid, organization uuid)
returns table (reading text, label text, minimum_psid numeric)
language sql stable security definer
set search_path = ''
as $$
  select t.reading, t.label, coalesce(w.minimum_psid, t.minimum_psid)
  from public.assemblies as a
  inner join public.backflow_test_thresholds as t on a.kind = t.kind
  left join public.sites as s on a.site_id = s.id
  left join public.water_authority_thresholds as w
    on
      w.organization_id = a.organization_id and w.water_authority_id = s.water_authority_id
      and w.kind = t.kind and w.reading = t.reading
  where a.id = assembly and a.organization_id = organization
$$;
revoke all on function private.effective_thresholds(assembly uuid, organization uuid)
from public, anon, authenticated, service_role;

-- The fields the site's authority requires, as the report's PDF shows them: [{label, value}],
-- in the authority's order ("Not recorded" where a value is empty).
create or replace function private.authority_report_fields(report backflow_test_reports)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object('label', v.label, 'value', coalesce(v.value, 'Not recorded'))
    order by f.position, v.position), '[]'::jsonb)
  from public.assemblies as a
  inner join public.sites as s on a.site_id = s.id
  inner join public.customers as c on s.customer_id = c.id
  inner join public.water_authorities as w on s.water_authority_id = w.id
  cross join lateral unnest(w.required_fields) with ordinality as f (field, position)
  cross join lateral (
    select 1 as position, upper(left(f.field, 1)) || replace(substr(f.field, 2), '_', ' ') as label,
      (to_jsonb(a) || jsonb_build_object('water_account_number', c.water_account_number)) ->> f.field as value
    where f.field in (
      'water_account_number', 'make', 'model', 'size', 'location_at_site', 'hazard', 'service_type', 'installed_on'
    )
    union all
    select 1, 'Line pressure', report.line_pressure_psi || ' psi' where f.field = 'line_pressure'
    union all
    select n, 'Shut-off valve #' || n,
      case when tight then 'Closed tight' when not tight then 'Leaking' end
    from (values (1, report.shutoff_valve_1_tight), (2, report.shutoff_valve_2_tight)) as sv (n, tight)
    where f.field = 'shutoff_valves'
    union all
    select row_number() over (order by t.label), 'Initial ' || lower(t.label),
      coalesce(r.value || ' psid', case when report.repairs is null then 'No repair: as the final test' end)
    from private.effective_thresholds(report.assembly_id, report.organization_id) as t
    cross join lateral (
      select case t.reading
        when 'check_valve_1' then report.initial_check_valve_1_psid
        when 'check_valve_2' then report.initial_check_valve_2_psid
        when 'relief_valve_opening' then report.initial_relief_valve_opening_psid
        when 'air_inlet_opening' then report.initial_air_inlet_opening_psid
      end as value
    ) as r
    where f.field = 'initial_readings'
    union all
    select 1, 'Repair', coalesce(report.repairs, 'None') where f.field = 'repair_description'
    union all
    select 1, 'Repair parts', coalesce(report.repair_parts, case when report.repairs is null then 'None' end)
    where f.field = 'repair_parts'
    union all
    select 1, 'Air gap', report.air_gap_inches || ' in over a ' || report.supply_pipe_diameter_inches || ' in supply pipe'
    where f.field = 'air_gap'
  ) as v
  where a.id = report.assembly_id
$$;
revoke all on function private.authority_report_fields(report backflow_test_reports)
from public, anon, authenticated, service_role;

-- A report without a test date is dated the site's day today (its time zone, whatever the
-- session's), or its organization's when the site is not visible.
create or replace function private.default_tested_on()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.tested_on is null then
    new.tested_on := coalesce(
      (
        select (now() at time zone s.time_zone)::date
        from public.assemblies as a inner join public.sites as s on a.site_id = s.id
        where a.id = new.assembly_id
      ),
      (select (now() at time zone o.time_zone)::date from public.organizations as o where o.id = new.organization_id),
      (now() at time zone 'UTC')::date
    );
  end if;
  return new;
end
$$;
revoke all on function private.default_tested_on()
from public, anon, authenticated, service_role;

-- Every active assembly with a due date: when, in how many days (from the site's date today, in
-- its time zone, whatever the session's), and where. Security invoker:
-- RLS on assemblies, sites and customers decides what a caller sees (technicians: their work).
create or replace view public.assemblies_due with (security_invoker = true) as
select
  a.id as assembly_id,
  a.organization_id,
  a.kind,
  a.serial_number,
  a.next_due_on,
  a.next_due_on - (now() at time zone s.time_zone)::date as days_until_due,
  a.next_due_on < (now() at time zone s.time_zone)::date as overdue,
  s.id as site_id,
  s.line1,
  s.city,
  s.water_authority_id,
  c.id as customer_id,
  c.name as customer_name
from assemblies as a
inner join sites as s on a.site_id = s.id
inner join customers as c on s.customer_id = c.id
where a.status = 'active'::assembly_status and a.next_due_on is not null;
revoke all on table public.assemblies_due from public, anon, authenticated, service_role;
grant select on table public.assemblies_due to authenticated;
grant select on table public.assemblies_due to service_role;

create or replace trigger audit_delete after delete
on public.backflow_test_reports
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.backflow_test_reports
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.backflow_test_reports
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

drop trigger if exists backflow_test_reports_assembly_on_work_order on public.backflow_test_reports;
create constraint trigger backflow_test_reports_assembly_on_work_order after insert or update of work_order_id, assembly_id
on public.backflow_test_reports
deferrable initially immediate
for each row
execute function private.report_assembly_on_its_work_order();

create or replace trigger backflow_test_reports_authority_fields before update of status
on public.backflow_test_reports
for each row
execute function private.check_authority_fields();

create or replace trigger backflow_test_reports_evaluate before insert or update
on public.backflow_test_reports
for each row
execute function private.evaluate_backflow_test();

create or replace trigger backflow_test_reports_submission_queued before update of submitted_via
on public.backflow_test_reports
for each row
execute function private.queue_authority_submission();

create or replace trigger backflow_test_reports_touch_updated_at before update
on public.backflow_test_reports
for each row
execute function private.touch_updated_at();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.backflow_test_reports
for each row
execute function private.enforce_organization_writable();

create or replace trigger backflow_test_reports_0_tested_on before insert
on public.backflow_test_reports
for each row
execute function private.default_tested_on();

create or replace trigger audit_delete after delete
on public.water_authority_thresholds
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.water_authority_thresholds
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.water_authority_thresholds
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.water_authority_thresholds
for each row
execute function private.enforce_organization_writable();

create or replace trigger water_authority_thresholds_touch_updated_at before update
on public.water_authority_thresholds
for each row
execute function private.touch_updated_at();

-- Photos of an assembly (<organization_id>/assemblies/<assembly_id>/...) and of a test report
-- (<organization_id>/backflow_test_reports/<report_id>/...) in the attachments bucket follow
-- their parent: whoever reads the assembly or the report reads its photos. The office is
-- matched by its organization's folder (no list of every assembly); a technician and a portal
-- user by the few folders of their work or their sites.
create or replace function private.readable_field_photo_folders()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
  select a.organization_id || '/assemblies/' || a.id from public.assemblies as a
  where a.id in (select private.assigned_assembly_ids()) or a.id in (select private.portal_assembly_ids())
  union all
  select r.organization_id || '/backflow_test_reports/' || r.id from public.backflow_test_reports as r
  where
    (r.user_id = (select auth.uid()) and r.organization_id in (select private.organization_ids_for()))
    or r.assembly_id in (select private.assigned_assembly_ids())
    or (r.assembly_id in (select private.portal_assembly_ids()) and r.status = 'finalized');
end
$$;
revoke all on function private.readable_field_photo_folders()
from public, anon, authenticated, service_role;
grant execute on function private.readable_field_photo_folders()
to authenticated;

-- Who adds or removes them: the office and the technician on the work for an assembly; for a
-- report, whoever may still change it (a finalised report's photos are part of the record).
create or replace function private.writable_field_photo_folders()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
  select a.organization_id || '/assemblies/' || a.id from public.assemblies as a
  where
    a.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
    or a.id in (select private.assigned_assembly_ids())
  union all
  select r.organization_id || '/backflow_test_reports/' || r.id from public.backflow_test_reports as r
  where
    r.status <> 'finalized'
    and (
      r.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
      or (r.user_id = (select auth.uid()) and r.organization_id in (select private.organization_ids_for()))
    );
end
$$;
revoke all on function private.writable_field_photo_folders()
from public, anon, authenticated, service_role;
grant execute on function private.writable_field_photo_folders()
to authenticated;
