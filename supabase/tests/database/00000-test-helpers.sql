-- Test helpers for every pgTAP file: act as a user exactly as PostgREST does for a JWT, and
-- create users exactly as Supabase Auth does. Installed (committed) by this first file, so the
-- suite runs unchanged under `supabase test db` / pg_prove, which run files in name order.
-- The tests schema is test-only: it is not in the API schemas and no migration creates it.

create extension if not exists pgtap with schema extensions;
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;
-- The helpers that touch auth.* are security definer (owned by the schema owner) so that they
-- work while a test acts as an API role.

-- A user as Supabase Auth's email sign-up creates it: confirmed, with an email identity.
-- ``identifier`` names the user within the tests (kept in user metadata).
create or replace function tests.create_supabase_user(
  identifier text,
  email text default null,
  phone text default null,
  metadata jsonb default null,
  app_metadata jsonb default null
) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  user_id uuid := gen_random_uuid();
  user_email text := lower(coalesce(email, identifier || '@test.local'));
begin
  insert into auth.users (
    instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
    confirmation_token, recovery_token, email_change_token_new, email_change,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at, last_sign_in_at,
    phone, phone_confirmed_at
  ) values (
    '00000000-0000-0000-0000-000000000000', user_id, 'authenticated', 'authenticated',
    user_email, extensions.crypt('password', extensions.gen_salt('bf', 4)), now(),
    '', '', '', '',
    jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email'))
    || coalesce(app_metadata, '{}'::jsonb),
    coalesce(metadata, '{}'::jsonb) || jsonb_build_object('test_identifier', identifier),
    now(), now(), now(),
    phone, case when phone is not null then now() end
  );
  insert into auth.identities (
    provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at
  ) values (
    user_id::text, user_id,
    jsonb_build_object(
      'sub', user_id::text, 'email', user_email,
      'email_verified', false, 'phone_verified', false
    ),
    'email', now(), now(), now()
  );
  return user_id;
end
$$;

-- The id of a user made by tests.create_supabase_user.
create or replace function tests.get_supabase_uid(identifier text) returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  user_id uuid;
begin
  select u.id into user_id from auth.users as u
  where u.raw_user_meta_data ->> 'test_identifier' = identifier;
  if user_id is null then
    raise exception 'no test user named "%": create it with tests.create_supabase_user', identifier;
  end if;
  return user_id;
end
$$;

-- The claims of the access token Supabase Auth would issue to this user now, passed through
-- public.custom_access_token_hook when the project defines one (as Supabase Auth does).
create or replace function tests.access_token_claims(
  identifier text, aal text default 'aal1'
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  usr auth.users;
  issued bigint := extract(epoch from now())::bigint;
  claims jsonb;
begin
  select * into usr from auth.users where id = tests.get_supabase_uid(identifier);
  claims := jsonb_build_object(
    'iss', 'http://127.0.0.1:54321/auth/v1',
    'sub', usr.id::text,
    'aud', 'authenticated',
    'exp', issued + 3600,
    'iat', issued,
    'email', coalesce(usr.email, ''),
    'phone', coalesce(usr.phone, ''),
    'app_metadata', coalesce(usr.raw_app_meta_data, '{}'::jsonb),
    'user_metadata', coalesce(usr.raw_user_meta_data, '{}'::jsonb),
    'role', coalesce(usr.role, 'authenticated'),
    'aal', aal,
    'amr', jsonb_build_array(jsonb_build_object('method', 'password', 'timestamp', issued)),
    'session_id', gen_random_uuid()::text,
    'is_anonymous', usr.is_anonymous
  );
  if to_regprocedure('public.custom_access_token_hook(jsonb)') is not null then
    -- Dynamic, because the hook may not exist when these helpers are installed.
    execute format('select %s($1) -> %L', 'public.custom_access_token_hook', 'claims')
    into claims
    using jsonb_build_object(
      'user_id', usr.id::text, 'claims', claims, 'authentication_method', 'password'
    );
  end if;
  return claims;
end
$$;

-- What PostgREST does for a request: set local role to the token's role, then the claims,
-- headers, method and path, for the rest of the current transaction.
create or replace function tests.act_as(
  claims jsonb,
  headers jsonb default '{}'::jsonb,
  method text default 'POST',
  path text default '/rpc/test'
) returns void
language plpgsql
set search_path = ''
as $$
begin
  -- A new PostgREST request plans everything afresh as its role; plans cached in this session
  -- (e.g. a helper inlined while the fixture ran as postgres) must not skip privilege checks.
  discard plans;
  perform set_config('role', claims ->> 'role', true);
  perform set_config('request.jwt.claims', claims::text, true);
  perform set_config(
    'request.headers',
    (jsonb_build_object('user-agent', 'pgTAP', 'x-forwarded-for', '127.0.0.1') || headers)::text,
    true
  );
  perform set_config('request.method', method, true);
  perform set_config('request.path', path, true);
end
$$;

-- Act as a signed-in user (aal1, or aal2 after MFA).
create or replace function tests.authenticate_as(
  identifier text, aal text default 'aal1', headers jsonb default '{}'::jsonb
) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform tests.act_as(tests.access_token_claims(identifier, aal), headers);
end
$$;

-- Act as a visitor with the anon key.
create or replace function tests.authenticate_as_anon(headers jsonb default '{}'::jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform tests.act_as(jsonb_build_object('iss', 'supabase-demo', 'role', 'anon'), headers);
end
$$;

-- Act as a backend with the service_role key (bypasses RLS).
create or replace function tests.authenticate_as_service_role() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform tests.act_as(jsonb_build_object('iss', 'supabase-demo', 'role', 'service_role'));
end
$$;

-- Back to the session's own role (the schema owner), with no request settings.
create or replace function tests.clear_authentication() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
  perform set_config('request.headers', '', true);
end
$$;

-- ==========================================================================================
-- fieldbase fixtures: two organizations with a person in every role, an outsider and staff.
-- ==========================================================================================

-- Everyone the access matrices act as, in the order they are reported.
create or replace function tests.actors() returns text[]
language sql immutable
set search_path = ''
as $$
  select array[
    'anon', 'outsider', 'a_owner', 'a_admin', 'a_dispatcher', 'a_technician', 'a_viewer',
    'b_owner', 'staff', 'service_role'
  ]
$$;

-- Organization "tenant-a" (a member in every role, a pending invitation, an audit trail,
-- a feature-flag override and usage), "tenant-b" (owner and technician) and the people above.
create or replace function tests.create_two_organizations() returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  org_a uuid;
  org_b uuid;
  person text;
begin
  foreach person in array array[
    'a_owner', 'a_admin', 'a_dispatcher', 'a_technician', 'a_viewer', 'b_owner', 'b_technician',
    'outsider', 'staff'
  ] loop
    perform tests.create_supabase_user(
      person, person || '@tests.fieldbase.test', null,
      jsonb_build_object('full_name', initcap(replace(person, '_', ' ')))
    );
  end loop;
  insert into private.platform_staff (user_id) values (tests.get_supabase_uid('staff'));

  insert into public.organizations (name, slug, plan_id, status)
  values ('Tenant A', 'tenant-a', 'pro', 'active') returning id into org_a;
  insert into public.organizations (name, slug, plan_id, status)
  values ('Tenant B', 'tenant-b', 'pro', 'active') returning id into org_b;

  insert into public.memberships (organization_id, user_id, role)
  select org_a, tests.get_supabase_uid('a_' || r::text), r
  from unnest(array['owner', 'admin', 'dispatcher', 'technician', 'viewer']::public.member_role []) as r;
  insert into public.memberships (organization_id, user_id, role) values
  (org_b, tests.get_supabase_uid('b_owner'), 'owner'),
  (org_b, tests.get_supabase_uid('b_technician'), 'technician');

  insert into public.invitations (organization_id, email, role, token_hash) values
  (org_a, 'pending@tenant-a.test', 'viewer', sha256(convert_to('tenant-a-token', 'UTF8'))),
  (org_b, 'pending@tenant-b.test', 'viewer', sha256(convert_to('tenant-b-token', 'UTF8')));

  insert into public.feature_flags (key, description, enabled)
  values ('tests_flag', 'A flag for the tests', false);
  insert into public.organization_feature_flags (organization_id, flag_key, enabled)
  values (org_a, 'tests_flag', true);
  insert into public.usage_counters (organization_id, metric, period, value)
  values (org_a, 'jobs', date_trunc('month', now())::date, 3);
end
$$;

-- The id of an organization by slug.
create or replace function tests.org_id(slug text) returns uuid
language sql stable
security definer
set search_path = ''
as $$
  select o.id from public.organizations as o where o.slug = org_id.slug
$$;

-- Replaces {a} and {b} with the fixture organizations' ids, {a_invitation} with tenant A's
-- pending invitation, and {person} with that test user's id.
create or replace function tests.resolve(statement text) returns text
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  resolved text := statement;
  person record;
begin
  resolved := replace(resolved, '{a}', quote_literal(tests.org_id('tenant-a')) || '::uuid');
  resolved := replace(resolved, '{b}', quote_literal(tests.org_id('tenant-b')) || '::uuid');
  resolved := replace(
    resolved, '{a_invitation}',
    quote_literal((
      select i.id from public.invitations as i where i.email = 'pending@tenant-a.test'
    )) || '::uuid'
  );
  for person in
    select u.raw_user_meta_data ->> 'test_identifier' as identifier, u.id from auth.users as u
    where u.raw_user_meta_data ? 'test_identifier'
  loop
    resolved := replace(resolved, '{' || person.identifier || '}', quote_literal(person.id) || '::uuid');
  end loop;
  return resolved;
end
$$;

-- Runs a statement as one actor, as PostgREST would, and undoes it. Returns "N rows" (rows
-- returned or affected with RETURNING) or the SQLSTATE it failed with.
create or replace function tests.outcome_as(actor text, statement text, with_message boolean default false)
returns text
language plpgsql
set search_path = ''
as $$
declare
  resolved text := tests.resolve(statement);
  affected bigint;
begin
  if actor = 'anon' then
    perform tests.authenticate_as_anon();
  elsif actor = 'service_role' then
    perform tests.authenticate_as_service_role();
  else
    perform tests.authenticate_as(actor);
  end if;
  begin
    -- materialized: a stable function's result must be computed (and its EXECUTE checked).
    execute format('with outcome as materialized (%s) select count(*) from outcome', resolved)
    into affected;
    -- Undo whatever the statement did: the matrix must not leak from one actor to the next.
    raise exception using errcode = 'TSTOK', message = affected::text;
  exception
    when sqlstate 'TSTOK' then
      perform tests.clear_authentication();
      return sqlerrm || case when sqlerrm = '1' then ' row' else ' rows' end;
    when others then
      perform tests.clear_authentication();
      return sqlstate || case when with_message then ': ' || sqlerrm else '' end;
  end;
end
$$;

-- The outcome of a statement for every actor in tests.actors().
create or replace function tests.access_matrix(statement text)
returns table (actor text, outcome text)
language sql
set search_path = ''
as $$
  select a.actor, tests.outcome_as(a.actor, statement)
  from unnest(tests.actors()) with ordinality as a (actor, position)
  order by a.position
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

begin;
select plan(1);
select has_function('tests', 'authenticate_as', 'The test helpers are installed');
select * from finish();
rollback;
