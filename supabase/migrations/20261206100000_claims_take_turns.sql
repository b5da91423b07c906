-- Claims that always make progress and let organizations take turns.
--
-- The claim of 20261123040600 ranked its candidates twice, once per organization (the cap) and
-- once across all trial organizations (the shared pool), each ordered by (priority, run_at)
-- alone. Jobs queued by one statement share run_at, the two window sorts broke those ties
-- differently, and no row was both first in its organization and first in the pool: claims
-- returned nothing with hundreds of trial jobs ready, until something changed run_at. The same
-- ranking gave the pool's places to the oldest trial jobs whoever owned them, so one trial
-- organization's backlog (a hundred webhooks to a hanging receiver) held a new company's first
-- invitation for as long as the backlog lasted.
--
-- Now there is one total order, (turn, priority, run_at, id), where a job's turn is its place
-- among its own organization's ready jobs. Every organization's first job comes before anyone's
-- second, so a job waits behind at most one job of each other organization per turn, and every
-- limit is a prefix of that one order: the first job the pool accepts is always also the first
-- of its organization, and a claim with ready jobs and free capacity returns at least one.
-- Platform jobs (no organization) take their turns as one group, uncapped as before.
--
-- The organizations with waiting jobs are found by a loose index scan (one index probe each)
-- over an index that holds only waiting jobs; it replaces job_queue_claim_idx, so queueing a job
-- writes no more index entries than before.

create index job_queue_waiting_idx on queue.job_queue (organization_id, priority, run_at, id)
where status in ('queued', 'retrying');
drop index queue.job_queue_claim_idx;

-- Claims up to batch_size ready jobs for a worker, organizations taking turns. With
-- per_organization_limit, no organization has more than that many running, all trial
-- organizations together no more than queue.settings.trial_running_limit, and jobs of
-- suspended organizations are left waiting. Rows are returned in claim order.
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
  perform queue.reap_expired_leases();

  trial_free := case
    when per_organization_limit is null then batch_size
    else greatest(0, trial_limit - (
      select count(*)::integer
      from queue.job_queue as j
      inner join public.organizations as o on j.organization_id = o.id
      where j.status = 'running' and o.plan_id = 'trial'
    ))
  end;
  -- The organizations with waiting jobs, one index probe each (a loose index scan), and how
  -- many jobs each may start now.
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
  ),
  running as (
    select j.organization_id, count(*)::integer as jobs
    from queue.job_queue as j
    where per_organization_limit is not null and j.status = 'running' and j.organization_id is not null
    group by j.organization_id
  )
  select
    coalesce(array_agg(w.organization_id), '{}'),
    coalesce(array_agg(o.plan_id = 'trial'), '{}'),
    coalesce(array_agg(
      case
        when per_organization_limit is null then batch_size
        when o.plan_id = 'trial' then greatest(0, least(batch_size, trial_free, per_organization_limit - coalesce(r.jobs, 0)))
        else greatest(0, least(batch_size, per_organization_limit - coalesce(r.jobs, 0)))
      end
    ), '{}')
  into group_ids, group_trial, group_slots
  from waiting as w
  inner join public.organizations as o on w.organization_id = o.id
  left join running as r on w.organization_id = r.organization_id
  -- A suspended organization's jobs wait; nothing is sent on its behalf.
  where o.status not in ('suspended', 'cancelled') and o.deleted_at is null;

  -- With at least as many groups (platform jobs are one more) as places, nobody's second job
  -- can be reached, so each group offers one.
  places_each := case when cardinality(group_ids) + 1 >= batch_size then 1 else batch_size end;

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
      started_at = now(),
      updated_at = now()
    from chosen
    where j.id = chosen.id
    returning j.*
  )
  select claimed.* from claimed inner join chosen on claimed.id = chosen.id order by chosen.place;
end
$$;
revoke all on function queue.claim(text, text[], integer, interval, integer) from public;
grant execute on function queue.claim(text, text[], integer, interval, integer) to fieldbase_worker;

-- What waits and why, for the worker's stall check and platform diagnostics: jobs ready to run
-- now (their organization active), those of them a claim with this per-organization limit may
-- take (organization under its cap, trial pool not full), the running jobs, and the oldest ready
-- job's run_at. Counts only, no payloads.
create or replace function queue.ready_backlog(
  kinds text[] default null,
  per_organization_limit integer default null
) returns table (ready bigint, claimable bigint, running bigint, oldest_ready_at timestamptz)
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
      and (j.organization_id is null or (o.status not in ('suspended', 'cancelled') and o.deleted_at is null))
  )
  select
    (select count(*) from ready),
    (select count(*) from ready as r where r.claimable),
    (select coalesce(sum(r.jobs), 0)::bigint from running as r),
    (select min(r.run_at) from ready as r)
$$;
revoke all on function queue.ready_backlog(text[], integer) from public;
grant execute on function queue.ready_backlog(text[], integer) to fieldbase_worker;

-- Platform diagnostics gain the ready backlog: jobs ready to run that no worker has taken and
-- how long the oldest has waited, so a stalled queue is seen by staff before a customer asks.
create or replace function private.platform_diagnostics() returns table (
  section text, name text, value numeric, detail jsonb
)
language plpgsql stable security definer
set search_path = ''
as $$
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
  from queue.job_queue as j
  where j.status in ('queued', 'running', 'retrying', 'dead')
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
  select 'cron_failures'::text, coalesce(j.jobname::text, d.jobid::text), count(*)::numeric,
    jsonb_build_object('last_message', max(d.return_message))
  from cron.job_run_details as d
  left join cron.job as j on d.jobid = j.jobid
  where d.status = 'failed' and d.start_time > now() - interval '1 day'
  group by j.jobname, d.jobid;
end
$$;
revoke execute on function private.platform_diagnostics() from public;
grant execute on function private.platform_diagnostics() to authenticated, service_role;

comment on view public.platform_diagnostics is
'Connections, slowest statements, queue depth, the ready backlog (jobs ready that no worker has '
'taken, and the oldest one''s wait) and recent cron failures, for platform staff; everyone else '
'sees no rows.';
comment on column public.platform_diagnostics.section is
'connections, slow_statements, queue_depth, queue_ready or cron_failures.';
