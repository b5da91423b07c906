-- The rate limiter counts every request, reads and failures included, and never writes in the
-- request's own transaction: PostgREST runs GET, HEAD and stable RPCs read-only (an INSERT in
-- db-pre-request answered every one of them with HTTP 405), and a failed request rolls back
-- (so brute force was never counted). The count is kept in an autonomous transaction over a
-- dblink connection as fieldbase_rate_limiter, a role that can do nothing but count; the
-- budget check runs in the request. Buckets are keyed on what a client cannot forge behind
-- Supabase's API gateway: the verified user id, or for anon the client address the gateway
-- sets (x-real-ip, else the last x-forwarded-for hop, which the gateway appended).

create extension if not exists dblink with schema extensions;

-- Where the counting connection goes (no dbname: the current database is used). Set it on a
-- real project: insert into private.rate_limit_connection (id, conninfo)
-- values (true, 'host=localhost user=fieldbase_rate_limiter password=...'). Until then the
-- limiter counts nothing and says so in the logs once per session.
create table private.rate_limit_connection (
  id boolean primary key default true check (id),
  conninfo text not null
);
alter table private.rate_limit_connection enable row level security;
revoke all on table private.rate_limit_connection from anon, authenticated, service_role;

-- The role the counting connection logs in as: it may only count.
do $role$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'fieldbase_rate_limiter') then
    create role fieldbase_rate_limiter login noinherit;
  end if;
end
$role$;
grant usage on schema private to fieldbase_rate_limiter;

-- Adds one request to a bucket's current minute and returns the count so far.
create or replace function private.count_request(bucket text) returns integer
language sql volatile security definer
set search_path = ''
as $$
  insert into private.rate_limit_counters as c (bucket, window_start, requests)
  values (bucket, date_trunc('minute', now()), 1)
  on conflict (bucket) do update
  set
    requests = case when c.window_start = excluded.window_start then c.requests + 1 else 1 end,
    window_start = excluded.window_start
  returning c.requests
$$;
revoke all on function private.count_request(text) from public, anon, authenticated, service_role;
grant execute on function private.count_request(text) to fieldbase_rate_limiter;

-- The client address Supabase's API gateway saw: x-real-ip, which the gateway sets, else the
-- last x-forwarded-for hop, which it appended. Never the first hop: the client writes that.
create or replace function private.client_address(headers jsonb) returns inet
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
revoke all on function private.client_address(jsonb) from public, anon, authenticated, service_role;

-- The caller's bucket: the verified user, or the client address Supabase's gateway saw.
create or replace function private.rate_limit_bucket(caller_role text, headers jsonb) returns text
language sql stable
set search_path = ''
as $$
  select case
    when caller_role = 'anon' then 'ip:' || coalesce(host(private.client_address(headers)), 'unknown')
    else 'user:' || coalesce((select auth.uid())::text, 'unknown')
  end
$$;
revoke all on function private.rate_limit_bucket(text, jsonb)
from public, anon, authenticated, service_role;

-- PostgREST's db-pre-request function: counts the request (autonomously) and refuses it with
-- 429 when over budget. Reads nothing it would have to write back, so it runs in read-only
-- transactions too.
create or replace function private.check_request() returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  caller_role text := coalesce(
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role', 'anon'
  );
  headers jsonb := coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}'::jsonb);
  budget integer;
  conninfo text;
  used integer;
begin
  select r.requests_per_minute into budget from private.rate_limits as r where r.role = caller_role;
  if budget is null then
    return;  -- service_role and unknown roles are not limited here
  end if;
  if not coalesce('fieldbase_rate_limit' = any(extensions.dblink_get_connections()), false) then
    select c.conninfo into conninfo from private.rate_limit_connection as c;
    if conninfo is null then
      if current_setting('fieldbase.rate_limit_warned', true) is null then
        raise log 'fieldbase: rate limiting is off until private.rate_limit_connection is set';
        perform set_config('fieldbase.rate_limit_warned', 'on', false);
      end if;
      return;
    end if;
    perform extensions.dblink_connect(
      'fieldbase_rate_limit', conninfo || format(' dbname=%s', quote_ident(current_database()))
    );
  end if;
  select t.used into used
  from extensions.dblink(
    'fieldbase_rate_limit',
    format('select private.count_request(%L)', private.rate_limit_bucket(caller_role, headers))
  ) as t (used integer);
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
revoke all on function private.check_request() from public, anon, authenticated, service_role;
grant execute on function private.check_request() to anon, authenticated, service_role;
