-- Background jobs: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Queues a job and wakes idle workers. With a dedupe key, an unfinished job with the same key
-- is returned instead of a second one. A new job of an organization counts against its plan's
-- monthly quota (private.meter_job), which may refuse it with 402.
create or replace function queue.enqueue(
  kind text,
  payload jsonb,
  organization_id uuid default null::uuid,
  dedupe_key text default null::text,
  run_at timestamp with time zone default now(),
  priority smallint default 100,
  max_attempts integer default null::integer
)
returns bigint
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
  on conflict (dedupe_key) where dedupe_key is not null
  do nothing
  returning j.id into job_id;
  if job_id is null then
    -- The hot table holds only unfinished jobs: the one with this key is the answer.
    select j.id into job_id from queue.job_queue as j where j.dedupe_key = enqueue.dedupe_key;
    return job_id;
  end if;
  if organization_id is not null then
    -- Counted once, here: a job returned by its dedupe key or retried is not queued again.
    perform private.meter_job(organization_id, kind, payload);
  end if;
  if run_at <= now() then
    -- Delayed jobs are found by polling; waking workers for them is wasted work.
    perform pg_notify('fieldbase_jobs', kind);
  end if;
  return job_id;
end
$$;
revoke all on function queue.enqueue(
  kind text,
  payload jsonb,
  organization_id uuid,
  dedupe_key text,
  run_at timestamp with time zone,
  priority smallint,
  max_attempts integer
)
from public, anon, authenticated, service_role;
grant execute on function queue.enqueue(
  kind text,
  payload jsonb,
  organization_id uuid,
  dedupe_key text,
  run_at timestamp with time zone,
  priority smallint,
  max_attempts integer
)
to fieldbase_worker;

-- The jobs of the organizations the caller owns or administers. Payloads are left out: they
-- can carry secrets (invitation tokens) and personal data.
create or replace function private.background_jobs_for_caller()
returns table (
  id bigint,
  organization_id uuid,
  kind text,
  status queue.job_status,
  attempts integer,
  max_attempts integer,
  run_at timestamp with time zone,
  last_error text,
  errors jsonb,
  result jsonb,
  created_at timestamp with time zone,
  started_at timestamp with time zone,
  finished_at timestamp with time zone
)
language sql stable security definer
set search_path = ''
as $$
  select
    j.id, j.organization_id, j.kind, j.status, j.attempts, j.max_attempts, j.run_at, j.last_error,
    j.errors, null::jsonb, j.created_at, j.started_at, null::timestamp with time zone
  from queue.job_queue as j
  where j.organization_id in (select private.organization_ids_for('{owner,admin}'))
  union all
  select
    h.id, h.organization_id, h.kind, h.status, h.attempts, h.max_attempts, h.run_at, h.last_error,
    h.errors, h.result, h.created_at, h.started_at, h.finished_at
  from queue.job_history as h
  where h.organization_id in (select private.organization_ids_for('{owner,admin}'))
$$;
revoke all on function private.background_jobs_for_caller()
from public, anon, authenticated, service_role;
grant execute on function private.background_jobs_for_caller()
to authenticated;

-- Retries a dead job of an organization the caller owns or administers.
create or replace function public.retry_job(job_id bigint)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.retry_job(job_id);
end
$$;
revoke all on function public.retry_job(job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function public.retry_job(job_id bigint)
to authenticated;

-- Cancels a job that has not finished. A running job's worker finds out at its next
-- heartbeat and its result is discarded. Returns whether the job was cancelled.
create or replace function queue.cancel(job_id bigint)
returns boolean
language sql security definer
set search_path = ''
as $$
  select exists (select from queue.cancel_jobs(array[job_id], '{queued,retrying,running}'))
$$;
revoke all on function queue.cancel(job_id bigint)
from public, anon, authenticated, service_role;

-- Moves the jobs among job_ids whose status is one of statuses to the history as cancelled,
-- in one statement; returns their ids. Every cancellation goes through here (an admin's, a
-- withdrawn invitation's, a closed organization's).
create or replace function queue.cancel_jobs(job_ids bigint[], statuses queue.job_status[])
returns setof bigint
language sql security definer
set search_path = ''
as $$
  select queue.move_to_history(
    'cancelled',
    (select coalesce(jsonb_agg(jsonb_build_object('id', i.id)), '[]'::jsonb) from unnest(job_ids) as i (id)),
    null,
    statuses
  )
$$;
revoke all on function queue.cancel_jobs(job_ids bigint[], statuses queue.job_status[])
from public, anon, authenticated, service_role;

-- The one way a job leaves the hot table for the history (completed, dead or cancelled):
-- finished is [{"id": 1, "result": {...}, "redact": [...], "error": "..."}, ...], each key
-- but id optional; only jobs in one of statuses (and held by holder, unless it is null) move.
-- An error is the attempt's last and is added to the job's errors; redact drops payload keys
-- (secrets such as invitation tokens). Returns the ids moved.
create or replace function queue.move_to_history(
  outcome queue.job_status,
  finished jsonb,
  holder text,
  statuses queue.job_status[]
)
returns setof bigint
language sql security definer
set search_path = ''
as $$
  with moved as (
    delete from queue.job_queue as j
    using jsonb_to_recordset(finished) as f (id bigint, result jsonb, redact jsonb, error text)
    where j.id = f.id and j.status = any(statuses) and (holder is null or j.lease_owner = holder)
    returning j.*, f.result, f.redact, f.error
  ),
  archived as (
    insert into queue.job_history (
      id, organization_id, kind, payload, priority, run_at, status, attempts, max_attempts,
      last_error, result, dedupe_key, created_at, started_at, finished_at, progress, errors
    )
    select
      m.id, m.organization_id, m.kind, m.payload - array(select jsonb_array_elements_text(m.redact)),
      m.priority, m.run_at, outcome, m.attempts, m.max_attempts, coalesce(m.error, m.last_error),
      m.result, m.dedupe_key, m.created_at, m.started_at, now(), m.progress,
      case
        when m.error is null then m.errors
        else m.errors || jsonb_build_array(jsonb_build_object('attempt', m.attempts, 'at', now(), 'error', m.error))
      end
    from moved as m
  )
  select m.id from moved as m
$$;
revoke all on function queue.move_to_history(
  outcome queue.job_status, finished jsonb, holder text, statuses queue.job_status[]
)
from public, anon, authenticated, service_role;

-- Claims up to batch_size ready jobs for a worker, organizations taking turns. With
-- per_organization_limit, no organization has more than that many running, all trial
-- organizations together no more than queue.settings.trial_running_limit, and jobs of
-- suspended organizations are left waiting. Rows are returned in claim order.
create or replace function queue.claim(
  worker_id text,
  kinds text[],
  batch_size integer default 10,
  lease interval default '00:00:30'::interval,
  per_organization_limit integer default null::integer
)
returns setof queue.job_queue
language plpgsql security definer
set search_path = ''
-- The hot table's statistics are always stale (a backlog arrives and leaves between two
-- analyzes): estimating a handful of rows, the planner read every waiting job through a bitmap
-- and sorted them all for each claim (18 ms for 342 of 50,000) instead of walking the claim
-- index in order (1.8 ms). No claim wants a bitmap scan.
set enable_bitmapscan = off
as $$
declare
  trial_limit integer := (select s.trial_running_limit from queue.settings as s);
  trial_free integer;
  group_ids uuid[];
  group_trial boolean[];
  group_slots integer[];
  places_each integer;
begin
  if batch_size < 1 or lease <= interval '0' or per_organization_limit < 1 then
    raise exception 'claim needs batch_size >= 1, a positive lease and per_organization_limit >= 1'
    using errcode = '22023';
  end if;
  -- Running counts come from the counters the hot table's triggers keep: no job row is read
  -- or locked to learn them.
  trial_free := case
    when per_organization_limit is null then batch_size
    else greatest(0, trial_limit - (
      select coalesce(sum(c.running), 0)::integer
      from queue.organization_running_jobs as c
      inner join public.organizations as o on c.organization_id = o.id
      where c.running > 0 and o.plan_id = 'trial'
    ))
  end;
  -- The organizations with waiting jobs, one index probe each (a loose index scan; the probe
  -- steps over an organization's running jobs, at most its cap), and how many jobs each may
  -- start now.
  with recursive waiting as (
    (
      select j.organization_id from queue.job_queue as j
      where j.status in ('queued', 'retrying') and j.organization_id is not null
      order by j.organization_id
      limit 1
    )
    union all
    select (
      select j.organization_id from queue.job_queue as j
      where j.status in ('queued', 'retrying') and j.organization_id > w.organization_id
      order by j.organization_id
      limit 1
    )
    from waiting as w
    where w.organization_id is not null
  )
  select
    coalesce(array_agg(w.organization_id), '{}'),
    coalesce(array_agg(o.plan_id = 'trial'), '{}'),
    coalesce(array_agg(
      case
        when per_organization_limit is null then batch_size
        when o.plan_id = 'trial' then greatest(0, least(batch_size, trial_free, per_organization_limit - coalesce(r.running, 0)))
        else greatest(0, least(batch_size, per_organization_limit - coalesce(r.running, 0)))
      end
    ), '{}')
  into group_ids, group_trial, group_slots
  from waiting as w
  inner join public.organizations as o on w.organization_id = o.id
  left join queue.organization_running_jobs as r on w.organization_id = r.organization_id
  -- A suspended organization's jobs wait; nothing is sent on its behalf.
  where o.status not in ('trial_expired', 'suspended', 'cancelled') and o.deleted_at is null;

  -- With at least as many groups (platform jobs are one more) as places, nobody's second job
  -- can be reached, so each group offers one.
  places_each := case when cardinality(group_ids) + 1 >= batch_size then 1 else batch_size end;

  if cardinality(group_ids) = 0 then
    -- Only platform jobs wait: one group, taken in its order without the turn-taking below
    -- (the drain of a backlog of platform jobs spent half its claim time ranking one group).
    return query
    with chosen as (
      select j.id from queue.job_queue as j
      where
        j.organization_id is null
        and j.status in ('queued', 'retrying')
        and j.run_at <= now()
        and (kinds is null or j.kind = any(kinds))
      order by j.priority, j.run_at, j.id
      limit batch_size
      for update of j skip locked
    ),
    claimed as (
      update queue.job_queue as j
      set
        status = 'running',
        attempts = j.attempts + 1,
        lease_owner = worker_id,
        lease_expires_at = now() + lease,
        started_at = now()
      from chosen
      where j.id = chosen.id
      returning j.*
    )
    select c.* from claimed as c order by c.priority, c.run_at, c.id;
    return;
  end if;

  return query
  with candidates as (
    -- Each organization's next jobs in its own order, locked as they are taken.
    select c.id, c.priority, c.run_at, g.trial,
      row_number() over (partition by g.organization_id order by c.priority, c.run_at, c.id) as turn
    from unnest(group_ids, group_trial, group_slots) as g (organization_id, trial, slots)
    cross join lateral (
      select j.id, j.priority, j.run_at from queue.job_queue as j
      where
        j.organization_id = g.organization_id
        and j.status in ('queued', 'retrying')
        and j.run_at <= now()
        and (kinds is null or j.kind = any(kinds))
      order by j.priority, j.run_at, j.id
      limit least(places_each, g.slots)
      for update of j skip locked
    ) as c
    where g.slots > 0
    union all
    -- Platform jobs: one group of their own.
    select c.id, c.priority, c.run_at, false,
      row_number() over (order by c.priority, c.run_at, c.id)
    from (
      select j.id, j.priority, j.run_at from queue.job_queue as j
      where
        j.organization_id is null
        and j.status in ('queued', 'retrying')
        and j.run_at <= now()
        and (kinds is null or j.kind = any(kinds))
      order by j.priority, j.run_at, j.id
      limit places_each
      for update of j skip locked
    ) as c
  ),
  ranked as (
    select c.*,
      row_number() over (partition by c.trial order by c.turn, c.priority, c.run_at, c.id) as trial_place
    from candidates as c
  ),
  chosen as (
    select r.id, row_number() over (order by r.turn, r.priority, r.run_at, r.id) as place
    from ranked as r
    where not r.trial or r.trial_place <= trial_free
    order by r.turn, r.priority, r.run_at, r.id
    limit batch_size
  ),
  claimed as (
    update queue.job_queue as j
    set
      status = 'running',
      attempts = j.attempts + 1,
      lease_owner = worker_id,
      lease_expires_at = now() + lease,
      started_at = now()
    from chosen
    where j.id = chosen.id
    returning j.*
  )
  select claimed.* from claimed inner join chosen on claimed.id = chosen.id order by chosen.place;
end
$$;
revoke all on function queue.claim(
  worker_id text, kinds text[], batch_size integer, lease interval, per_organization_limit integer
)
from public, anon, authenticated, service_role;
grant execute on function queue.claim(
  worker_id text, kinds text[], batch_size integer, lease interval, per_organization_limit integer
)
to fieldbase_worker;

-- Marks jobs succeeded: completions is [{"id": 1, "result": {...}}, ...]. They leave the hot
-- table for the history in this one statement. Jobs the worker no longer holds (reaped,
-- cancelled) are left alone; returns the ids completed.
create or replace function queue.complete(worker_id text, completions jsonb)
returns setof bigint
language sql security definer
set search_path = ''
as $$
  select queue.move_to_history('succeeded', completions, worker_id, '{running}')
$$;
revoke all on function queue.complete(worker_id text, completions jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.complete(worker_id text, completions jsonb)
to fieldbase_worker;

-- Jobs ready or running per kind, for the worker's metrics and `status` command.
create or replace function queue.depth()
returns table (kind text, status queue.job_status, jobs bigint, oldest_run_at timestamp with time zone)
language sql stable security definer
set search_path = ''
as $$
  select j.kind, j.status, count(*), min(j.run_at)
  from queue.job_queue as j
  where j.status in ('queued', 'retrying', 'running')
  group by j.kind, j.status
  order by j.kind, j.status
$$;
revoke all on function queue.depth()
from public, anon, authenticated, service_role;
grant execute on function queue.depth()
to fieldbase_worker;

-- Records failed attempts: failures is [{"id": 1, "error": "...", "retry_in": 30,
-- "permanent": false}, ...]. A job is retried after its kind's backoff (or after retry_in
-- seconds when the far end said so, e.g. Retry-After), and dead-lettered (moved to the history)
-- after its last attempt or when the failure is permanent. Returns each job's new status and
-- run_at.
create or replace function queue.fail(worker_id text, failures jsonb)
returns table (id bigint, status queue.job_status, run_at timestamp with time zone)
language sql security definer
set search_path = ''
as $$
  with failed as (
    select
      j.id,
      j.run_at,
      f.error,
      coalesce(f.permanent, false) or j.attempts >= j.max_attempts as is_dead,
      greatest(
        queue.retry_delay(j.kind, j.attempts),
        coalesce(make_interval(secs => f.retry_in), interval '0')
      ) as delay
    from jsonb_to_recordset(failures) as f (id bigint, error text, retry_in double precision, permanent boolean)
    inner join queue.job_queue as j on f.id = j.id
    where j.status = 'running' and j.lease_owner = worker_id
  ),
  retried as (
    update queue.job_queue as j
    set
      status = 'retrying',
      last_error = f.error,
      errors = j.errors || jsonb_build_array(
        jsonb_build_object('attempt', j.attempts, 'at', now(), 'error', f.error)
      ),
      run_at = now() + f.delay,
      lease_owner = null,
      lease_expires_at = null
    from failed as f
    where j.id = f.id and not f.is_dead and j.status = 'running' and j.lease_owner = worker_id
    returning j.id, j.status, j.run_at
  ),
  died as (
    select d.id
    from queue.move_to_history(
      'dead',
      (
        select coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'error', f.error)), '[]'::jsonb)
        from failed as f where f.is_dead
      ),
      worker_id,
      '{running}'
    ) as d (id)
  )
  select r.id, r.status, r.run_at from retried as r
  union all
  select d.id, 'dead'::queue.job_status, f.run_at from died as d inner join failed as f on d.id = f.id
$$;
revoke all on function queue.fail(worker_id text, failures jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.fail(worker_id text, failures jsonb)
to fieldbase_worker;

-- Extends the leases of jobs a worker still runs; returns the ids it still holds (a job
-- missing from the answer was cancelled or reaped and its handler should stop).
create or replace function queue.heartbeat(
  worker_id text,
  job_ids bigint[],
  lease interval default '00:00:30'::interval
)
returns setof bigint
language sql security definer
set search_path = ''
as $$
  update queue.job_queue as j
  set lease_expires_at = now() + lease
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$$;
revoke all on function queue.heartbeat(worker_id text, job_ids bigint[], lease interval)
from public, anon, authenticated, service_role;
grant execute on function queue.heartbeat(worker_id text, job_ids bigint[], lease interval)
to fieldbase_worker;

-- queue.job_history's partitions other than the default one, with the end of each one's range.
create or replace function queue.history_partitions()
returns table (partition_name text, ends_at timestamp with time zone)
language sql stable
set search_path = ''
as $$
  select
    c.relname::text,
    substring(
      pg_catalog.pg_get_expr(c.relpartbound, c.oid) from 'TO \(''([^'']+)''\)'
    )::timestamp with time zone
  from pg_catalog.pg_inherits as i
  inner join pg_catalog.pg_class as c on i.inhrelid = c.oid
  where i.inhparent = 'queue.job_history'::regclass and c.relname <> 'job_history_default'
$$;
revoke all on function queue.history_partitions()
from public, anon, authenticated, service_role;

-- Creates queue.job_history's daily partitions (UTC days), from the end of the last one through
-- the day `days` days from now, and moves into each the rows the default partition took for
-- its day. Run daily by pg_cron: the days ahead let the schedule stop that long before a job
-- lands in the default partition. Returns the number of days created.
create or replace function queue.add_history_partitions(days integer default 14)
returns integer
language plpgsql security definer
set search_path = ''
-- Attaching a day locks the default partition: wait for it briefly, not behind a long query.
set lock_timeout = '2s'
as $$
declare
  through timestamp with time zone;
  day timestamp with time zone;
  partition_name text;
  created integer := 0;
begin
  if days is null or days not between 1 and 366 then
    raise exception 'add_history_partitions needs between 1 and 366 days ahead' using errcode = '22023';
  end if;
  through := date_trunc('day', now(), 'UTC') + make_interval(days => days);
  day := coalesce(
    (select max(p.ends_at) from queue.history_partitions() as p), date_trunc('day', now(), 'UTC')
  );
  while day <= through loop
    partition_name := 'job_history_' || to_char(day at time zone 'UTC', 'YYYYMMDD');
    execute format(
      'create table queue.%I (like queue.job_history including defaults including constraints)',
      partition_name
    );
    execute format('alter table queue.%I enable row level security', partition_name);
    execute format(
      'comment on table queue.%I is %L', partition_name,
      'Partition of queue.job_history: jobs finished on ' || to_char(day at time zone 'UTC', 'YYYY-MM-DD')
      || ' (UTC).'
    );
    execute format(
      'with moved as ('
      ' delete from queue.job_history_default as d where d.finished_at >= $1 and d.finished_at < $2'
      ' returning d.*'
      ') insert into queue.%I select * from moved',
      partition_name
    ) using day, day + interval '1 day';
    execute format(
      'alter table queue.job_history attach partition queue.%I for values from (%L) to (%L)',
      partition_name, day, day + interval '1 day'
    );
    created := created + 1;
    day := day + interval '1 day';
  end loop;
  return created;
end
$$;
revoke all on function queue.add_history_partitions(days integer)
from public, anon, authenticated, service_role;

-- Deletes finished jobs older than the retention in queue.settings; run daily by pg_cron. Days
-- past both retentions are dropped whole: deleting their rows would leave free space that later
-- jobs are written into, widening the id index's page ranges and adding WAL to every insert.
-- Returns the number of jobs purged.
create or replace function queue.purge_finished()
returns integer
language plpgsql security definer
set search_path = ''
-- Dropping a day locks the whole history: completions wait at most this long, and a day that
-- cannot be dropped now is dropped at the next run.
set lock_timeout = '2s'
as $$
declare
  retention queue.settings;
  past record;
  jobs_in_day integer;
  purged integer := 0;
begin
  select * into retention from queue.settings as s;
  for past in
    select p.partition_name from queue.history_partitions() as p
    where p.ends_at <= now() - greatest(retention.succeeded_retention, retention.dead_retention)
  loop
    begin
      execute format('select count(*) from queue.%I', past.partition_name) into jobs_in_day;
      execute format('drop table queue.%I', past.partition_name);
      purged := purged + jobs_in_day;
    exception when lock_not_available then
      raise warning 'queue.% was busy and is dropped at the next purge', past.partition_name;
    end;
  end loop;
  with deleted as (
    delete from queue.job_history as h
    where
      (h.status in ('succeeded', 'cancelled') and h.finished_at < now() - retention.succeeded_retention)
      or (h.status = 'dead' and h.finished_at < now() - retention.dead_retention)
    returning 1
  )
  select purged + count(*)::integer into purged from deleted;
  return purged;
end
$$;
revoke all on function queue.purge_finished()
from public, anon, authenticated, service_role;

-- A job taken back from a crashed worker (lease reaper) or handed back by a stopping one
-- (release) keeps its run_at, so it is claimed before the jobs queued after it: recovery takes
-- one lease period, not the lease plus the whole queue ahead (a soak measured 129 s behind
-- 6,000 waiting jobs with a 30 s lease). And a lease that ran out while the database itself was
-- down is not taken from its holder until it has had 15 seconds (a heartbeat) to renew it: the
-- worker was not dead, the database was, and taking the job would repeat its effect.
-- Workers call this with their heartbeats (and pg_cron every minute), not on every claim: the
-- lease columns are not indexed, so that claims and heartbeats stay HOT updates, and a scan of
-- the hot table (runnable jobs only) every few seconds costs less than an index on every claim.
create or replace function queue.reap_expired_leases()
returns integer
language sql security definer
set search_path = ''
as $$
  with expired as (
    select
      j.id,
      j.attempts >= j.max_attempts as is_dead,
      format('Lease expired: worker %s stopped heartbeating', j.lease_owner) as error
    from queue.job_queue as j
    where
      j.status = 'running' and j.lease_expires_at < now()
      and (
        j.lease_expires_at > pg_catalog.pg_postmaster_start_time()
        or now() > pg_catalog.pg_postmaster_start_time() + interval '15 seconds'
      )
    for update skip locked
  ),
  retried as (
    update queue.job_queue as j
    set
      status = 'retrying',
      last_error = e.error,
      errors = j.errors || jsonb_build_array(jsonb_build_object('attempt', j.attempts, 'at', now(), 'error', e.error)),
      lease_owner = null,
      lease_expires_at = null
    from expired as e
    where j.id = e.id and not e.is_dead
    returning 1
  ),
  died as (
    -- Locked above by this statement: moved whoever held them.
    select d.id
    from queue.move_to_history(
      'dead',
      (
        select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'error', e.error)), '[]'::jsonb)
        from expired as e where e.is_dead
      ),
      null,
      '{running}'
    ) as d (id)
  )
  select ((select count(*) from retried) + (select count(*) from died))::integer
$$;
revoke all on function queue.reap_expired_leases()
from public, anon, authenticated, service_role;
grant execute on function queue.reap_expired_leases()
to fieldbase_worker;

-- Gives back jobs a stopping worker did not start or could not finish within its grace
-- period; the attempt does not count. Returns the ids released.
create or replace function queue.release(worker_id text, job_ids bigint[])
returns setof bigint
language sql security definer
set search_path = ''
as $$
  update queue.job_queue as j
  set
    status = case when j.attempts > 1 then 'retrying' else 'queued' end::queue.job_status,
    attempts = j.attempts - 1,
    lease_owner = null,
    lease_expires_at = null
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$$;
revoke all on function queue.release(worker_id text, job_ids bigint[])
from public, anon, authenticated, service_role;
grant execute on function queue.release(worker_id text, job_ids bigint[])
to fieldbase_worker;

-- Puts a dead job back in the queue with a fresh set of attempts: from the history to the hot
-- table, with its id.
create or replace function queue.retry_dead(job_id bigint)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  revived_kind text;
begin
  with revived as (
    delete from queue.job_history as h
    where h.id = job_id and h.status = 'dead'
    returning h.*
  )
  insert into queue.job_queue (
    id, organization_id, kind, payload, priority, run_at, status, attempts, max_attempts,
    last_error, dedupe_key, created_at, progress, errors
  )
  overriding system value
  select
    r.id, r.organization_id, r.kind, r.payload, r.priority, now(), 'queued', 0, r.max_attempts,
    r.last_error, r.dedupe_key, r.created_at, r.progress, r.errors
  from revived as r
  returning kind into revived_kind;
  if revived_kind is null then
    return false;
  end if;
  perform pg_notify('fieldbase_jobs', revived_kind);
  return true;
exception when unique_violation then
  raise exception 'An identical job is already queued'
  using errcode = 'PT409', hint = 'Wait for it to finish instead of retrying this one.';
end
$$;
revoke all on function queue.retry_dead(job_id bigint)
from public, anon, authenticated, service_role;

-- The delay before the next attempt of a kind, after attempt number `attempt` failed.
create or replace function queue.retry_delay(kind text, attempt integer)
returns interval
language sql security definer
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
revoke all on function queue.retry_delay(kind text, attempt integer)
from public, anon, authenticated, service_role;

-- Saves what a running job has done so far, so a retry can skip it.
create or replace function queue.save_progress(worker_id text, job_id bigint, progress jsonb)
returns boolean
language sql security definer
set search_path = ''
as $$
  with saved as (
    update queue.job_queue as j
    set progress = j.progress || save_progress.progress
    where j.id = job_id and j.status = 'running' and j.lease_owner = worker_id
    returning 1
  )
  select exists (select from saved)
$$;
revoke all on function queue.save_progress(worker_id text, job_id bigint, progress jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.save_progress(worker_id text, job_id bigint, progress jsonb)
to fieldbase_worker;

-- Cancels the waiting jobs of an organization that was cancelled or deleted.
create or replace function private.cancel_jobs_of_closed_organization()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (new.status = 'cancelled' and old.status <> 'cancelled')
     or (new.deleted_at is not null and old.deleted_at is null) then
    perform queue.cancel_jobs(
      array(select j.id from queue.job_queue as j where j.organization_id = new.id),
      '{queued,retrying}'
    );
  end if;
  return null;
end
$$;
revoke all on function private.cancel_jobs_of_closed_organization()
from public, anon, authenticated, service_role;

-- Keeps queue.organization_running_jobs: per statement on the hot table, one upsert for the
-- organizations whose number of running jobs changed (claims, completes, failures, releases,
-- the reaper, cancellations). Statement triggers see every path, including ones added later.
-- Inserts are counted by the row trigger below instead.
create or replace function queue.count_running_jobs()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    update queue.organization_running_jobs as c
    set running = greatest(0, c.running - d.jobs)
    from (
      select o.organization_id, count(*)::integer as jobs
      from old_rows as o
      where o.status = 'running' and o.organization_id is not null
      group by o.organization_id
    ) as d
    where c.organization_id = d.organization_id;
  else
    insert into queue.organization_running_jobs as c (organization_id, running)
    select d.organization_id, sum(d.change)::integer
    from (
      select n.organization_id, 1 as change from new_rows as n
      where n.status = 'running' and n.organization_id is not null
      union all
      select o.organization_id, -1 as change from old_rows as o
      where o.status = 'running' and o.organization_id is not null
    ) as d
    group by d.organization_id
    having sum(d.change) <> 0
    order by d.organization_id
    on conflict (organization_id) do update set running = greatest(0, c.running + excluded.running);
  end if;
  return null;
end
$$;
revoke all on function queue.count_running_jobs()
from public, anon, authenticated, service_role;

-- A job inserted already running (a restore, a migration moving jobs in): counted by a row
-- trigger whose condition an enqueue never meets. As a statement trigger with a transition
-- table it cost every queue.enqueue a quarter of its time (27,000 jobs a second against 37,000).
create or replace function queue.count_running_job_inserted()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into queue.organization_running_jobs as c (organization_id, running)
  values (new.organization_id, 1)
  on conflict (organization_id) do update set running = c.running + 1;
  return null;
end
$$;
revoke all on function queue.count_running_job_inserted()
from public, anon, authenticated, service_role;

create or replace trigger count_running_job_inserted after insert
on queue.job_queue
for each row
when (new.status = 'running' and new.organization_id is not null)
execute function queue.count_running_job_inserted();

create or replace trigger count_running_jobs_update after update
on queue.job_queue
referencing old table as old_rows new table as new_rows
for each statement execute function queue.count_running_jobs();

create or replace trigger count_running_jobs_delete after delete
on queue.job_queue
referencing old table as old_rows
for each statement execute function queue.count_running_jobs();

-- A deleted organization's finished jobs go with it (the history has no foreign key: see the
-- table's comment).
create or replace function private.delete_job_history_of_deleted_organizations()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from queue.job_history as h
  where h.organization_id in (select o.id from old_rows as o);
  return null;
end
$$;
revoke all on function private.delete_job_history_of_deleted_organizations()
from public, anon, authenticated, service_role;

create or replace trigger organizations_delete_job_history after delete
on public.organizations
referencing old table as old_rows
for each statement execute function private.delete_job_history_of_deleted_organizations();

-- A finished document's follow-up jobs (the email that carries it) are queued once: the jobs
-- and the flag that says so are written in one transaction by the worker holding the lease.
-- Before, the enqueues and the flag were separate commits, and a dedupe key only covers jobs
-- still queued or running, so a retry after a lost flag queued the email again.
create or replace function queue.enqueue_follow_ups(worker_id text, job_id bigint, follow_ups jsonb)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  parent queue.job_queue;
  follow_up record;
begin
  select * into parent from queue.job_queue as j
  where j.id = job_id and j.status = 'running' and j.lease_owner = worker_id
  for update;
  if parent.id is null or parent.progress ? 'follow_ups_queued' then
    return 0;
  end if;
  for follow_up in
    select f.value, f.ordinality - 1 as position
    from jsonb_array_elements(follow_ups) with ordinality as f (value, ordinality)
  loop
    perform queue.enqueue(
      follow_up.value ->> 'kind', follow_up.value -> 'payload', parent.organization_id,
      'job:' || parent.id || ':then:' || follow_up.position
    );
  end loop;
  update queue.job_queue as j
  set progress = j.progress || '{"follow_ups_queued": true}'::jsonb
  where j.id = parent.id;
  return jsonb_array_length(follow_ups);
end
$$;
revoke all on function queue.enqueue_follow_ups(worker_id text, job_id bigint, follow_ups jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.enqueue_follow_ups(worker_id text, job_id bigint, follow_ups jsonb)
to fieldbase_worker;

-- What waits and why, for the worker's stall check and platform diagnostics: jobs ready to run
-- now (their organization active), those of them a claim with this per-organization limit may
-- take (organization under its cap, trial pool not full), the running jobs, and the oldest ready
-- job's run_at. Counts only, no payloads.
create or replace function queue.ready_backlog(
  kinds text[] default null::text[],
  per_organization_limit integer default null::integer
)
returns table (ready bigint, claimable bigint, running bigint, oldest_ready_at timestamp with time zone)
language sql stable security definer
set search_path = ''
as $$
  with running as (
    select j.organization_id, count(*) as jobs
    from queue.job_queue as j
    where j.status = 'running'
    group by j.organization_id
  ),
  trial_running as (
    select coalesce(sum(r.jobs), 0) as jobs
    from running as r
    inner join public.organizations as o on r.organization_id = o.id
    where o.plan_id = 'trial'
  ),
  ready as (
    select
      j.run_at,
      per_organization_limit is null
      or j.organization_id is null
      or (
        coalesce(r.jobs, 0) < per_organization_limit
        and (o.plan_id <> 'trial' or (select t.jobs from trial_running as t) < (
          select s.trial_running_limit from queue.settings as s
        ))
      ) as claimable
    from queue.job_queue as j
    left join public.organizations as o on j.organization_id = o.id
    left join running as r on j.organization_id = r.organization_id
    where
      j.status in ('queued', 'retrying')
      and j.run_at <= now()
      and (kinds is null or j.kind = any(kinds))
      and (j.organization_id is null or (o.status not in ('trial_expired', 'suspended', 'cancelled') and o.deleted_at is null))
  )
  select
    (select count(*) from ready),
    (select count(*) from ready as r where r.claimable),
    (select coalesce(sum(r.jobs), 0)::bigint from running as r),
    (select min(r.run_at) from ready as r)
$$;
revoke all on function queue.ready_backlog(kinds text[], per_organization_limit integer)
from public, anon, authenticated, service_role;
grant execute on function queue.ready_backlog(kinds text[], per_organization_limit integer)
to fieldbase_worker;

-- Background jobs (emails, documents, webhook deliveries) of the caller's organizations, for
-- owners and admins. Other members and anon see no rows.
create or replace view public.background_jobs with (security_invoker = true) as
select
  background_jobs_for_caller.id,
  background_jobs_for_caller.organization_id,
  background_jobs_for_caller.kind,
  background_jobs_for_caller.status,
  background_jobs_for_caller.attempts,
  background_jobs_for_caller.max_attempts,
  background_jobs_for_caller.run_at,
  background_jobs_for_caller.last_error,
  background_jobs_for_caller.errors,
  background_jobs_for_caller.result,
  background_jobs_for_caller.created_at,
  background_jobs_for_caller.started_at,
  background_jobs_for_caller.finished_at
from
  private.background_jobs_for_caller()
    as background_jobs_for_caller (
      id,
      organization_id,
      kind,
      status,
      attempts,
      max_attempts,
      run_at,
      last_error,
      errors,
      result,
      created_at,
      started_at,
      finished_at
    );
revoke all on table public.background_jobs from public, anon, authenticated, service_role;
grant select on table public.background_jobs to authenticated;
grant select on table public.background_jobs to service_role;

-- Every job, runnable (queue.job_queue) and finished (queue.job_history), as one relation with
-- the columns the single table had: for operators' SQL and the tests. Not exposed.
create or replace view queue.all_jobs with (security_invoker = true) as
select
  j.id,
  j.organization_id,
  j.kind,
  j.payload,
  j.priority,
  j.run_at,
  j.status,
  j.attempts,
  j.max_attempts,
  j.lease_owner,
  j.lease_expires_at,
  j.last_error,
  null::jsonb as result,
  j.dedupe_key,
  j.created_at,
  null::timestamp with time zone as finished_at,
  j.progress,
  j.errors,
  j.started_at
from queue.job_queue as j
union all
select
  h.id,
  h.organization_id,
  h.kind,
  h.payload,
  h.priority,
  h.run_at,
  h.status,
  h.attempts,
  h.max_attempts,
  null::text as lease_owner,
  null::timestamp with time zone as lease_expires_at,
  h.last_error,
  h.result,
  h.dedupe_key,
  h.created_at,
  h.finished_at,
  h.progress,
  h.errors,
  h.started_at
from queue.job_history as h;
revoke all on table queue.all_jobs from public, anon, authenticated, service_role;
