-- API rate limiting in PostgREST's db-pre-request hook: a per-user budget (per client IP for
-- anon) per minute, kept in Postgres; over budget answers HTTP 429 (SQLSTATE PT429).
-- Enabled below with the authenticator role's pgrst.db_pre_request setting.

-- Requests allowed per minute, by role. Staff change them here; no API access.
create table private.rate_limits (
  role text primary key check (role in ('anon', 'authenticated')),
  requests_per_minute integer not null check (requests_per_minute > 0)
);
insert into private.rate_limits (role, requests_per_minute) values
('anon', 120),
('authenticated', 1200);

-- The current window's count per caller. Unlogged: losing it in a crash only resets budgets.
create unlogged table private.rate_limit_counters (
  bucket text primary key,
  window_start timestamptz not null,
  requests integer not null
);

alter table private.rate_limits enable row level security;
alter table private.rate_limit_counters enable row level security;
revoke all on table private.rate_limits from anon, authenticated, service_role;
revoke all on table private.rate_limit_counters from anon, authenticated, service_role;

-- PostgREST's db-pre-request function: counts the request and refuses it when over budget.
-- The increment is in the request's transaction, so a refused request does not count.
create or replace function private.check_request() returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  caller_role text := coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role', 'anon');
  headers jsonb := coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}'::jsonb);
  budget integer;
  bucket_key text;
  used integer;
  this_window timestamptz := date_trunc('minute', now());
begin
  select r.requests_per_minute into budget from private.rate_limits as r where r.role = caller_role;
  if budget is null then
    return;  -- service_role and unknown roles are not limited here
  end if;
  bucket_key := case
    when caller_role = 'anon'
      then 'ip:' || coalesce(btrim(split_part(headers ->> 'x-forwarded-for', ',', 1)), 'unknown')
    else 'user:' || coalesce((select auth.uid())::text, 'unknown')
  end;
  insert into private.rate_limit_counters as c (bucket, window_start, requests)
  values (bucket_key, this_window, 1)
  on conflict (bucket) do update
  set
    requests = case when c.window_start = this_window then c.requests + 1 else 1 end,
    window_start = this_window
  returning c.requests into used;
  if used > budget then
    raise exception 'Too many requests: the limit is % per minute', budget
    using errcode = 'PT429',
    hint = format('Retry in %s seconds.', ceil(extract(epoch from this_window + interval '1 minute' - now())));
  end if;
end
$$;
revoke execute on function private.check_request() from public;
grant execute on function private.check_request() to anon, authenticated, service_role;

-- Drops counters of past windows; run by pg_cron.
create or replace function private.purge_rate_limit_counters() returns void
language sql security definer
set search_path = ''
as $$
  delete from private.rate_limit_counters where window_start < date_trunc('minute', now())
$$;
revoke execute on function private.purge_rate_limit_counters() from public;

select cron.schedule(
  'fieldbase-rate-limit-purge', '*/10 * * * *', 'select private.purge_rate_limit_counters()'
);

-- PostgREST reads this at start and on "notify pgrst, 'reload config'". Where the database
-- does not allow it, set PGRST_DB_PRE_REQUEST=private.check_request in PostgREST's environment.
do $pre_request$
begin
  alter role authenticator set pgrst.db_pre_request = 'private.check_request';
  notify pgrst, 'reload config';
exception when insufficient_privilege then
  raise notice 'Could not enable rate limiting: set PostgREST''s db-pre-request to private.check_request';
end
$pre_request$;
