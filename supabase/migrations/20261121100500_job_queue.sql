-- The job queue the Python worker drains (email, PDFs, webhooks). Internal: the queue schema
-- is not exposed by PostgREST and no API role has any privilege on it. The claim, complete and
-- fail functions, the reaper and the admin view come with the worker.
create schema if not exists queue;
revoke all on schema queue from public;

create type queue.job_status as enum (
  'queued', 'running', 'succeeded', 'retrying', 'dead', 'cancelled'
);

create table queue.job_queue (
  id bigint generated always as identity primary key,
  -- The tenant the job works for (null for platform jobs).
  organization_id uuid references public.organizations (id) on delete cascade,
  -- What to do: 'email.invitation', 'pdf.invoice', 'webhook.deliver', ...
  kind text not null check (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  payload jsonb not null default '{}'::jsonb check (jsonb_typeof(payload) = 'object'),
  -- Lower runs first.
  priority smallint not null default 100,
  run_at timestamptz not null default now(),
  status queue.job_status not null default 'queued',
  attempts integer not null default 0,
  max_attempts integer not null default 10 check (max_attempts between 1 and 100),
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  result jsonb,
  -- At most one unfinished job per dedupe key.
  dedupe_key text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create index job_queue_claim_idx on queue.job_queue (priority, run_at)
where status in ('queued', 'retrying');
create index job_queue_organization_id_idx on queue.job_queue (organization_id);
create unique index job_queue_dedupe_key_idx on queue.job_queue (dedupe_key)
where dedupe_key is not null and status in ('queued', 'running', 'retrying');

alter table queue.job_queue enable row level security;
revoke all on table queue.job_queue from anon, authenticated, service_role;

-- Queues a job and wakes idle workers. With a dedupe key, an unfinished job with the same key
-- is returned instead of a second one.
create or replace function queue.enqueue(
  kind text,
  payload jsonb,
  organization_id uuid default null,
  dedupe_key text default null,
  run_at timestamptz default now(),
  priority smallint default 100,
  max_attempts integer default 10
) returns bigint
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job_id bigint;
begin
  insert into queue.job_queue as j (
    kind, payload, organization_id, dedupe_key, run_at, priority, max_attempts
  )
  values (kind, payload, organization_id, dedupe_key, run_at, priority, max_attempts)
  on conflict (dedupe_key) where dedupe_key is not null and status in ('queued', 'running', 'retrying')
  do nothing
  returning j.id into job_id;
  if job_id is null then
    select j.id into job_id from queue.job_queue as j
    where j.dedupe_key = enqueue.dedupe_key and j.status in ('queued', 'running', 'retrying');
  end if;
  perform pg_notify('fieldbase_jobs', kind);
  return job_id;
end
$$;
revoke execute on function queue.enqueue(
  text, jsonb, uuid, text, timestamptz, smallint, integer
) from public;
