-- A hosted project is never silently unprotected. What a DBA must set up by hand after
-- `supabase db push` (the rate limiter's counting connection, the worker's password) and what
-- the dashboard can undo (the access-token hook's grants, a cron job, the Realtime publication,
-- the documents bucket) is checked in one place: scripts/doctor prints it, one line per item with
-- what to do, and platform_diagnostics shows it to platform staff, the limiter's being off as a
-- warning rather than a log line nobody reads.

-- Exports are CSV files in the documents bucket, up to the worker's 50 MB cap: the bucket took
-- PDFs of at most 25 MB only, so Supabase Storage refused every export and every large one.
update storage.buckets
set file_size_limit = 50 * 1024 * 1024, allowed_mime_types = array['application/pdf', 'text/csv']
where id = 'documents';

-- One row per readiness item: whether it holds, what was found, and what to do when it does not.
-- Read-only: it looks, it changes nothing (the limiter's connection is tried with `select 1`,
-- which counts no request).
create or replace function private.readiness_report() returns table (
  item text, ok boolean, detail text, remedy text
)
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  conninfo text;
  expected_jobs text[] := array[
    'fieldbase-agreement-invoices', 'fieldbase-agreement-work-orders', 'fieldbase-audit-retention',
    'fieldbase-cron-history-retention', 'fieldbase-due-notices', 'fieldbase-expire-estimates',
    'fieldbase-invoice-reminders', 'fieldbase-kpis', 'fieldbase-queue-reaper',
    'fieldbase-queue-retention', 'fieldbase-rate-limit-purge', 'fieldbase-ticket-sla'
  ];
  live_tables text[] := array[
    'activity', 'notifications', 'ticket_comments', 'tickets', 'visits', 'work_orders'
  ];
  missing text[];
  failing text[];
  answer integer;
  bucket record;
begin
  -- The access-token hook: Supabase Auth (supabase_auth_admin) calls it, nobody else may.
  item := 'access_token_hook';
  if to_regprocedure('public.custom_access_token_hook(jsonb)') is null then
    ok := false;
    detail := 'public.custom_access_token_hook(jsonb) is missing';
  else
    ok := has_function_privilege('supabase_auth_admin', 'public.custom_access_token_hook(jsonb)', 'execute')
      and not has_function_privilege('anon', 'public.custom_access_token_hook(jsonb)', 'execute')
      and not has_function_privilege('authenticated', 'public.custom_access_token_hook(jsonb)', 'execute');
    detail := case when ok then 'executable by supabase_auth_admin only'
      else 'EXECUTE is not supabase_auth_admin''s alone' end;
  end if;
  remedy := 'Run the migrations (supabase db push); then enable the hook in the dashboard: '
    || 'Authentication > Hooks > Customize access token > public.custom_access_token_hook';
  return next;

  -- The rate limiter's counting connection.
  item := 'rate_limiter';
  select c.conninfo into conninfo from private.rate_limit_connection as c;
  if conninfo is null then
    ok := false;
    detail := 'private.rate_limit_connection is empty: requests are not rate limited';
  else
    begin
      select t.answer into answer
      from extensions.dblink(
        conninfo || format(' dbname=%s', quote_ident(current_database())), 'select 1'
      ) as t (answer integer);
      ok := answer = 1;
      detail := 'counting connection answers';
    exception when others then
      ok := false;
      detail := 'the counting connection fails: ' || sqlerrm;
    end;
  end if;
  remedy := 'alter role fieldbase_rate_limiter password ''...''; then insert into '
    || 'private.rate_limit_connection (id, conninfo) values (true, ''host=localhost '
    || 'user=fieldbase_rate_limiter password=...'') on conflict (id) do update set conninfo = excluded.conninfo';
  return next;

  -- The worker's role.
  item := 'worker_role';
  ok := exists (
    select from pg_catalog.pg_roles as r
    where r.rolname = 'fieldbase_worker' and r.rolcanlogin
      and (r.rolvaliduntil is null or r.rolvaliduntil > now())
  );
  detail := case when ok then 'fieldbase_worker may log in'
    else 'fieldbase_worker is missing, may not log in, or its password has expired' end;
  remedy := 'alter role fieldbase_worker with login password ''...'' valid until ''infinity''; '
    || 'give the worker FIELDBASE_WORKER_DATABASE_URL with that password';
  return next;

  -- Every scheduled job, and its last run.
  item := 'cron_jobs';
  select array_agg(e order by e) into missing
  from unnest(expected_jobs) as e
  where not exists (select from cron.job as j where j.jobname = e and j.active);
  select array_agg(j.jobname::text order by j.jobname) into failing
  from cron.job as j
  where j.jobname = any(expected_jobs)
    and (
      select d.status from cron.job_run_details as d
      where d.jobid = j.jobid order by d.start_time desc nulls last limit 1
    ) = 'failed';
  ok := missing is null and failing is null;
  detail := case when ok then cardinality(expected_jobs) || ' jobs scheduled, none failing'
    else concat_ws('; ', 'missing or inactive: ' || array_to_string(missing, ', '),
      'last run failed: ' || array_to_string(failing, ', ')) end;
  remedy := 'Run the migrations (supabase db push) on the database pg_cron runs in; read '
    || 'cron.job_run_details.return_message for a failing job';
  return next;

  -- Realtime's publication.
  item := 'realtime';
  select array_agg(t order by t) into missing
  from unnest(live_tables) as t
  where not exists (
    select from pg_catalog.pg_publication_tables as p
    where p.pubname = 'supabase_realtime' and p.schemaname = 'public' and p.tablename = t
  );
  ok := missing is null;
  detail := case when ok then 'supabase_realtime publishes ' || array_to_string(live_tables, ', ')
    else 'supabase_realtime does not publish ' || array_to_string(missing, ', ') end;
  remedy := 'alter publication supabase_realtime add table public.<table> (or Database > '
    || 'Publications in the dashboard)';
  return next;

  -- The documents bucket: private, sized for PDFs and exports.
  item := 'documents_bucket';
  select b.public, b.file_size_limit, b.allowed_mime_types into bucket
  from storage.buckets as b where b.id = 'documents';
  ok := bucket is not null and not bucket.public
    and coalesce(bucket.file_size_limit, 0) >= 50 * 1024 * 1024
    and bucket.allowed_mime_types @> array['application/pdf', 'text/csv'];
  detail := case
    when bucket is null then 'the documents bucket is missing'
    when bucket.public then 'the documents bucket is public: anyone with a path reads invoices'
    when not ok then format('limit %s bytes, types %s: PDFs and 50 MB CSV exports need more',
      bucket.file_size_limit, bucket.allowed_mime_types)
    else 'private, 50 MB, PDF and CSV' end;
  remedy := 'Run the migrations (supabase db push); in the dashboard keep the bucket private '
    || 'with a 50 MB limit and types application/pdf, text/csv';
  return next;
end
$$;
revoke all on function private.readiness_report() from public, anon, authenticated, service_role;

-- Platform diagnostics gain the readiness items (value 1 when the item holds, 0 when not, and
-- what to do in detail).
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
$$;
revoke execute on function private.platform_diagnostics() from public;
grant execute on function private.platform_diagnostics() to authenticated, service_role;

comment on view public.platform_diagnostics is
'Connections, slowest statements, queue depth, the ready backlog (jobs ready that no worker has '
'taken, and the oldest one''s wait), readiness (the rate limiter, the access-token hook, the '
'worker''s role, cron jobs, Realtime, the documents bucket: 1 when set up, 0 with what to do) '
'and recent cron failures, for platform staff; everyone else sees no rows.';
comment on column public.platform_diagnostics.section is
'connections, slow_statements, queue_depth, queue_ready, readiness or cron_failures.';
