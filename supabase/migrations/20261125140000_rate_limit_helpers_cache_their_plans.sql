-- The rate limiter's helpers cache their plans. private.check_request runs before every API
-- request; the bucket it counts in and the count itself (over the limiter's dblink session)
-- were SQL functions with SET search_path, which PostgreSQL 15 plans again on every call. As
-- plpgsql each session plans them once: scripts/bench's pre_request_overhead_ms goes from
-- 0.63 to about 0.4 ms (most of the rest is the dblink round trip). Same statements, same
-- security: count_request stays security definer, callable by fieldbase_rate_limiter only.

create or replace function private.count_request(bucket text) returns integer
language plpgsql volatile security definer
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

create or replace function private.rate_limit_bucket(caller_role text, headers jsonb) returns text
language plpgsql stable
set search_path = ''
as $$
begin
  if caller_role = 'anon' then
    return 'ip:' || coalesce(host(private.client_address(headers)), 'unknown');
  end if;
  -- A plain call: in plpgsql a simple expression skips the executor a subselect would need.
  return 'user:' || coalesce(auth.uid()::text, 'unknown');
end
$$;
