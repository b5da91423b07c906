-- Feature flags, usage and health: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Adds to an organization's counter for the current month; returns the new value.
create or replace function private.increment_usage(organization uuid, metric text, amount bigint default 1)
returns bigint
language sql security definer
set search_path = ''
as $$
  insert into public.usage_counters as u (organization_id, metric, period, value)
  values (organization, metric, date_trunc('month', now())::date, amount)
  on conflict (organization_id, metric, period)
  do update set value = u.value + excluded.value, updated_at = now()
  returning u.value
$$;
revoke all on function private.increment_usage(organization uuid, metric text, amount bigint)
from public, anon, authenticated, service_role;

-- Is the flag on for this organization? Members (and staff) may ask; others get false.
create or replace function public.feature_enabled(flag text, organization_id uuid default null::uuid)
returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return private.feature_enabled(flag, organization_id);
end
$$;
revoke all on function public.feature_enabled(flag text, organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.feature_enabled(flag text, organization_id uuid)
to authenticated, service_role;

-- A counting session that cannot be opened or cannot count must not fail every API request (a
-- password rotated without updating private.rate_limit_connection, a host that does not answer):
-- the limiter is off for this API session, says why in the log, and tries again in 10 seconds.
-- scripts/doctor names the failure. Called only by check_request, a definer already: it runs as
-- the caller and elevates nothing itself.
create or replace function private.rate_counter_failed(reason text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if coalesce('fieldbase_rate_counter' = any(extensions.dblink_get_connections()), false) then
    perform extensions.dblink_disconnect('fieldbase_rate_counter');
  end if;
  raise log 'fieldbase: rate limiting is off for 10 seconds in this API session: %', reason;
  perform set_config(
    'fieldbase.rate_counter_retry_at', (clock_timestamp() + interval '10 seconds')::text, false
  );
end
$$;
revoke all on function private.rate_counter_failed(reason text)
from public, anon, authenticated, service_role;

-- Opens the rate limiter's counting session (dblink, as fieldbase_rate_limiter) for this API
-- session; false, with one log line per session, while private.rate_limit_connection is unset,
-- and false for 10 seconds after it failed. Called only by check_request, so not a definer.
create or replace function private.open_rate_counter()
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  conninfo text;
  failure text;
begin
  if nullif(current_setting('fieldbase.rate_counter_retry_at', true), '')::timestamptz
     > clock_timestamp() then
    return false;
  end if;
  select c.conninfo into conninfo from private.rate_limit_connection as c;
  if conninfo is null then
    if current_setting('fieldbase.rate_limit_warned', true) is null then
      raise log 'fieldbase: rate limiting is off until private.rate_limit_connection is set';
      perform set_config('fieldbase.rate_limit_warned', 'on', false);
    end if;
    return false;
  end if;
  begin
    -- A host that does not answer costs 2 seconds, not the system's TCP timeout (a
    -- connect_timeout in the DBA's conninfo wins: the last one counts).
    perform extensions.dblink_connect(
      'fieldbase_rate_counter',
      format('connect_timeout=2 %s dbname=%s', conninfo, quote_ident(current_database()))
    );
    -- Its commits do not wait for the WAL flush: on a disk that honours fsync (a project's; the
    -- local clusters run without) every API request waited for one, and a crash loses at most
    -- the last moments of a one-minute window.
    perform extensions.dblink_exec('fieldbase_rate_counter', 'set synchronous_commit = off');
    -- Parsed and planned once per session, not per request (15 of the call's 110 us here).
    perform extensions.dblink_exec(
      'fieldbase_rate_counter',
      'prepare fieldbase_count_request(text) as select private.count_request($1)'
    );
  exception when others then
    get stacked diagnostics failure = pg_exception_detail;
    perform private.rate_counter_failed(
      format('its counting connection fails: %s %s', sqlerrm, coalesce(failure, ''))
    );
    return false;
  end;
  return true;
end
$$;
revoke all on function private.open_rate_counter()
from public, anon, authenticated, service_role;

-- PostgREST's db-pre-request function: counts the request (autonomously) and refuses it with
-- 429 when over budget. Reads nothing it would have to write back, so it runs in read-only
-- transactions too.
create or replace function private.check_request()
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  -- Parsed once: auth.uid() would parse the claims again, and only anon needs the headers.
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  caller_role text := coalesce(claims ->> 'role', 'anon');
  budget integer;
  count_query text;
  used integer;
begin
  select r.requests_per_minute into budget from private.rate_limits as r where r.role = caller_role;
  if budget is null then
    return;  -- service_role and unknown roles are not limited here
  end if;
  -- The counting session (named for its setup: a session that opened the earlier one keeps it).
  if not coalesce('fieldbase_rate_counter' = any(extensions.dblink_get_connections()), false)
     and not private.open_rate_counter() then
    return;
  end if;
  -- The bucket: the verified user, or the client address Supabase's gateway saw.
  count_query := format('execute fieldbase_count_request(%L)', case
    when caller_role = 'anon' then 'ip:' || coalesce(host(private.client_address(
      coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}'::jsonb)
    )), 'unknown')
    else 'user:' || coalesce(claims ->> 'sub', 'unknown')
  end);
  begin
    select t.used into used from extensions.dblink('fieldbase_rate_counter', count_query) as t (used integer);
  exception when others then
    -- PostgREST keeps its sessions for hours; the counting session may have died meanwhile (a
    -- restart, a timeout, a terminated backend). Without this, every later request of the API
    -- session failed until PostgREST reconnected. Open it again and count there, once.
    perform extensions.dblink_disconnect('fieldbase_rate_counter');
    if not private.open_rate_counter() then
      return;
    end if;
    begin
      select t.used into used from extensions.dblink('fieldbase_rate_counter', count_query) as t (used integer);
    exception when others then
      perform private.rate_counter_failed(format('counting fails: %s', sqlerrm));
      return;
    end;
  end;
  if used > budget then
    raise exception 'Too many requests: the limit is % per minute', budget
    using errcode = 'PT429',
    hint = format(
      'Retry in %s seconds.',
      ceil(extract(epoch from date_trunc('minute', now()) + interval '1 minute' - now()))
    );
  end if;
end
$$;
revoke all on function private.check_request()
from public, anon, authenticated, service_role;
grant execute on function private.check_request()
to anon, authenticated, service_role;

-- Drops counters of past windows; run by pg_cron.
create or replace function private.purge_rate_limit_counters()
returns void
language sql security definer
set search_path = ''
as $$
  delete from private.rate_limit_counters where window_start < date_trunc('minute', now())
$$;
revoke all on function private.purge_rate_limit_counters()
from public, anon, authenticated, service_role;

-- Platform diagnostics gain the readiness items (value 1 when the item holds, 0 when not, and
-- what to do in detail).
create or replace function private.platform_diagnostics()
returns table (section text, name text, value numeric, detail jsonb)
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
$$;
revoke all on function private.platform_diagnostics()
from public, anon, authenticated, service_role;
grant execute on function private.platform_diagnostics()
to authenticated, service_role;

-- Says the API and database answer; exposes no data.
create or replace function public.health()
returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return jsonb_build_object('status', 'ok', 'time', now());
end
$$;
revoke all on function public.health()
from public, anon, authenticated, service_role;
grant execute on function public.health()
to anon, authenticated, service_role;

-- The client address Supabase's API gateway saw: x-real-ip, which the gateway sets, else the
-- last x-forwarded-for hop, which it appended. Never the first hop: the client writes that.
create or replace function private.client_address(headers jsonb)
returns inet
language plpgsql immutable
set search_path = ''
as $$
declare
  raw text := coalesce(
    nullif(btrim(headers ->> 'x-real-ip'), ''),
    nullif(btrim((regexp_match(headers ->> 'x-forwarded-for', '([^,\s]+)\s*$'))[1]), '')
  );
begin
  return raw::inet;
exception when invalid_text_representation then
  return null;
end
$$;
revoke all on function private.client_address(headers jsonb)
from public, anon, authenticated, service_role;

-- The count, run by the limiter's dblink session: plpgsql, so each session plans it once (a SQL
-- function with SET search_path is planned on every call). Security definer, callable by
-- fieldbase_rate_limiter only.
create or replace function private.count_request(bucket text)
returns integer
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  used integer;
begin
  insert into private.rate_limit_counters as c (bucket, window_start, requests)
  values (count_request.bucket, date_trunc('minute', now()), 1)
  on conflict (bucket) do update
  set
    requests = case when c.window_start = excluded.window_start then c.requests + 1 else 1 end,
    window_start = excluded.window_start
  returning c.requests into used;
  return used;
end
$$;
revoke all on function private.count_request(bucket text)
from public, anon, authenticated, service_role;
grant execute on function private.count_request(bucket text)
to fieldbase_rate_limiter;

-- Deletes pg_cron's run history older than a week; run daily by pg_cron itself. (postgres may
-- delete from cron.job_run_details on Supabase, though not add triggers to it.)
create or replace function private.purge_cron_history(keep interval default '7 days'::interval)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  purged integer;
begin
  delete from cron.job_run_details where end_time < now() - keep;
  get diagnostics purged = row_count;
  return purged;
end
$$;
revoke all on function private.purge_cron_history(keep interval)
from public, anon, authenticated, service_role;

-- One row per readiness item: whether it holds, what was found, and what to do when it does not.
-- Read-only: it looks, it changes nothing (the limiter's connection is tried with `select 1`,
-- which counts no request).
create or replace function private.readiness_report()
returns table (item text, ok boolean, detail text, remedy text)
language plpgsql security definer
set search_path = ''
as $$
declare
  conninfo text;
  expected_jobs text[] := array[
    'fieldbase-agreement-invoices', 'fieldbase-agreement-work-orders', 'fieldbase-audit-retention',
    'fieldbase-authority-batches', 'fieldbase-import-retention',
    'fieldbase-cron-history-retention', 'fieldbase-due-notices', 'fieldbase-expire-estimates',
    'fieldbase-invoice-reminders', 'fieldbase-kpis', 'fieldbase-queue-history-partitions',
    'fieldbase-queue-reaper', 'fieldbase-queue-retention', 'fieldbase-rate-limit-purge', 'fieldbase-ticket-sla',
    'fieldbase-sync-tombstones-retention', 'fieldbase-visit-reminders'
  ];
  live_tables text[] := array[
    'activity', 'billing_sessions', 'imports', 'notifications', 'ticket_comments', 'tickets', 'visits',
    'work_orders'
  ];
  missing text[];
  failing text[];
  answer integer;
  bucket record;
  history_ready_through timestamp with time zone;
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

  -- The history's days ahead (queue.add_history_partitions, daily): a week at least, and no
  -- finished job in the default partition (one whose day had no partition).
  item := 'job_history_days';
  select max(p.ends_at) into history_ready_through from queue.history_partitions() as p;
  select count(*)::integer into answer from (select from queue.job_history_default limit 1) as d;
  ok := history_ready_through >= now() + interval '7 days' and answer = 0;
  detail := case when ok then 'days ready through '
      || to_char(history_ready_through at time zone 'UTC' - interval '1 day', 'YYYY-MM-DD')
    else concat_ws('; ',
      case when coalesce(history_ready_through < now() + interval '7 days', true) then
        'days ready only through '
        || coalesce(to_char(history_ready_through at time zone 'UTC' - interval '1 day', 'YYYY-MM-DD'), 'none')
      end,
      case when answer > 0 then 'finished jobs are in queue.job_history_default' end
    ) end;
  remedy := 'select queue.add_history_partitions(); then check the fieldbase-queue-history-partitions '
    || 'schedule (cron_jobs)';
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

  -- The documents bucket: private, sized for PDFs, exports and the files people import.
  item := 'documents_bucket';
  select b.public, b.file_size_limit, b.allowed_mime_types into bucket
  from storage.buckets as b where b.id = 'documents';
  ok := bucket is not null and not bucket.public
    and coalesce(bucket.file_size_limit, 0) >= 50 * 1024 * 1024
    and bucket.allowed_mime_types @> array[
      'application/pdf', 'text/csv', 'application/zip',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    ];
  detail := case
    when bucket is null then 'the documents bucket is missing'
    when bucket.public then 'the documents bucket is public: anyone with a path reads invoices'
    when not ok then format(
      'limit %s bytes, types %s: PDFs, 50 MB CSV exports, export archives and imports need more',
      bucket.file_size_limit, bucket.allowed_mime_types
    )
    else 'private, 50 MB, PDF, CSV, ZIP and XLSX' end;
  remedy := 'Run the migrations (supabase db push); in the dashboard keep the bucket private '
    || 'with a 50 MB limit and types application/pdf, text/csv, application/zip, '
    || 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  return next;
end
$$;
revoke all on function private.readiness_report()
from public, anon, authenticated, service_role;

create or replace view public.platform_diagnostics with (security_invoker = true) as
select
  d.section,
  d.name,
  d.value,
  d.detail
from private.platform_diagnostics() as d (section, name, value, detail);
revoke all on table public.platform_diagnostics from public, anon, authenticated, service_role;
grant select on table public.platform_diagnostics to authenticated;
grant select on table public.platform_diagnostics to service_role;

create or replace trigger audit_delete after delete
on public.organization_feature_flags
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.organization_feature_flags
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.organization_feature_flags
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger feature_flags_touch_updated_at before update
on public.feature_flags
for each row
execute function private.touch_updated_at();

create or replace trigger organization_feature_flags_touch_updated_at before update
on public.organization_feature_flags
for each row
execute function private.touch_updated_at();
