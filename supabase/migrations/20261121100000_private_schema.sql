-- Helpers and internal tables live in private, which PostgREST does not expose
-- (supabase/config.toml [api] schemas). API roles may use the schema only to call the helpers
-- that policies need; each helper grants EXECUTE itself, and no private table is granted.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

-- Functions are not executable by everyone by default: each one grants what it needs.
-- (Role-wide: per-schema default privileges can add to PUBLIC's EXECUTE but never remove it.)
alter default privileges for role postgres revoke execute on functions from public;
alter default privileges for role postgres in schema public
revoke execute on functions from anon, authenticated;

-- Keeps updated_at honest on every table that has one.
create or replace function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- True when the current statement comes through the API as a frontend (anon or a signed-in
-- user), as opposed to service_role, a definer function, or a migration.
create or replace function private.is_api_caller() returns boolean
language sql stable
set search_path = ''
as $$
  select current_user in ('anon', 'authenticated')
$$;
grant execute on function private.is_api_caller() to authenticated, service_role;
