-- A report counts as submitted to its water authority when the submission arrived, not when it
-- was queued: the email's job succeeded, or the webhook endpoint answered 2xx. Finalising now
-- records when the submission was queued; delivery records when it was submitted.

alter table public.backflow_test_reports add column submission_queued_at timestamptz;
comment on column public.backflow_test_reports.submitted_at is
'When the water authority''s copy arrived: its email was sent, or its webhook answered 2xx.';
comment on column public.backflow_test_reports.submission_queued_at is
'When finalising queued the submission to the water authority.';

-- Existing submissions were recorded at queue time.
update public.backflow_test_reports set submission_queued_at = submitted_at
where submitted_at is not null;

-- Finalising: as before, but the submission is only queued here (the authority's email
-- carries the report's id so its delivery can be recorded).
create or replace function private.queue_authority_submission() returns trigger
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
revoke all on function private.queue_authority_submission() from public;

create trigger backflow_test_reports_submission_queued
before update of submitted_via on public.backflow_test_reports
for each row execute function private.queue_authority_submission();

-- Marks a report submitted when the delivery that carried it succeeded.
create or replace function private.record_authority_submission(
  organization uuid, reference text, arrived_at timestamptz
) returns void
language sql security definer
set search_path = ''
as $$
  update public.backflow_test_reports as r
  set submitted_at = arrived_at
  where r.organization_id = organization and r.submission_reference = reference
    and r.submitted_at is null
$$;
revoke all on function private.record_authority_submission(uuid, text, timestamptz)
from public, anon, authenticated, service_role;

-- A webhook delivery of backflow_test.finalized answered 2xx (its message id is the reference).
create or replace function private.webhook_submission_arrived() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.record_authority_submission(new.organization_id, new.message_id, new.created_at);
  return null;
end
$$;
revoke all on function private.webhook_submission_arrived() from public;

create trigger webhook_deliveries_authority_submission
after insert on public.webhook_deliveries
for each row when (new.succeeded and new.event_type = 'backflow_test.finalized')
execute function private.webhook_submission_arrived();

-- The authority's email job succeeded (its payload names the report it submits).
create or replace function private.email_submission_arrived() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.backflow_test_reports as r
  set submitted_at = coalesce(new.finished_at, now())
  where r.id = (new.payload ->> 'authority_submission_of')::uuid
    and r.organization_id = new.organization_id and r.submitted_at is null;
  return null;
end
$$;
revoke all on function private.email_submission_arrived() from public;

create trigger job_queue_authority_submission
after update of status on queue.job_queue
for each row when (new.status = 'succeeded' and new.payload ? 'authority_submission_of')
execute function private.email_submission_arrived();
