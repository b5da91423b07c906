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
  set progress = j.progress || '{"follow_ups_queued": true}'::jsonb, updated_at = now()
  where j.id = parent.id;
  return jsonb_array_length(follow_ups);
end
$$;
revoke all on function queue.enqueue_follow_ups(text, bigint, jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.enqueue_follow_ups(text, bigint, jsonb) to fieldbase_worker;
