-- A job taken back from a crashed worker (lease reaper) or handed back by a stopping one
-- (release) keeps its run_at, so it is claimed before the jobs queued after it: recovery takes
-- one lease period, not the lease plus the whole queue ahead (a soak measured 129 s behind
-- 6,000 waiting jobs with a 30 s lease). And a lease that ran out while the database itself was
-- down is not taken from its holder until it has had 15 seconds (a heartbeat) to renew it: the
-- worker was not dead, the database was, and taking the job would repeat its effect.

create or replace function queue.reap_expired_leases() returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  reaped_count integer;
begin
  -- Every claim calls this: when no lease has run out (nearly always), one index probe is all
  -- it costs (a soak's profile found the reaper taking two thirds of each claim).
  if not exists (
    select from queue.job_queue as j where j.status = 'running' and j.lease_expires_at < now()
  ) then
    return 0;
  end if;
  with expired as (
    select j.id from queue.job_queue as j
    where
      j.status = 'running' and j.lease_expires_at < now()
      and (
        j.lease_expires_at > pg_catalog.pg_postmaster_start_time()
        or now() > pg_catalog.pg_postmaster_start_time() + interval '15 seconds'
      )
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
      lease_owner = null,
      lease_expires_at = null,
      finished_at = case when j.attempts >= j.max_attempts then now() end,
      updated_at = now()
    from expired
    where j.id = expired.id
    returning 1
  )
  select count(*)::integer into reaped_count from reaped;
  return reaped_count;
end
$$;
revoke execute on function queue.reap_expired_leases() from public;

create or replace function queue.release(worker_id text, job_ids bigint[]) returns setof bigint
language sql security definer
set search_path = ''
as $$
  update queue.job_queue as j
  set
    status = case when j.attempts > 1 then 'retrying' else 'queued' end::queue.job_status,
    attempts = j.attempts - 1,
    lease_owner = null,
    lease_expires_at = null,
    updated_at = now()
  where j.id = any(job_ids) and j.status = 'running' and j.lease_owner = worker_id
  returning j.id
$$;
revoke execute on function queue.release(text, bigint[]) from public;
grant execute on function queue.release(text, bigint[]) to fieldbase_worker;
