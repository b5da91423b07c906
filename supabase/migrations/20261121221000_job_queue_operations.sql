-- What workers do with the queue: claim a batch, heartbeat, complete, fail with backoff,
-- release on shutdown, and what admins and pg_cron do: cancel, retry dead jobs, return jobs
-- whose worker died, purge old ones. Every operation is one database function, so the worker
-- is a thin loop and two replicas can never run the same job at once.

-- ==========================================================================================
-- The worker's role
-- ==========================================================================================

-- The role the worker logs in as (directly or through Supavisor / pgbouncer). It can call the
-- queue functions and nothing else. No password is set here: set one as a DBA
-- (alter role fieldbase_worker password '...'); the local stack sets one in its seed.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'fieldbase_worker') then
    create role fieldbase_worker login noinherit;
  end if;
end
$$;
grant usage on schema queue to fieldbase_worker;

-- ==========================================================================================
-- Tables
-- ==========================================================================================

-- What a handler saved before it finished (e.g. "email sent"), so a retried job skips the
-- effects it already had; and the error of every failed attempt, newest last.
alter table queue.job_queue
add column progress jsonb not null default '{}'::jsonb,
add column errors jsonb not null default '[]'::jsonb,
add column started_at timestamptz;

-- Expired leases are found by the reaper; running jobs are counted per organization.
create index job_queue_running_idx on queue.job_queue (lease_expires_at, organization_id)
where status = 'running';
-- Finished jobs are purged by age.
create index job_queue_finished_idx on queue.job_queue (finished_at)
where status in ('succeeded', 'dead', 'cancelled');

-- Retry behaviour per kind. A kind without a row uses the defaults of the columns.
create table queue.kind_settings (
  kind text primary key,
  max_attempts integer not null default 10 check (max_attempts between 1 and 100),
  -- Explicit delays before attempt 2, 3, ...; the last one repeats. Overrides the backoff.
  retry_schedule interval[],
  -- Exponential backoff: base * 2^(attempt - 1), capped, with +/- 25% jitter.
  backoff_base interval not null default '10 seconds',
  backoff_max interval not null default '1 hour'
);
alter table queue.kind_settings enable row level security;

insert into queue.kind_settings (kind, max_attempts, retry_schedule, backoff_base, backoff_max)
values
-- Standard Webhooks' schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
(
  'webhook.deliver', 8,
  '{5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours, 10 hours}', '5 seconds', '10 hours'
),
('email.invitation', 8, null, '30 seconds', '1 hour'),
('pdf.render', 5, null, '10 seconds', '10 minutes');

-- How long finished jobs are kept (one row).
create table queue.settings (
  id boolean primary key default true check (id),
  succeeded_retention interval not null default '7 days',
  dead_retention interval not null default '30 days'
);
alter table queue.settings enable row level security;
insert into queue.settings default values;

-- ==========================================================================================
-- Enqueue (replaces the first version: max_attempts now defaults to the kind's setting)
-- ==========================================================================================

drop function queue.enqueue(text, jsonb, uuid, text, timestamptz, smallint, integer);

-- Queues a job and wakes idle workers. With a dedupe key, an unfinished job with the same key
-- is returned instead of a second one.
create or replace function queue.enqueue(
  kind text,
  payload jsonb,
  organization_id uuid default null,
  dedupe_key text default null,
  run_at timestamptz default now(),
  priority smallint default 100,
  max_attempts integer default null
) returns bigint
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job_id bigint;
  attempts_allowed integer := coalesce(
    enqueue.max_attempts,
    (select s.max_attempts from queue.kind_settings as s where s.kind = enqueue.kind),
    10
  );
begin
  insert into queue.job_queue as j (
    kind, payload, organization_id, dedupe_key, run_at, priority, max_attempts
  )
  values (kind, payload, organization_id, dedupe_key, run_at, priority, attempts_allowed)
  on conflict (dedupe_key) where dedupe_key is not null and status in ('queued', 'running', 'retrying')
  do nothing
  returning j.id into job_id;
  if job_id is null then
    select j.id into job_id from queue.job_queue as j
    where j.dedupe_key = enqueue.dedupe_key and j.status in ('queued', 'running', 'retrying');
  elsif run_at <= now() then
    -- Delayed jobs are found by polling; waking workers for them is wasted work.
    perform pg_notify('fieldbase_jobs', kind);
  end if;
  return job_id;
end
$$;
revoke execute on function queue.enqueue(
  text, jsonb, uuid, text, timestamptz, smallint, integer
) from public;
grant execute on function queue.enqueue(
  text, jsonb, uuid, text, timestamptz, smallint, integer
) to fieldbase_worker;

-- ==========================================================================================
-- Worker operations
-- ==========================================================================================

-- Returns jobs whose lease expired (their worker crashed or lost its connection) to the queue,
-- or to the dead letters when that was their last attempt. Called before every claim and by
-- pg_cron every minute, so a dead worker's jobs come back within one lease period.
create or replace function queue.reap_expired_leases() returns integer
language sql security definer
set search_path = ''
as $$
  with expired as (
    select j.id from queue.job_queue as j
    where j.status = 'running' and j.lease_expires_at < now()
    for update skip locked
  ),
  reaped as (
    update queue.job_queue as j
    set
      status = case when j.attempts >= j.max_attempts then 'dead' else 'retrying' end::queue.job_status,
      last_error = format('Lease expired: worker %s stopped heartbeating', j.lease_owner),
      errors = j.errors || jsonb_build_array(jsonb_build_object(
        'attempt', j.attempts, 'at', now(),
        'error', format('Lease expired: worker %s stopped heartbeating', j.lease_owner)
      )),
      run_at = now(),
      lease_owner = null,
      lease_expires_at = null,
      finished_at = case when j.attempts >= j.max_attempts then now() end,
      updated_at = now()
    from expired
    where j.id = expired.id
    returning 1
  )
  select count(*)::integer from reaped
$$;
revoke execute on function queue.reap_expired_leases() from public;

-- Claims up to batch_size ready jobs of the given kinds (null: every kind) for one worker, by
-- priority then run_at, leasing them for lease. With per_organization_limit, no organization has more than
-- that many jobs running across all workers, so one tenant's burst cannot starve the others.
create or replace function queue.claim(
  worker_id text,
  kinds text[],
  batch_size integer default 10,
  lease interval default '30 seconds',
  per_organization_limit integer default null
) returns setof queue.job_queue
language plpgsql security definer
set search_path = ''
as $$
begin
  if batch_size < 1 or lease <= interval '0' or per_organization_limit < 1 then
    raise exception 'claim needs batch_size >= 1, a positive lease and per_organization_limit >= 1'
    using errcode = '22023';
  end if;
  perform queue.reap_expired_leases();
  return query
  with running as (
    select j.organization_id, count(*) as jobs from queue.job_queue as j
    where per_organization_limit is not null and j.status = 'running' and j.organization_id is not null
    group by j.organization_id
  ),
  candidates as (
    select j.id, j.organization_id, j.priority, j.run_at from queue.job_queue as j
    where
      j.status in ('queued', 'retrying')
      and j.run_at <= now()
      and (kinds is null or j.kind = any(kinds))
      and (
        per_organization_limit is null
        or j.organization_id is null
        or j.organization_id not in (
          select r.organization_id from running as r where r.jobs >= per_organization_limit
        )
      )
    order by j.priority, j.run_at
    -- Look past the batch when capping so capped organizations' jobs leave room for others.
    limit batch_size * (case when per_organization_limit is null then 1 else 4 end)
    for update skip locked
  ),
  ranked as (
    select
      c.id,
      c.priority,
      c.run_at,
      c.organization_id,
      row_number() over (partition by c.organization_id order by c.priority, c.run_at) as position
    from candidates as c
  ),
  chosen as (
    select r.id from ranked as r
    left join running on r.organization_id = running.organization_id
    where
      per_organization_limit is null
      or r.organization_id is null
      or r.position + coalesce(running.jobs, 0) <= per_organization_limit
    order by r.priority, r.run_at
    limit batch_size
  )
  update queue.job_queue as j
  set
    status = 'running',
    attempts = j.attempts + 1,
    lease_owner = worker_id,
    lease_expires_at = now() + lease,
    started_at = now(),
    updated_at = now()
  from chosen
  where j.id = chosen.id
  returning j.*;
end
$$;
revoke execute on function queue.claim(text, text[], integer, interval, integer) from public;
grant execute on function queue.claim(text, text[], integer, interval, integer) to fieldbase_worker;

-- Extends the leases of jobs a worker still runs; returns the ids it still holds (a job
-- missing from the answer was cancelled or reaped and its handler should stop).
create or replace function queue.heartbeat(
  worker_id text, job_ids bigint[], lease interval default '30 seconds'
) returns setof bigint
language sql security definer
set search_path = ''
as $$
  update queue.job_queue as j
  set lease_expires_at = now() + lease, updated_at = now()
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$$;
revoke execute on function queue.heartbeat(text, bigint[], interval) from public;
grant execute on function queue.heartbeat(text, bigint[], interval) to fieldbase_worker;

-- Saves what a running job has done so far, so a retry can skip it.
create or replace function queue.save_progress(worker_id text, job_id bigint, progress jsonb)
returns boolean
language sql security definer
set search_path = ''
as $$
  with saved as (
    update queue.job_queue as j
    set progress = j.progress || save_progress.progress, updated_at = now()
    where j.id = job_id and j.status = 'running' and j.lease_owner = worker_id
    returning 1
  )
  select exists (select from saved)
$$;
revoke execute on function queue.save_progress(text, bigint, jsonb) from public;
grant execute on function queue.save_progress(text, bigint, jsonb) to fieldbase_worker;

-- Marks jobs succeeded: completions is [{"id": 1, "result": {...}}, ...]. Jobs the worker no
-- longer holds (reaped, cancelled) are left alone; returns the ids completed.
create or replace function queue.complete(worker_id text, completions jsonb) returns setof bigint
language sql security definer
set search_path = ''
as $$
  update queue.job_queue as j
  set
    status = 'succeeded',
    result = c.result,
    -- Keys the handler asked to drop (secrets such as invitation tokens).
    payload = j.payload - array(select jsonb_array_elements_text(c.redact)),
    lease_owner = null,
    lease_expires_at = null,
    finished_at = now(),
    updated_at = now()
  from jsonb_to_recordset(completions) as c (id bigint, result jsonb, redact jsonb)
  where j.id = c.id and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$$;
revoke execute on function queue.complete(text, jsonb) from public;
grant execute on function queue.complete(text, jsonb) to fieldbase_worker;

-- The delay before the next attempt of a kind, after attempt number `attempt` failed.
create or replace function queue.retry_delay(kind text, attempt integer) returns interval
language sql volatile security definer
set search_path = ''
as $$
  select case
    when s.retry_schedule is not null then
      -- The schedule's own delays, with up to 10% jitter so retries do not arrive in lockstep.
      s.retry_schedule[least(attempt, cardinality(s.retry_schedule))] * (1 + random() * 0.1)
    else
      least(
        coalesce(s.backoff_base, interval '10 seconds') * power(2, least(attempt - 1, 30)),
        coalesce(s.backoff_max, interval '1 hour')
      ) * (0.75 + random() * 0.5)
  end
  from (select 1) as one
  left join queue.kind_settings as s on s.kind = retry_delay.kind
$$;
revoke execute on function queue.retry_delay(text, integer) from public;

-- Records failed attempts: failures is [{"id": 1, "error": "...", "retry_in": 30,
-- "permanent": false}, ...]. A job is retried after its kind's backoff (or after retry_in
-- seconds when the far end said so, e.g. Retry-After), and dead-lettered after its last
-- attempt or when the failure is permanent. Returns each job's new status and run_at.
create or replace function queue.fail(worker_id text, failures jsonb)
returns table (id bigint, status queue.job_status, run_at timestamptz)
language sql security definer
set search_path = ''
as $$
  with failed as (
    select
      j.id,
      f.error,
      coalesce(f.permanent, false) or j.attempts >= j.max_attempts as is_dead,
      greatest(
        queue.retry_delay(j.kind, j.attempts),
        coalesce(make_interval(secs => f.retry_in), interval '0')
      ) as delay
    from jsonb_to_recordset(failures) as f (id bigint, error text, retry_in double precision, permanent boolean)
    inner join queue.job_queue as j on f.id = j.id
    where j.status = 'running' and j.lease_owner = worker_id
  )
  update queue.job_queue as j
  set
    status = case when f.is_dead then 'dead' else 'retrying' end::queue.job_status,
    last_error = f.error,
    errors = j.errors || jsonb_build_array(
      jsonb_build_object('attempt', j.attempts, 'at', now(), 'error', f.error)
    ),
    run_at = case when f.is_dead then j.run_at else now() + f.delay end,
    lease_owner = null,
    lease_expires_at = null,
    finished_at = case when f.is_dead then now() end,
    updated_at = now()
  from failed as f
  where j.id = f.id
  returning j.id, j.status, j.run_at
$$;
revoke execute on function queue.fail(text, jsonb) from public;
grant execute on function queue.fail(text, jsonb) to fieldbase_worker;

-- Gives back jobs a stopping worker did not start or could not finish within its grace
-- period; the attempt does not count. Returns the ids released.
create or replace function queue.release(worker_id text, job_ids bigint[]) returns setof bigint
language sql security definer
set search_path = ''
as $$
  update queue.job_queue as j
  set
    status = case when j.attempts > 1 then 'retrying' else 'queued' end::queue.job_status,
    attempts = j.attempts - 1,
    run_at = now(),
    lease_owner = null,
    lease_expires_at = null,
    updated_at = now()
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$$;
revoke execute on function queue.release(text, bigint[]) from public;
grant execute on function queue.release(text, bigint[]) to fieldbase_worker;

-- Jobs ready or running per kind, for the worker's metrics and `status` command.
create or replace function queue.depth()
returns table (kind text, status queue.job_status, jobs bigint, oldest_run_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select j.kind, j.status, count(*), min(j.run_at)
  from queue.job_queue as j
  where j.status in ('queued', 'retrying', 'running')
  group by j.kind, j.status
  order by j.kind, j.status
$$;
revoke execute on function queue.depth() from public;
grant execute on function queue.depth() to fieldbase_worker;

-- ==========================================================================================
-- Admin operations
-- ==========================================================================================

-- Cancels a job that has not finished. A running job's worker finds out at its next
-- heartbeat and its result is discarded. Returns whether the job was cancelled.
create or replace function queue.cancel(job_id bigint) returns boolean
language sql security definer
set search_path = ''
as $$
  with cancelled as (
    update queue.job_queue as j
    set
      status = 'cancelled', lease_owner = null, lease_expires_at = null,
      finished_at = now(), updated_at = now()
    where j.id = job_id and j.status in ('queued', 'retrying', 'running')
    returning 1
  )
  select exists (select from cancelled)
$$;
revoke execute on function queue.cancel(bigint) from public;

-- Puts a dead job back in the queue with a fresh set of attempts.
create or replace function queue.retry_dead(job_id bigint) returns boolean
language plpgsql security definer
set search_path = ''
as $$
begin
  update queue.job_queue as j
  set
    status = 'queued', attempts = 0, run_at = now(), finished_at = null, updated_at = now()
  where j.id = job_id and j.status = 'dead';
  if not found then
    return false;
  end if;
  perform pg_notify('fieldbase_jobs', (select j.kind from queue.job_queue as j where j.id = job_id));
  return true;
exception when unique_violation then
  raise exception 'An identical job is already queued'
  using errcode = 'PT409', hint = 'Wait for it to finish instead of retrying this one.';
end
$$;
revoke execute on function queue.retry_dead(bigint) from public;

-- Deletes finished jobs older than the retention in queue.settings; run daily by pg_cron.
create or replace function queue.purge_finished() returns integer
language sql security definer
set search_path = ''
as $$
  with purged as (
    delete from queue.job_queue as j
    using queue.settings as s
    where
      (j.status in ('succeeded', 'cancelled') and j.finished_at < now() - s.succeeded_retention)
      or (j.status = 'dead' and j.finished_at < now() - s.dead_retention)
    returning 1
  )
  select count(*)::integer from purged
$$;
revoke execute on function queue.purge_finished() from public;

-- ==========================================================================================
-- What organization admins see
-- ==========================================================================================

-- The jobs of the organizations the caller owns or administers. Payloads are left out: they
-- can carry secrets (invitation tokens) and personal data.
create or replace function private.background_jobs_for_caller()
returns table (
  id bigint, organization_id uuid, kind text, status queue.job_status, attempts integer,
  max_attempts integer, run_at timestamptz, last_error text, errors jsonb, result jsonb,
  created_at timestamptz, started_at timestamptz, finished_at timestamptz
)
language sql stable security definer
set search_path = ''
as $$
  select
    j.id, j.organization_id, j.kind, j.status, j.attempts, j.max_attempts, j.run_at, j.last_error,
    j.errors, j.result, j.created_at, j.started_at, j.finished_at
  from queue.job_queue as j
  where j.organization_id in (select private.organization_ids_for('{owner,admin}'))
$$;
revoke execute on function private.background_jobs_for_caller() from public;
grant execute on function private.background_jobs_for_caller() to authenticated;

-- Background jobs (emails, documents, webhook deliveries) of the caller's organizations, for
-- owners and admins. Other members and anon see no rows.
create view public.background_jobs with (security_invoker = true) as
select * from private.background_jobs_for_caller();
revoke all on public.background_jobs from anon, authenticated, service_role;
grant select on public.background_jobs to authenticated;

-- Retries a dead job of an organization the caller owns or administers.
create or replace function public.retry_job(job_id bigint) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  job_status queue.job_status;
begin
  select j.status into job_status from queue.job_queue as j
  where j.id = job_id and j.organization_id in (select private.organization_ids_for('{owner,admin}'));
  if job_status is null then
    raise exception 'Job % was not found', job_id using errcode = 'PT404';
  end if;
  if job_status <> 'dead' then
    raise exception 'Only failed (dead) jobs can be retried; this one is %', job_status
    using errcode = 'PT409';
  end if;
  perform queue.retry_dead(job_id);
end
$$;
revoke execute on function public.retry_job(bigint) from public;
grant execute on function public.retry_job(bigint) to authenticated;

-- ==========================================================================================
-- Schedules
-- ==========================================================================================

create extension if not exists pg_cron with schema pg_catalog;
select cron.schedule('fieldbase-queue-reaper', '* * * * *', 'select queue.reap_expired_leases()');
select cron.schedule('fieldbase-queue-retention', '23 3 * * *', 'select queue.purge_finished()');
