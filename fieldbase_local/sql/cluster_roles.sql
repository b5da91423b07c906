-- Supabase's roles, created once per local cluster by the bootstrap superuser (supabase_admin).
-- Local infrastructure only: on Supabase these exist before any migration of ours runs.
-- Passwords are set afterwards by fieldbase_local.bootstrap (local-only, as in the Supabase CLI).

do $roles$
begin
  -- The API roles PostgREST switches to; they never log in themselves.
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;

  -- PostgREST logs in as authenticator and switches to the JWT's role.
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;

  -- Supabase Auth (GoTrue) and Storage own their schemas.
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit createrole;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin login noinherit createrole;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'dashboard_user') then
    create role dashboard_user nologin createdb createrole replication;
  end if;

  -- The project's own role: owns public and runs migrations, but is not a superuser.
  if not exists (select from pg_catalog.pg_roles where rolname = 'postgres') then
    create role postgres login createrole createdb replication bypassrls;
  end if;
  alter role postgres nosuperuser;
end
$roles$;

-- Since supabase/postgres 20230529180330 the API roles inherit (PostgreSQL 16's role model).
alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit;

grant anon to authenticator;
grant authenticated to authenticator;
grant service_role to authenticator;
grant anon to postgres;
grant authenticated to postgres;
grant service_role to postgres;
-- postgres is not a member of supabase_auth_admin (revoked in supabase/postgres 20240627101908)
-- and cannot create in auth. It still belongs to supabase_storage_admin here: Supabase lets
-- postgres create policies on storage.objects through supautils' policy_grants, which vanilla
-- PostgreSQL cannot express, and the documents bucket's download policy needs that.
revoke supabase_auth_admin from postgres;
grant supabase_storage_admin to postgres;

-- As on Supabase: bounded statements for API roles, extensions on the owner's search path.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role postgres set search_path = "$user", public, extensions;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_storage_admin set search_path = storage;

-- Supabase's supautils lets postgres set PostgREST's in-database configuration (pgrst.*) on
-- authenticator; PostgreSQL 15's parameter privileges give the same here.
do $pgrst$
declare
  parameter text;
begin
  foreach parameter in array array[
    'pgrst.db_pre_request', 'pgrst.db_schemas', 'pgrst.db_extra_search_path', 'pgrst.db_max_rows'
  ] loop
    execute format('grant set on parameter %I to postgres', parameter);
  end loop;
end
$pgrst$;
