-- Monthly batch submission: an authority that takes a file rather than one message per report
-- gets, once a month, one CSV of every finalised report of its sites not submitted yet, by email
-- (attached) or by signed webhook. Tables only: the schedule, the batching and the worker's steps
-- are in supabase/current/09_backflow_testing_and_compliance.sql (the next migration).
alter table public.water_authorities
add column submission_schedule text not null default 'per_report',
add constraint water_authorities_submission_schedule_check check (
  submission_schedule in ('per_report', 'monthly')
);
grant insert (submission_schedule) on table public.water_authorities to authenticated;
grant update (submission_schedule) on table public.water_authorities to authenticated;
comment on column public.water_authorities.submission_schedule is
'per_report: each finalised report is sent as it is filed; monthly: one CSV a month of every '
'finalised report not submitted yet, sent on the 1st (the organization''s date) by the '
'authority''s submission_method (email attachment or webhook).';

create table public.authority_submission_batches (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  water_authority_id uuid not null,
  period_start date not null,
  period_end date not null,
  submission_method public.report_submission_method not null,
  status text not null default 'queued',
  report_count integer not null,
  reference text,
  error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  constraint authority_submission_batches_organization_id_id_key unique (organization_id, id),
  constraint authority_submission_batches_once_per_period unique (water_authority_id, period_start),
  constraint authority_submission_batches_authority_fkey foreign key (organization_id, water_authority_id)
  references public.water_authorities (organization_id, id) on delete cascade,
  constraint authority_submission_batches_period_check check (period_end >= period_start),
  constraint authority_submission_batches_status_check check (status in ('queued', 'sent', 'failed')),
  constraint authority_submission_batches_method_check check (submission_method in ('email', 'webhook')),
  constraint authority_submission_batches_count_check check (report_count > 0),
  constraint authority_submission_batches_error_length check (char_length(error) <= 1000)
);
create index authority_submission_batches_organization_idx
on public.authority_submission_batches (organization_id, created_at desc);
create index authority_submission_batches_reference_idx on public.authority_submission_batches (reference);
create index authority_submission_batches_authority_idx
on public.authority_submission_batches (organization_id, water_authority_id);
alter table public.authority_submission_batches enable row level security;
revoke all on table public.authority_submission_batches from public, anon, authenticated, service_role;
grant select on table public.authority_submission_batches to authenticated, service_role;

comment on table public.authority_submission_batches is
'A month''s reports sent to a water authority as one CSV (monthly submission_schedule): which '
'period, how many reports, how (email or webhook) and whether the delivery succeeded. Written by '
'the schedule and the worker; members read it.';
comment on column public.authority_submission_batches.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.authority_submission_batches.water_authority_id is
'The authority (public.water_authorities).';
comment on column public.authority_submission_batches.period_start is 'The first day of the month it covers.';
comment on column public.authority_submission_batches.period_end is
'The last day of that month; earlier reports not submitted yet ride along.';
comment on column public.authority_submission_batches.submission_method is
'email or webhook, as the authority took it.';
comment on column public.authority_submission_batches.status is
'queued, sent (the delivery succeeded; its reports are submitted) or failed.';
comment on column public.authority_submission_batches.report_count is 'How many reports it carries.';
comment on column public.authority_submission_batches.reference is
'The webhook message id, or the email''s Message-ID once sent.';
comment on column public.authority_submission_batches.error is 'Why the delivery failed.';
comment on column public.authority_submission_batches.created_at is 'When the batch was made.';
comment on column public.authority_submission_batches.sent_at is 'When the delivery succeeded.';

alter table public.backflow_test_reports
add column submission_batch_id uuid,
add constraint backflow_test_reports_submission_batch_fkey foreign key (organization_id, submission_batch_id)
references public.authority_submission_batches (organization_id, id) on delete set null (submission_batch_id);
create index backflow_test_reports_submission_batch_idx
on public.backflow_test_reports (organization_id, submission_batch_id);
comment on column public.backflow_test_reports.submission_batch_id is
'The monthly batch that carried it to its authority, if its authority takes batches.';
