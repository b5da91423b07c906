-- What a Supabase project's database holds before any migration of ours: the extensions, auth
-- and storage schemas with Supabase's shapes and functions, and Supabase's default privileges.
-- Run by the bootstrap superuser in each new local database. Never part of supabase/migrations.

-- ==========================================================================================
-- public: owned by postgres. Supabase's initial schema grants every new table, sequence and
-- function to the API roles; since 2026-10-30 ("Default privileges for new entities" off,
-- the CLI's [api] auto_expose_new_tables unset or false) those defaults are revoked again
-- (fieldbase_local/sql/revoke_default_api_privileges.sql), so migrations must grant
-- explicitly. fieldbase_local.bootstrap applies that revoke unless the toggle is on.
-- ==========================================================================================
alter schema public owner to postgres;
grant usage on schema public to anon, authenticated, service_role;
grant all on schema public to postgres;

alter default privileges for role postgres in schema public
grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
grant all on functions to anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
grant all on functions to postgres, anon, authenticated, service_role;

-- ==========================================================================================
-- extensions: where Supabase installs extensions.
-- ==========================================================================================
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant create on schema extensions to postgres;
alter default privileges in schema extensions
grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema extensions
grant all on functions to postgres, anon, authenticated, service_role;

create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;
-- pgTAP is available on Supabase (supabase test db enables it); pre-installed so the test
-- files' own "create extension if not exists pgtap" is a no-op for the non-superuser owner.
create extension if not exists pgtap with schema extensions;
-- dblink is on Supabase's list of extensions postgres may create (supautils); pre-created here
-- because vanilla PostgreSQL lets only a superuser create it.
create extension if not exists dblink with schema extensions;
-- PostGIS likewise (Supabase offers it; only a superuser may create it here).
create extension if not exists postgis with schema extensions;
-- plpgsql_check likewise: `supabase db lint` enables it as postgres, which supautils allows.
create extension if not exists plpgsql_check with schema extensions;
grant select on extensions.pg_stat_statements to postgres;
grant execute on function extensions.pg_stat_statements_reset(oid, oid, bigint) to postgres;

-- pg_cron lives in the one database the scheduler reads (cron.database_name), as on Supabase,
-- where postgres may create it through supautils; pre-created here so migrations can say
-- "create extension if not exists pg_cron" and get the same end state.
do $cron$
begin
  if current_database() = current_setting('cron.database_name', true) then
    create extension if not exists pg_cron with schema pg_catalog;
    -- As supabase/postgres's grant_pg_cron_access() leaves it: postgres schedules through
    -- cron.schedule, may only read cron.job, and has no TRIGGER on cron.job_run_details.
    grant usage on schema cron to postgres with grant option;
    grant all on all tables in schema cron to postgres with grant option;
    grant all on all sequences in schema cron to postgres with grant option;
    grant all on all functions in schema cron to postgres with grant option;
    revoke all on table cron.job from postgres;
    grant select on table cron.job to postgres with grant option;
    revoke trigger on cron.job_run_details from postgres;
  end if;
end
$cron$;

-- ==========================================================================================
-- auth: Supabase Auth's schema (the parts other code touches), owned by supabase_auth_admin.
-- ==========================================================================================
create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to postgres, anon, authenticated, service_role, dashboard_user;
revoke create on schema auth from postgres;

set role supabase_auth_admin;

-- One row per user, with GoTrue's columns and defaults.
create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0
  check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email)
where (is_sso_user = false);
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_instance_id_email_idx on auth.users (instance_id, lower((email)::text));
create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);

-- The sign-in methods of each user.
create table if not exists auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid not null default gen_random_uuid() primary key,
  constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);
create index if not exists identities_email_idx on auth.identities (email text_pattern_ops);

-- Signed-in sessions; the JWT's session_id points here.
create table if not exists auth.sessions (
  id uuid not null primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  factor_id uuid,
  aal text check (aal in ('aal1', 'aal2', 'aal3')),
  not_after timestamptz,
  refreshed_at timestamp,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

-- MFA factors (TOTP, phone); their verification raises a session to aal2.
create table if not exists auth.mfa_factors (
  id uuid not null primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  friendly_name text,
  factor_type text not null check (factor_type in ('totp', 'webauthn', 'phone')),
  status text not null check (status in ('unverified', 'verified')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  secret text,
  phone text,
  last_challenged_at timestamptz unique
);
create index if not exists mfa_factors_user_id_idx on auth.mfa_factors (user_id);

-- GoTrue's own audit trail.
create table if not exists auth.audit_log_entries (
  instance_id uuid,
  id uuid not null primary key,
  payload json,
  created_at timestamptz,
  ip_address varchar(64) not null default ''
);

-- The claims helpers Supabase ships; they read what PostgREST sets for each request.
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

reset role;

grant all on all tables in schema auth to postgres, dashboard_user;
grant execute on all functions in schema auth to postgres, anon, authenticated, service_role;

-- ==========================================================================================
-- storage: Supabase Storage's schema, owned by supabase_storage_admin, RLS on.
-- ==========================================================================================
create schema if not exists storage authorization supabase_storage_admin;
grant usage on schema storage to postgres, anon, authenticated, service_role;

set role supabase_storage_admin;

create table if not exists storage.buckets (
  id text not null primary key,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
create unique index if not exists bname on storage.buckets (name);

create table if not exists storage.objects (
  id uuid not null default gen_random_uuid() primary key,
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

-- Path helpers used in storage policies: folders, file name and extension of an object name.
create or replace function storage.foldername(name text) returns text[]
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text) returns text
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text) returns text
language plpgsql immutable
as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

reset role;

grant all on all tables in schema storage to postgres, anon, authenticated, service_role;
grant execute on all functions in schema storage to postgres, anon, authenticated, service_role;

-- ==========================================================================================
-- Realtime: Supabase creates the supabase_realtime publication empty, owned by postgres, so
-- a migration adds tables with `alter publication supabase_realtime add table ...`. Realtime
-- decodes the WAL (wal_level = logical) and, for each subscriber, selects the changed row as
-- that subscriber's role and claims: RLS decides who receives a change.
-- ==========================================================================================
do $$
begin
  if not exists (select from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime with (publish = 'insert, update, delete, truncate');
  end if;
end
$$;
alter publication supabase_realtime owner to postgres;
