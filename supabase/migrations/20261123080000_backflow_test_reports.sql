-- Field operations, part four: backflow test reports. A technician records the readings an
-- assembly's kind requires; the database decides pass or fail from the kind's thresholds.
-- Finalising checks the tester's certification and the gauge's calibration on the test date,
-- moves the assembly's last test and next due date, queues the PDF and the customer's email,
-- and submits the report to the site's water authority (by email, or a webhook event).

create type public.backflow_report_status as enum ('draft', 'finalized');
create type public.backflow_result as enum ('pass', 'fail');

-- ==========================================================================================
-- Thresholds
-- ==========================================================================================

-- The minimum each reading must reach, per assembly kind (psid). A kind's required readings
-- are exactly its rows. Common field-test practice: RP check valve 1 at least 5.0, relief
-- valve opening at least 2.0, check valve 2 at least 1.0; DC both check valves at least 1.0;
-- PVB and SVB air inlet opening and check valve at least 1.0.
create table public.backflow_test_thresholds (
  kind public.assembly_kind not null,
  reading text not null check (
    reading in ('check_valve_1', 'check_valve_2', 'relief_valve_opening', 'air_inlet_opening')
  ),
  label text not null,
  minimum_psid numeric(4, 1) not null check (minimum_psid > 0),
  primary key (kind, reading)
);
insert into public.backflow_test_thresholds (kind, reading, label, minimum_psid) values
('rp', 'check_valve_1', 'Check valve 1', 5.0),
('rp', 'relief_valve_opening', 'Relief valve opening point', 2.0),
('rp', 'check_valve_2', 'Check valve 2', 1.0),
('rpda', 'check_valve_1', 'Check valve 1', 5.0),
('rpda', 'relief_valve_opening', 'Relief valve opening point', 2.0),
('rpda', 'check_valve_2', 'Check valve 2', 1.0),
('dc', 'check_valve_1', 'Check valve 1', 1.0),
('dc', 'check_valve_2', 'Check valve 2', 1.0),
('dcda', 'check_valve_1', 'Check valve 1', 1.0),
('dcda', 'check_valve_2', 'Check valve 2', 1.0),
('pvb', 'air_inlet_opening', 'Air inlet opening point', 1.0),
('pvb', 'check_valve_1', 'Check valve', 1.0),
('svb', 'air_inlet_opening', 'Air inlet opening point', 1.0),
('svb', 'check_valve_1', 'Check valve', 1.0);

-- ==========================================================================================
-- Reports
-- ==========================================================================================

-- One field test of one assembly.
create table public.backflow_test_reports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  assembly_id uuid not null,
  work_order_id uuid,
  -- The tester, their certification and the gauge they used.
  user_id uuid not null default auth.uid(),
  certification_id uuid,
  gauge_id uuid,
  tested_on date not null default current_date,
  check_valve_1_psid numeric(4, 1) check (check_valve_1_psid between 0 and 99),
  check_valve_2_psid numeric(4, 1) check (check_valve_2_psid between 0 and 99),
  relief_valve_opening_psid numeric(4, 1) check (relief_valve_opening_psid between 0 and 99),
  air_inlet_opening_psid numeric(4, 1) check (air_inlet_opening_psid between 0 and 99),
  -- Set by the database from the readings: null while a required reading is missing.
  result public.backflow_result,
  failed_checks text[] not null default '{}',
  -- What was repaired (on a failed test) before the retest.
  repairs text check (char_length(repairs) <= 2000),
  -- A retest after repair points at the failed report it follows.
  retest_of_id uuid,
  notes text check (char_length(notes) <= 2000),
  status public.backflow_report_status not null default 'draft',
  finalized_at timestamptz,
  finalized_by uuid references auth.users (id) on delete set null,
  -- The submission to the water authority.
  submitted_at timestamptz,
  submitted_via public.report_submission_method,
  submission_reference text check (char_length(submission_reference) <= 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint backflow_test_reports_organization_id_id_key unique (organization_id, id),
  constraint backflow_test_reports_assembly_id_key unique (organization_id, assembly_id, id),
  constraint backflow_test_reports_assembly_fkey foreign key (organization_id, assembly_id)
  references public.assemblies (organization_id, id) on delete cascade,
  constraint backflow_test_reports_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete set null (work_order_id),
  constraint backflow_test_reports_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id),
  constraint backflow_test_reports_certification_fkey foreign key (organization_id, certification_id)
  references public.tester_certifications (organization_id, id),
  constraint backflow_test_reports_gauge_fkey foreign key (organization_id, gauge_id)
  references public.test_gauges (organization_id, id),
  -- A retest is of the same assembly.
  constraint backflow_test_reports_retest_fkey foreign key (organization_id, assembly_id, retest_of_id)
  references public.backflow_test_reports (organization_id, assembly_id, id)
);
create index backflow_test_reports_assembly_idx
on public.backflow_test_reports (organization_id, assembly_id, tested_on desc);
create index backflow_test_reports_work_order_idx
on public.backflow_test_reports (organization_id, work_order_id);
create index backflow_test_reports_member_idx on public.backflow_test_reports (organization_id, user_id);
create index backflow_test_reports_certification_idx
on public.backflow_test_reports (organization_id, certification_id);
create index backflow_test_reports_gauge_idx on public.backflow_test_reports (organization_id, gauge_id);
create index backflow_test_reports_retest_idx
on public.backflow_test_reports (organization_id, assembly_id, retest_of_id);
create index backflow_test_reports_finalized_by_idx on public.backflow_test_reports (finalized_by);

-- ==========================================================================================
-- Pass or fail, from the readings
-- ==========================================================================================

-- Sets result and failed_checks from the readings and the assembly kind's thresholds, and
-- keeps a finalised report as it was.
create or replace function private.evaluate_backflow_test() returns trigger
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
  submission text[] := array['submitted_at', 'submitted_via', 'submission_reference', 'updated_at'];
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
         and r.status = 'finalized' and r.result = 'fail'
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
  from public.backflow_test_thresholds as t
  inner join public.assemblies as a on a.kind = t.kind
  where a.id = new.assembly_id and a.organization_id = new.organization_id;
  new.result := case
    when missing > 0 then null
    when cardinality(new.failed_checks) = 0 then 'pass'
    else 'fail'
  end::public.backflow_result;
  return new;
end
$$;
revoke all on function private.evaluate_backflow_test() from public;

create trigger backflow_test_reports_evaluate
before insert or update on public.backflow_test_reports
for each row execute function private.evaluate_backflow_test();

create trigger backflow_test_reports_touch_updated_at before update on public.backflow_test_reports
for each row execute function private.touch_updated_at();

select private.guard_tenant_table('public.backflow_test_reports');
select private.enable_audit('public.backflow_test_reports', 'organization_id', array[
  'id', 'organization_id', 'assembly_id', 'work_order_id', 'user_id', 'certification_id',
  'gauge_id', 'tested_on', 'check_valve_1_psid', 'check_valve_2_psid', 'relief_valve_opening_psid',
  'air_inlet_opening_psid', 'result', 'failed_checks', 'retest_of_id', 'status', 'finalized_at',
  'finalized_by', 'submitted_at', 'submitted_via'
]);

-- ==========================================================================================
-- Finalising
-- ==========================================================================================

-- Finalises a test report: the tester (or an owner, admin or dispatcher) signs it off. Refused
-- while a reading is missing, with an expired certification or an uncalibrated gauge. A pass
-- moves the assembly's last test (and so its next due date). Queues the PDF, the customer's
-- email and the submission to the site's water authority. Returns the report.
create or replace function private.finalize_backflow_test(report_id uuid)
returns public.backflow_test_reports
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
    w.id as authority_id, w.submission_method, w.email as authority_email, w.webhook_endpoint_id,
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
      from public.backflow_test_thresholds as t
      cross join lateral (
        select case t.reading
          when 'check_valve_1' then report.check_valve_1_psid
          when 'check_valve_2' then report.check_valve_2_psid
          when 'relief_valve_opening' then report.relief_valve_opening_psid
          when 'air_inlet_opening' then report.air_inlet_opening_psid
        end as value
      ) as r
      where t.kind = context.kind
    ),
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
revoke all on function private.finalize_backflow_test(uuid) from public, anon, authenticated, service_role;
grant execute on function private.finalize_backflow_test(uuid) to authenticated;

create function public.finalize_backflow_test(report_id uuid) returns public.backflow_test_reports
language sql volatile
set search_path = ''
as $$
  select private.finalize_backflow_test(report_id)
$$;
revoke all on function public.finalize_backflow_test(uuid) from public, anon, authenticated, service_role;
grant execute on function public.finalize_backflow_test(uuid) to authenticated;

-- ==========================================================================================
-- Grants (policies: supabase/policies/backflow_test_reports.sql)
-- ==========================================================================================

alter table public.backflow_test_thresholds enable row level security;
alter table public.backflow_test_reports enable row level security;
revoke all on table public.backflow_test_thresholds, public.backflow_test_reports
from anon, authenticated, service_role;

grant select on table public.backflow_test_thresholds to authenticated, service_role;
grant insert, update, delete on table public.backflow_test_thresholds to service_role;

-- Results, statuses and submissions are the database's; finalising is an RPC.
grant select on table public.backflow_test_reports to authenticated;
grant insert (
  organization_id, assembly_id, work_order_id, user_id, certification_id, gauge_id, tested_on,
  check_valve_1_psid, check_valve_2_psid, relief_valve_opening_psid, air_inlet_opening_psid,
  repairs, retest_of_id, notes
) on table public.backflow_test_reports to authenticated;
grant update (
  work_order_id, certification_id, gauge_id, tested_on, check_valve_1_psid, check_valve_2_psid,
  relief_valve_opening_psid, air_inlet_opening_psid, repairs, retest_of_id, notes
) on table public.backflow_test_reports to authenticated;
grant select, insert, update, delete on table public.backflow_test_reports to service_role;
