-- Claims that one tenant cannot turn against the others. Fairness was per organization, and
-- organizations are free: three throwaway trials took all 16 claim slots. Organizations on the
-- trial plan now share one pool of running jobs (queue.settings.trial_running_limit) on top of
-- the per-organization cap, so paying tenants always find capacity however many trials exist.
-- And a suspended organization's jobs wait (they run again on reactivation), while a cancelled
-- or deleted organization's jobs are cancelled: neither sends anything.

alter table queue.settings add column trial_running_limit integer not null default 4
check (trial_running_limit > 0);
comment on column queue.settings.trial_running_limit is
'Running jobs that all organizations on the trial plan may have together, across every worker.';

-- Cancels the waiting jobs of an organization that was cancelled or deleted.
create or replace function private.cancel_jobs_of_closed_organization() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (new.status = 'cancelled' and old.status <> 'cancelled')
     or (new.deleted_at is not null and old.deleted_at is null) then
    update queue.job_queue as j
    set status = 'cancelled', finished_at = now(), updated_at = now()
    where j.organization_id = new.id and j.status in ('queued', 'retrying');
  end if;
  return null;
end
$$;
revoke all on function private.cancel_jobs_of_closed_organization() from public;

create trigger organizations_cancel_jobs
after update of status, deleted_at on public.organizations
for each row execute function private.cancel_jobs_of_closed_organization();

-- Claims up to batch_size ready jobs for a worker (see the first version). With
-- per_organization_limit, no organization has more than that many running, all trial
-- organizations together no more than queue.settings.trial_running_limit, and jobs of
-- suspended organizations are left waiting.
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
begin
  if batch_size < 1 or lease <= interval '0' or per_organization_limit < 1 then
    raise exception 'claim needs batch_size >= 1, a positive lease and per_organization_limit >= 1'
    using errcode = '22023';
  end if;
  perform queue.reap_expired_leases();
  return query
  with running as (
    select j.organization_id, count(*) as jobs, bool_or(o.plan_id = 'trial') as trial
    from queue.job_queue as j
    inner join public.organizations as o on j.organization_id = o.id
    where per_organization_limit is not null and j.status = 'running'
    group by j.organization_id
  ),
  trial_running as (
    select coalesce(sum(r.jobs), 0) as jobs from running as r where r.trial
  ),
  candidates as (
    select j.id, j.organization_id, j.priority, j.run_at, coalesce(o.plan_id = 'trial', false) as trial
    from queue.job_queue as j
    left join public.organizations as o on j.organization_id = o.id
    where
      j.status in ('queued', 'retrying')
      and j.run_at <= now()
      and (kinds is null or j.kind = any(kinds))
      -- A suspended organization's jobs wait; nothing is sent on its behalf.
      and (j.organization_id is null or (o.status not in ('suspended', 'cancelled') and o.deleted_at is null))
      and (
        per_organization_limit is null
        or j.organization_id is null
        or (
          j.organization_id not in (
            select r.organization_id from running as r where r.jobs >= per_organization_limit
          )
          and (o.plan_id <> 'trial' or (select t.jobs from trial_running as t) < trial_limit)
        )
      )
    order by j.priority, j.run_at
    -- Look past the batch when capping so capped organizations' jobs leave room for others.
    limit batch_size * (case when per_organization_limit is null then 1 else 4 end)
    for update of j skip locked
  ),
  ranked as (
    select
      c.id,
      c.priority,
      c.run_at,
      c.organization_id,
      c.trial,
      row_number() over (partition by c.organization_id order by c.priority, c.run_at) as position,
      row_number() over (partition by c.trial order by c.priority, c.run_at) as trial_position
    from candidates as c
  ),
  chosen as (
    select r.id from ranked as r
    left join running on r.organization_id = running.organization_id
    where
      per_organization_limit is null
      or r.organization_id is null
      or (
        r.position + coalesce(running.jobs, 0) <= per_organization_limit
        and (not r.trial or r.trial_position + (select t.jobs from trial_running as t) <= trial_limit)
      )
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
