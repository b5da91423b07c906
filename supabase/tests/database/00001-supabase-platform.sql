-- The database behaves like a Supabase project's before any migration of ours: roles, schemas,
-- the auth helpers and the default privileges on public. Holds locally and on Supabase alike.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(30);

-- Roles ---------------------------------------------------------------------------------------
select has_role('anon', 'The anon role exists');
select has_role('authenticated', 'The authenticated role exists');
select has_role('service_role', 'The service_role role exists');
select has_role('authenticator', 'The authenticator role exists');
select has_role('supabase_auth_admin', 'The supabase_auth_admin role exists');
select is(
  (
    select rolsuper from pg_roles
    where rolname = current_user
  ), false,
  'The migration role is not a superuser'
);
select is(
  (
    select array_agg(rolname order by rolname)::text[] from pg_roles
    where rolname in ('anon', 'authenticated', 'service_role') and not rolcanlogin
  ),
  array['anon', 'authenticated', 'service_role'],
  'The API roles cannot log in'
);
select ok(
  (
    select rolbypassrls from pg_roles
    where rolname = 'service_role'
  ),
  'service_role bypasses RLS'
);
select ok(
  pg_has_role('authenticator', 'anon', 'member')
  and pg_has_role('authenticator', 'authenticated', 'member')
  and pg_has_role('authenticator', 'service_role', 'member'),
  'authenticator may switch to each API role'
);
select is(
  (
    select array_agg(rolname order by rolname)::text[] from pg_roles
    where rolname in ('anon', 'authenticated', 'service_role') and rolinherit
  ),
  array['anon', 'authenticated', 'service_role'],
  'The API roles inherit, as on Supabase since PostgreSQL 16''s role model'
);
select ok(
  not pg_has_role('postgres', 'supabase_auth_admin', 'member'),
  'postgres is not a member of supabase_auth_admin'
);
select ok(
  not has_schema_privilege('postgres', 'auth', 'create'),
  'postgres cannot create objects in auth'
);
select ok(
  has_table_privilege('postgres', 'cron.job', 'select')
  and not has_table_privilege('postgres', 'cron.job', 'insert')
  and not has_table_privilege('postgres', 'cron.job', 'update')
  and not has_table_privilege('postgres', 'cron.job', 'delete'),
  'postgres may only read cron.job (cron.schedule writes it)'
);
select ok(
  not has_table_privilege('postgres', 'cron.job_run_details', 'trigger')
  and has_table_privilege('postgres', 'cron.job_run_details', 'delete'),
  'postgres has no TRIGGER on cron.job_run_details, and may purge it'
);

-- Schemas and extensions ----------------------------------------------------------------------
select has_schema('extensions', 'The extensions schema exists');
select has_schema('auth', 'The auth schema exists');
select has_schema('storage', 'The storage schema exists');
select is(
  (
    select n.nspname::text from pg_extension as e inner join pg_namespace as n on e.extnamespace = n.oid
    where e.extname = 'pgcrypto'
  ),
  'extensions', 'pgcrypto is installed in the extensions schema'
);
select has_column('auth', 'users', 'raw_app_meta_data', 'auth.users has Supabase''s columns');
select is(
  storage.foldername('org-1/invoices/inv-1.pdf'), array['org-1', 'invoices'],
  'storage.foldername() splits an object path into folders'
);

-- auth.uid() and friends read what PostgREST sets -----------------------------------------------
select tests.create_supabase_user('platform_user', 'platform.user@example.com');
select tests.authenticate_as('platform_user');
select is(
  auth.uid(), current_setting('tests.uid_platform_user')::uuid,
  'auth.uid() returns the sub of request.jwt.claims'
);
select is(auth.role(), 'authenticated', 'auth.role() returns the role claim');
select is(auth.email(), 'platform.user@example.com', 'auth.email() returns the email claim');
select is(auth.jwt() ->> 'aal', 'aal1', 'auth.jwt() returns the whole claims object');
select is(current_user::text, 'authenticated', 'Acting as a user switches to the authenticated role');
reset role;
select tests.clear_authentication();

-- Default privileges: since 2026-10-30 a new table in public is granted to none of the API
-- roles ("Default privileges for new entities" off); a project may switch it back on, and then
-- anything not revoked is readable by anon. The suite runs in both modes.
select exists (
  select from pg_catalog.pg_default_acl as d, aclexplode(d.defaclacl) as a
  where
    d.defaclrole = 'postgres'::regrole and d.defaclnamespace = 'public'::regnamespace
    and d.defaclobjtype = 'r' and a.grantee = 'anon'::regrole and a.privilege_type = 'SELECT'
) as auto_expose \gset
create table public.bootstrap_probe (id int primary key, note text);
insert into public.bootstrap_probe values (1, 'visible');

\if :auto_expose
select tests.authenticate_as_anon();
select results_eq(
  'select note from public.bootstrap_probe', array['visible'],
  'With default privileges on, anon can read a new public table that nothing revoked'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select results_eq(
  'select count(*)::int from public.bootstrap_probe', array[1],
  'With default privileges on, service_role can read a new public table'
);
\else
select tests.authenticate_as_anon();
select throws_ok(
  'select note from public.bootstrap_probe', '42501', null,
  'With default privileges off (Supabase today), anon cannot read a new public table'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select throws_ok(
  'select count(*) from public.bootstrap_probe', '42501', null,
  'With default privileges off, not even service_role can read a table nothing granted'
);
\endif
reset role;
select tests.clear_authentication();

grant select on table public.bootstrap_probe to anon, service_role;
alter table public.bootstrap_probe enable row level security;
select tests.authenticate_as_anon();
select is_empty('select * from public.bootstrap_probe', 'RLS without a policy hides every row from anon');
reset role;
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select results_eq(
  'select count(*)::int from public.bootstrap_probe', array[1],
  'service_role bypasses RLS'
);
reset role;
select tests.clear_authentication();

-- Supabase grants EXECUTE on new public functions to the API roles by default too; our own
-- migrations narrow that for functions created by postgres (each RPC grants who may call it).
select ok(
  exists (
    select from pg_default_acl as d
    where
      d.defaclrole = 'supabase_admin'::regrole and d.defaclnamespace = 'public'::regnamespace
      and d.defaclobjtype = 'f' and d.defaclacl::text like '%anon=X/%'
  ),
  'New public functions are executable by anon by default, as on Supabase'
);

select * from finish();
rollback;
