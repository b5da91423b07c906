-- Health for load balancers and status pages (anyone), and diagnostics for platform staff.

-- Says the API and database answer; exposes no data.
create or replace function public.health() returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('status', 'ok', 'time', now())
$$;
revoke execute on function public.health() from public;
grant execute on function public.health() to anon, authenticated, service_role;

-- Connections, slowest statements, queue depth and recent cron failures: staff only (an
-- empty result for everyone else).
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

create view public.platform_diagnostics with (security_invoker = true) as
select
  d.section,
  d.name,
  d.value,
  d.detail
from private.platform_diagnostics() as d;

revoke all on table public.platform_diagnostics from anon, authenticated;
grant select on table public.platform_diagnostics to authenticated;
