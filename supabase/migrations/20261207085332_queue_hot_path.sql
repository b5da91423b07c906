-- queue_hot_path
-- The queue's tables redesigned for the claim-and-finish path (issue 27). Measured before: no
-- update was HOT (status and the lease were indexed), so claim and complete each rewrote the
-- wide row and all seven indexes; finished jobs stayed in the table every claim scans; and the
-- per-organization cap counted (and locked around) running rows on every claim.
--
-- After:
-- - queue.job_queue holds only jobs that can still run (queued, retrying, running). Its
--   indexes cover columns claim, heartbeat and complete never change, and its pages keep room
--   for the new row version (fillfactor 40), so a claim is a HOT update.
-- - queue.job_history holds finished jobs (succeeded, dead, cancelled). complete, fail,
--   cancel and the lease reaper move jobs there in the statement that finishes them.
-- - queue.organization_running_jobs counts each organization's running jobs, kept by statement
--   triggers on the hot table, so a claim reads the cap without touching other jobs' rows.
--
-- Jobs queued or running when this runs keep their ids, leases and attempts: a worker that
-- claimed a job before the migration completes it after (the functions in the same file
-- below take over by name), in the one transaction this file runs in.

-- Wait for a busy table at most this long rather than queue every query behind the change.
set local lock_timeout = '5s';

-- No primary key: ids are unique because the hot table's identity hands them out, and a btree
-- entry per finished job was a tenth of the queue's WAL. Rows arrive in nearly ascending id
-- order, so a block range index finds one by id in a few pages.
create table queue.job_history (
  id bigint not null,
  organization_id uuid,
  kind text not null,
  payload jsonb not null default '{}'::jsonb,
  priority smallint not null default 100,
  run_at timestamp with time zone not null default now(),
  status queue.job_status not null check (status in ('succeeded', 'dead', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 10,
  last_error text,
  result jsonb,
  dedupe_key text,
  created_at timestamp with time zone not null default now(),
  started_at timestamp with time zone,
  finished_at timestamp with time zone not null default now(),
  progress jsonb not null default '{}'::jsonb,
  errors jsonb not null default '[]'::jsonb
);
comment on table queue.job_history is
'Finished jobs (succeeded, dead, cancelled), moved from queue.job_queue as they finish; purged '
'after queue.settings retention. Not foreign-keyed to organizations (the check would lock the '
'organization row per job); an organization''s history goes with it by trigger.';
alter table queue.job_history enable row level security;
-- Autosummarized: ranges not yet summarized are read whole by every lookup (one job by id
-- right after 50,000 finished read 884 pages, 2.4 ms; 7 pages once autovacuum summarized them).
create index job_history_id_idx on queue.job_history using brin (id)
with (pages_per_range = 8, autosummarize = on);
-- The owners' and admins' job list, and the cascade when an organization is deleted.
create index job_history_organization_idx on queue.job_history (organization_id, id)
where organization_id is not null;
-- Retention purges by age; rows arrive in finishing order, so a block range index suffices.
create index job_history_finished_at_idx on queue.job_history using brin (finished_at);
-- Dead jobs, for the diagnostics' counts and retries (a history row never changes status).
create index job_history_dead_idx on queue.job_history (kind) where status = 'dead';

insert into queue.job_history (
  id, organization_id, kind, payload, priority, run_at, status, attempts, max_attempts,
  last_error, result, dedupe_key, created_at, started_at, finished_at, progress, errors
)
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
  j.last_error,
  j.result,
  j.dedupe_key,
  j.created_at,
  j.started_at,
  coalesce(j.finished_at, j.updated_at) as finished_at,
  j.progress,
  j.errors
from queue.job_queue as j
where j.status in ('succeeded', 'dead', 'cancelled')
order by j.id;

-- The unfinished jobs, kept while the hot table is rebuilt.
create table queue.job_queue_carried_over as
select * from queue.job_queue
where status in ('queued', 'retrying', 'running');
create table queue.job_queue_carried_over_id as
select s.last_value from queue.job_queue_id_seq as s;

-- claim returns rows of the table, so it goes with it (the functions below create it again).
drop function queue.claim(
  worker_id text, kinds text[], batch_size integer, lease interval, per_organization_limit integer
);
drop table queue.job_queue;

-- The columns a claim, heartbeat and complete write come last and together: a HOT update's WAL
-- record keeps only the bytes between the unchanged prefix and suffix of the row.
create table queue.job_queue (
  id bigint generated always as identity primary key,
  -- The tenant the job works for (null for platform jobs).
  organization_id uuid references public.organizations (id) on delete cascade,
  -- What to do: 'email.invitation', 'pdf.invoice', 'webhook.deliver', ...
  kind text not null check (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  -- Lower runs first.
  priority smallint not null default 100,
  run_at timestamp with time zone not null default now(),
  max_attempts integer not null default 10 check (max_attempts between 1 and 100),
  created_at timestamp with time zone not null default now(),
  -- At most one unfinished job per dedupe key.
  dedupe_key text,
  payload jsonb not null default '{}'::jsonb check (jsonb_typeof(payload) = 'object'),
  progress jsonb not null default '{}'::jsonb,
  errors jsonb not null default '[]'::jsonb,
  last_error text,
  status queue.job_status not null default 'queued'
  constraint job_queue_unfinished_check check (status in ('queued', 'retrying', 'running')),
  attempts integer not null default 0,
  started_at timestamp with time zone,
  lease_expires_at timestamp with time zone,
  lease_owner text
)
-- Room on each page for every row's claimed version: HOT needs it on the same page (at 50, one
-- claim in six still moved to another page). The table is small (runnable jobs only) and
-- churns, so vacuum it often. No updated_at: started_at, the lease and the history's
-- finished_at say when a job changed, and every byte here is written again by each claim.
with (
  fillfactor = 40,
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_insert_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.05
);
comment on table queue.job_queue is
'Jobs that can still run (queued, retrying, running); finished ones are in queue.job_history.';
alter table queue.job_queue enable row level security;

insert into queue.job_queue (
  id, organization_id, kind, priority, run_at, max_attempts, created_at, dedupe_key, payload,
  progress, errors, last_error, status, attempts, started_at, lease_expires_at, lease_owner
)
overriding system value
select
  c.id,
  c.organization_id,
  c.kind,
  c.priority,
  c.run_at,
  c.max_attempts,
  c.created_at,
  c.dedupe_key,
  c.payload,
  c.progress,
  c.errors,
  c.last_error,
  c.status,
  c.attempts,
  c.started_at,
  c.lease_expires_at,
  c.lease_owner
from queue.job_queue_carried_over as c;
-- New ids continue after every id the old table handed out (history rows keep theirs).
select setval(
  pg_get_serial_sequence('queue.job_queue', 'id'),
  (select c.last_value from queue.job_queue_carried_over_id as c)
);
drop table queue.job_queue_carried_over;
drop table queue.job_queue_carried_over_id;

-- None of these columns changes when a job is claimed, heartbeated or completed. Running jobs
-- stay in the claim indexes; a claim steps over them (at most the workers' concurrency and
-- local queues).
create unique index job_queue_dedupe_key_idx on queue.job_queue (dedupe_key)
where dedupe_key is not null;
-- One index per kind of claim, partial, so that no claim can use the other's: the hot table's
-- statistics are nearly always stale (it fills and drains between autovacuum's visits), and
-- with both in one index a platform claim behind 50,000 jobs read them all through it and
-- sorted them (30 ms) instead of walking its own index in order (1 ms).
create index job_queue_waiting_idx on queue.job_queue (organization_id, priority, run_at, id)
where organization_id is not null;
create index job_queue_waiting_platform_idx on queue.job_queue (priority, run_at, id)
where organization_id is null;

create table queue.organization_running_jobs (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  running integer not null default 0
);
comment on table queue.organization_running_jobs is
'Running jobs per organization, kept by statement triggers on queue.job_queue: the claim''s '
'per-organization cap and trial pool read it instead of counting and locking job rows.';
alter table queue.organization_running_jobs enable row level security;
insert into queue.organization_running_jobs (organization_id, running)
select
  j.organization_id,
  count(*)::integer as running
from queue.job_queue as j
where j.status = 'running' and j.organization_id is not null
group by j.organization_id;

-- Generated by `scripts/db diff` (pg-delta) from supabase/current/ and supabase/policies/.
-- The queue's functions for the hot table and the history (see the table changes above):
-- complete, fail, cancel and the reaper move finished jobs to queue.job_history in the
-- statement that finishes them; claim reads running counts from queue.organization_running_jobs
-- and no longer reaps (workers reap with their heartbeats, pg_cron every minute); retry_dead
-- moves a dead job back; the admin view and retry read both tables.
-- The statements are pg-delta's, as it prints them: sqlfluff leaves them alone.
-- noqa: disable=all

-- Wait for a busy table at most this long rather than queue every query behind the change.
set local lock_timeout = '5s';

SET local check_function_bodies = off;

DROP FUNCTION "queue"."reap_expired_leases"();

CREATE OR REPLACE FUNCTION private.background_jobs_for_caller()
  RETURNS TABLE (
    id              bigint,
    organization_id uuid,
    kind            text,
    status          queue.job_status,
    attempts        integer,
    max_attempts    integer,
    run_at          timestamp with time zone,
    last_error      text,
    errors          jsonb,
    result          jsonb,
    created_at      timestamp with time zone,
    started_at      timestamp with time zone,
    finished_at     timestamp with time zone
  )
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION private.cancel_jobs_of_closed_organization()
  RETURNS TRIGGER
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION private.delete_job_history_of_deleted_organizations()
  RETURNS TRIGGER
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
begin
  delete from queue.job_history as h
  where h.organization_id in (select o.id from old_rows as o);
  return null;
end
$function$;

CREATE OR REPLACE FUNCTION private.hold_purge (
  organization_id uuid,
  hold            boolean,
  reason          text
)
  RETURNS public.organizations
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
declare
  target public.organizations;
begin
  perform private.authorize_staff(
    '{billing,admin}', 'hold_purge', organization_id, reason, jsonb_build_object('hold', hold)
  );
  update public.organizations as o
  set
    purge_held_by = case when hold then (select auth.uid()) end,
    purge_hold_reason = case when hold then left(btrim(reason), 500) end
  where o.id = organization_id
  returning * into target;
  if target.id is null then
    raise exception 'No such organization' using errcode = 'PT404';
  end if;
  if hold then
    perform queue.cancel_jobs(
      array(select j.id from queue.job_queue as j where j.dedupe_key = 'purge:' || target.id),
      '{queued,retrying}'
    );
  end if;
  return target;
end
$function$;

CREATE OR REPLACE FUNCTION private.platform_diagnostics()
  RETURNS TABLE (
    section text,
    name    text,
    value   numeric,
    detail  jsonb
  )
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
begin
  if not (private.is_platform_staff() or (select auth.role()) = 'service_role') then
    return;
  end if;
  return query
  select 'connections'::text, coalesce(a.state, 'background')::text, count(*)::numeric, '{}'::jsonb
  from pg_catalog.pg_stat_activity as a
  where a.datname = current_database()
  group by a.state;

  return query
  select 'slow_statements'::text, left(s.query, 120)::text, round(s.mean_exec_time::numeric, 2),
    jsonb_build_object('calls', s.calls, 'total_ms', round(s.total_exec_time::numeric, 1))
  from extensions.pg_stat_statements as s
  order by s.mean_exec_time desc
  limit 10;

  return query
  select 'queue_depth'::text, (j.kind || ':' || j.status::text)::text, count(*)::numeric, '{}'::jsonb
  from (
    select q.kind, q.status from queue.job_queue as q
    union all
    select h.kind, h.status from queue.job_history as h where h.status = 'dead'
  ) as j
  group by j.kind, j.status;

  return query
  select 'queue_ready'::text, v.name, v.value, v.detail
  from queue.ready_backlog() as b
  cross join lateral (
    values
      ('ready_unclaimed'::text, b.ready::numeric,
        jsonb_build_object('running', b.running, 'oldest_ready_at', b.oldest_ready_at)),
      ('oldest_ready_seconds', coalesce(round(extract(epoch from now() - b.oldest_ready_at)::numeric, 1), 0),
        '{}'::jsonb)
  ) as v (name, value, detail);

  return query
  select 'readiness'::text, r.item, case when r.ok then 1 else 0 end::numeric,
    jsonb_build_object(
      'level', case when r.ok then 'ok' else 'warning' end, 'detail', r.detail, 'remedy', r.remedy
    )
  from private.readiness_report() as r;

  return query
  select 'cron_failures'::text, coalesce(j.jobname::text, d.jobid::text), count(*)::numeric,
    jsonb_build_object('last_message', max(d.return_message))
  from cron.job_run_details as d
  left join cron.job as j on d.jobid = j.jobid
  where d.status = 'failed' and d.start_time > now() - interval '1 day'
  group by j.jobname, d.jobid;
end
$function$;

CREATE OR REPLACE FUNCTION private.retry_job (
  job_id bigint
)
  RETURNS void
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
declare
  job record;
begin
  select j.status, j.organization_id, j.kind into job
  from (
    select q.id, q.status, q.organization_id, q.kind from queue.job_queue as q
    union all
    select h.id, h.status, h.organization_id, h.kind from queue.job_history as h
  ) as j
  where j.id = job_id and j.organization_id in (select private.organization_ids_for('{owner,admin}'));
  if job.status is null then
    raise exception 'Job % was not found', job_id using errcode = 'PT404';
  end if;
  perform private.authorize(job.organization_id, '{owner,admin}', 'Only owners and admins can retry jobs');
  if job.status <> 'dead' then
    raise exception 'Only failed (dead) jobs can be retried; this one is %', job.status
    using errcode = 'PT409';
  end if;
  perform queue.retry_dead(job_id);
  perform private.audit_call(
    job.organization_id, 'retry_job', job_id::text, jsonb_build_object('kind', job.kind)
  );
end
$function$;

CREATE OR REPLACE FUNCTION private.withdraw_invitations (
  invitation_ids uuid[]
)
  RETURNS void
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  update public.invitations as i set revoked_at = now()
  where i.id = any(invitation_ids) and i.accepted_at is null and i.revoked_at is null;
  select queue.cancel_jobs(
    array(
      select j.id from queue.job_queue as j
      where j.dedupe_key = any(array(select 'invitation:' || i::text from unnest(invitation_ids) as i))
    ),
    '{queued,retrying}'
  );
$function$;

CREATE OR REPLACE FUNCTION queue.cancel (
  job_id bigint
)
  RETURNS boolean
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  select exists (select from queue.cancel_jobs(array[job_id], '{queued,retrying,running}'))
$function$;

CREATE OR REPLACE FUNCTION queue.cancel_jobs (
  job_ids  bigint[],
  statuses queue.job_status[]
)
  RETURNS SETOF bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  select queue.move_to_history(
    'cancelled',
    (select coalesce(jsonb_agg(jsonb_build_object('id', i.id)), '[]'::jsonb) from unnest(job_ids) as i (id)),
    null,
    statuses
  )
$function$;

CREATE OR REPLACE FUNCTION queue.claim (
  worker_id              text,
  kinds                  text[],
  batch_size             integer  DEFAULT 10,
  lease                  interval DEFAULT '00:00:30'::interval,
  per_organization_limit integer  DEFAULT NULL::integer
)
  RETURNS SETOF queue.job_queue
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.complete (
  worker_id   text,
  completions jsonb
)
  RETURNS SETOF bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  select queue.move_to_history('succeeded', completions, worker_id, '{running}')
$function$;

CREATE OR REPLACE FUNCTION queue.count_running_jobs()
  RETURNS TRIGGER
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
begin
  if tg_op = 'INSERT' then
    insert into queue.organization_running_jobs as c (organization_id, running)
    select n.organization_id, count(*)::integer
    from new_rows as n
    where n.status = 'running' and n.organization_id is not null
    group by n.organization_id
    order by n.organization_id
    on conflict (organization_id) do update set running = c.running + excluded.running;
  elsif tg_op = 'DELETE' then
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
$function$;

CREATE OR REPLACE FUNCTION queue.enqueue (
  kind            text,
  payload         jsonb,
  organization_id uuid                     DEFAULT NULL::uuid,
  dedupe_key      text                     DEFAULT NULL::text,
  run_at          timestamp with time zone DEFAULT now(),
  priority        smallint                 DEFAULT 100,
  max_attempts    integer                  DEFAULT NULL::integer
)
  RETURNS bigint
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.enqueue_follow_ups (
  worker_id  text,
  job_id     bigint,
  follow_ups jsonb
)
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.fail (
  worker_id text,
  failures  jsonb
)
  RETURNS TABLE (
    id     bigint,
    status queue.job_status,
    run_at timestamp with time zone
  )
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.heartbeat (
  worker_id text,
  job_ids   bigint[],
  lease     interval DEFAULT '00:00:30'::interval
)
  RETURNS SETOF bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  update queue.job_queue as j
  set lease_expires_at = now() + lease
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$function$;

CREATE OR REPLACE FUNCTION queue.move_to_history (
  outcome  queue.job_status,
  finished jsonb,
  holder   text,
  statuses queue.job_status[]
)
  RETURNS SETOF bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.purge_finished()
  RETURNS integer
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  with purged as (
    delete from queue.job_history as h
    using queue.settings as s
    where
      (h.status in ('succeeded', 'cancelled') and h.finished_at < now() - s.succeeded_retention)
      or (h.status = 'dead' and h.finished_at < now() - s.dead_retention)
    returning 1
  )
  select count(*)::integer from purged
$function$;

CREATE OR REPLACE FUNCTION queue.reap_expired_leases()
  RETURNS integer
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.release (
  worker_id text,
  job_ids   bigint[]
)
  RETURNS SETOF bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  update queue.job_queue as j
  set
    status = case when j.attempts > 1 then 'retrying' else 'queued' end::queue.job_status,
    attempts = j.attempts - 1,
    lease_owner = null,
    lease_expires_at = null
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$function$;

CREATE OR REPLACE FUNCTION queue.retry_dead (
  job_id bigint
)
  RETURNS boolean
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION queue.save_progress (
  worker_id text,
  job_id    bigint,
  progress  jsonb
)
  RETURNS boolean
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path TO ''
  AS $function$
  with saved as (
    update queue.job_queue as j
    set progress = j.progress || save_progress.progress
    where j.id = job_id and j.status = 'running' and j.lease_owner = worker_id
    returning 1
  )
  select exists (select from saved)
$function$;

CREATE VIEW "queue"."all_jobs" WITH (security_invoker=true) AS  SELECT j.id,
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
    NULL::jsonb AS result,
    j.dedupe_key,
    j.created_at,
    NULL::timestamp with time zone AS finished_at,
    j.progress,
    j.errors,
    j.started_at
   FROM queue.job_queue j
UNION ALL
 SELECT h.id,
    h.organization_id,
    h.kind,
    h.payload,
    h.priority,
    h.run_at,
    h.status,
    h.attempts,
    h.max_attempts,
    NULL::text AS lease_owner,
    NULL::timestamp with time zone AS lease_expires_at,
    h.last_error,
    h.result,
    h.dedupe_key,
    h.created_at,
    h.finished_at,
    h.progress,
    h.errors,
    h.started_at
   FROM queue.job_history h;

CREATE TRIGGER organizations_delete_job_history
  AFTER DELETE ON public.organizations REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION private.delete_job_history_of_deleted_organizations();

CREATE TRIGGER count_running_jobs_delete
  AFTER DELETE ON queue.job_queue REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION queue.count_running_jobs();

CREATE TRIGGER count_running_jobs_insert
  AFTER INSERT ON queue.job_queue REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION queue.count_running_jobs();

CREATE TRIGGER count_running_jobs_update
  AFTER UPDATE ON queue.job_queue REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION queue.count_running_jobs();

REVOKE ALL ON FUNCTION "private"."delete_job_history_of_deleted_organizations"() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION "private"."delete_job_history_of_deleted_organizations"() TO "postgres";

REVOKE ALL ON FUNCTION "queue"."cancel_jobs"(bigint[], queue.job_status[]) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION "queue"."cancel_jobs"(bigint[], queue.job_status[]) TO "postgres";

REVOKE ALL ON FUNCTION "queue"."claim"(text, text[], integer, interval, integer) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION "queue"."claim"(text, text[], integer, interval, integer) TO "fieldbase_worker", "postgres";

REVOKE ALL ON FUNCTION "queue"."count_running_jobs"() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION "queue"."count_running_jobs"() TO "postgres";

REVOKE ALL ON FUNCTION "queue"."move_to_history"(queue.job_status, jsonb, text, queue.job_status[]) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION "queue"."move_to_history"(queue.job_status, jsonb, text, queue.job_status[]) TO "postgres";

REVOKE ALL ON FUNCTION "queue"."reap_expired_leases"() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION "queue"."reap_expired_leases"() TO "fieldbase_worker", "postgres";

GRANT DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE "queue"."all_jobs" TO "postgres";

-- The privileges as supabase/current/ states them, whatever the project's default privileges.
revoke all on function private.withdraw_invitations(invitation_ids uuid[]) from public, anon, authenticated, service_role;
revoke all on function private.retry_job(job_id bigint) from public, anon, authenticated, service_role;
grant execute on function private.retry_job(job_id bigint) to authenticated;
revoke all on function private.platform_diagnostics() from public, anon, authenticated, service_role;
grant execute on function private.platform_diagnostics() to authenticated, service_role;
revoke all on function queue.enqueue( kind text, payload jsonb, organization_id uuid, dedupe_key text, run_at timestamp with time zone, priority smallint, max_attempts integer ) from public, anon, authenticated, service_role;
grant execute on function queue.enqueue( kind text, payload jsonb, organization_id uuid, dedupe_key text, run_at timestamp with time zone, priority smallint, max_attempts integer ) to fieldbase_worker;
revoke all on function private.background_jobs_for_caller() from public, anon, authenticated, service_role;
grant execute on function private.background_jobs_for_caller() to authenticated;
revoke all on function queue.cancel(job_id bigint) from public, anon, authenticated, service_role;
revoke all on function queue.cancel_jobs(job_ids bigint[], statuses queue.job_status[]) from public, anon, authenticated, service_role;
revoke all on function queue.move_to_history( outcome queue.job_status, finished jsonb, holder text, statuses queue.job_status[] ) from public, anon, authenticated, service_role;
revoke all on function queue.claim( worker_id text, kinds text[], batch_size integer, lease interval, per_organization_limit integer ) from public, anon, authenticated, service_role;
grant execute on function queue.claim( worker_id text, kinds text[], batch_size integer, lease interval, per_organization_limit integer ) to fieldbase_worker;
revoke all on function queue.complete(worker_id text, completions jsonb) from public, anon, authenticated, service_role;
grant execute on function queue.complete(worker_id text, completions jsonb) to fieldbase_worker;
revoke all on function queue.fail(worker_id text, failures jsonb) from public, anon, authenticated, service_role;
grant execute on function queue.fail(worker_id text, failures jsonb) to fieldbase_worker;
revoke all on function queue.heartbeat(worker_id text, job_ids bigint[], lease interval) from public, anon, authenticated, service_role;
grant execute on function queue.heartbeat(worker_id text, job_ids bigint[], lease interval) to fieldbase_worker;
revoke all on function queue.purge_finished() from public, anon, authenticated, service_role;
revoke all on function queue.reap_expired_leases() from public, anon, authenticated, service_role;
grant execute on function queue.reap_expired_leases() to fieldbase_worker;
revoke all on function queue.release(worker_id text, job_ids bigint[]) from public, anon, authenticated, service_role;
grant execute on function queue.release(worker_id text, job_ids bigint[]) to fieldbase_worker;
revoke all on function queue.retry_dead(job_id bigint) from public, anon, authenticated, service_role;
revoke all on function queue.save_progress(worker_id text, job_id bigint, progress jsonb) from public, anon, authenticated, service_role;
grant execute on function queue.save_progress(worker_id text, job_id bigint, progress jsonb) to fieldbase_worker;
revoke all on function private.cancel_jobs_of_closed_organization() from public, anon, authenticated, service_role;
revoke all on function queue.count_running_jobs() from public, anon, authenticated, service_role;
revoke all on function private.delete_job_history_of_deleted_organizations() from public, anon, authenticated, service_role;
revoke all on function queue.enqueue_follow_ups(worker_id text, job_id bigint, follow_ups jsonb) from public, anon, authenticated, service_role;
grant execute on function queue.enqueue_follow_ups(worker_id text, job_id bigint, follow_ups jsonb) to fieldbase_worker;
revoke all on function private.hold_purge(organization_id uuid, hold boolean, reason text) from public, anon, authenticated, service_role;
grant execute on function private.hold_purge(organization_id uuid, hold boolean, reason text) to authenticated;
