-- The security conventions hold for every object, present and future: RLS on every API table,
-- invoker views, pinned search_path on definer functions, policies that wrap auth and helper
-- calls in (select ...), an index behind every foreign key, and no grant a role does not need.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);

select is_empty(
  $$
    select c.oid::regclass::text from pg_catalog.pg_class as c
    inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity
  $$,
  'Every table in the API schema has row level security enabled'
);

select is_empty(
  $$
    select c.oid::regclass::text from pg_catalog.pg_class as c
    inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
    where n.nspname = 'public' and c.relkind in ('r', 'p')
      and not exists (select from pg_catalog.pg_policy as p where p.polrelid = c.oid)
  $$,
  'Every table in the API schema has explicit policies'
);

select is_empty(
  $$
    select c.oid::regclass::text from pg_catalog.pg_class as c
    inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
    where n.nspname = 'public' and c.relkind = 'v'
      and not coalesce(c.reloptions @> array['security_invoker=true'], false)
  $$,
  'Every view in the API schema runs with the caller''s rights (security_invoker)'
);

select is_empty(
  $$
    select p.oid::regprocedure::text from pg_catalog.pg_proc as p
    inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
    where p.prosecdef and n.nspname in ('public', 'private', 'queue')
      and not coalesce(p.proconfig @> array['search_path=""'], false)
  $$,
  'Every security definer function pins search_path to the empty string'
);

select is_empty(
  $$
    select format('%s on %s', p.policyname, p.tablename) from pg_catalog.pg_policies as p
    cross join lateral (
      select coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '') as expression
    ) as e
    where p.schemaname in ('public', 'storage')
      and (
        regexp_count(e.expression, 'auth\.(uid|jwt|role|email)\(\)')
        <> regexp_count(e.expression, 'SELECT auth\.(uid|jwt|role|email)\(\)')
        or regexp_count(e.expression, 'private\.[a-z_]+\(')
        <> regexp_count(e.expression, '(SELECT|FROM) private\.[a-z_]+\(')
      )
  $$,
  'Policies call auth.uid(), auth.jwt() and helpers in a subquery (select ..., from ...), once per statement'
);

select is_empty(
  $$
    select format('%s (%s)', c.conrelid::regclass, c.conname) from pg_catalog.pg_constraint as c
    inner join pg_catalog.pg_namespace as n on c.connamespace = n.oid
    where c.contype = 'f' and n.nspname in ('public', 'private', 'queue')
      and not exists (
        select from pg_catalog.pg_index as i
        where i.indrelid = c.conrelid
          and (i.indkey::int2 [])[0:array_length(c.conkey, 1) - 1] @> c.conkey
          and (i.indkey::int2 [])[0:array_length(c.conkey, 1) - 1] <@ c.conkey
      )
  $$,
  'Every foreign key has an index that starts with its columns'
);

select is_empty(
  $$
    select p.oid::regprocedure::text from pg_catalog.pg_proc as p
    inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
    where n.nspname in ('public', 'private', 'queue')
      and p.prorettype <> 'pg_catalog.trigger'::regtype
      and (
        p.proacl is null
        or exists (
          select from aclexplode(p.proacl) as a
          where a.grantee = 0 and a.privilege_type = 'EXECUTE'
        )
      )
  $$,
  'No function of ours is executable by PUBLIC: each one grants exactly who may call it'
);

select is(
  (
    select array_agg(distinct p.proname::text order by p.proname::text)
    from pg_catalog.pg_proc as p
    inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
    where n.nspname = 'public' and has_function_privilege('anon', p.oid, 'execute')
  ),
  array['health'],
  'anon may call health() and no other RPC'
);

select is_empty(
  $$
    select format('%s.%s: %s', g.table_schema, g.table_name, g.privilege_type)
    from information_schema.role_table_grants as g
    where g.grantee = 'anon' and g.table_schema = 'public' and g.privilege_type <> 'SELECT'
    union all
    select format('%s.%s.%s', g.table_schema, g.table_name, g.column_name)
    from information_schema.column_privileges as g
    where g.grantee = 'anon' and g.table_schema = 'public' and g.privilege_type <> 'SELECT'
  $$,
  'anon cannot write to any table'
);

select is_empty(
  $$
    select format('%s.%s to %s', g.table_schema, g.table_name, g.grantee)
    from information_schema.role_table_grants as g
    where g.table_schema in ('private', 'queue')
      and g.grantee in ('anon', 'authenticated', 'service_role')
  $$,
  'Internal tables (private, queue) are not reachable by any API role'
);

-- Supabase today grants nothing in public by default, and a project may switch the defaults
-- back on: each object revokes everything, then grants exactly what each role needs.
select is_empty(
  $$
    select p.oid::regprocedure::text from pg_catalog.pg_proc as p
    where p.pronamespace = 'public'::regnamespace and p.prosecdef
      and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))
  $$,
  'No SECURITY DEFINER function in public is executable by anon or authenticated (definer bodies live in private)'
);

select is_empty(
  $$
    select format('%s to %s: %s', c.oid::regclass, a.grantee::regrole, a.privilege_type)
    from pg_catalog.pg_class as c
    cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) as a
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
      and a.grantee in (select oid from pg_catalog.pg_roles where rolname in ('anon', 'authenticated', 'service_role'))
      and a.privilege_type in ('TRUNCATE', 'REFERENCES', 'TRIGGER')
  $$,
  'No API role holds TRUNCATE, REFERENCES or TRIGGER on a public relation (each one revoked all first)'
);

select is_empty(
  $$
    select c.oid::regclass::text from pg_catalog.pg_class as c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v')
      and not has_table_privilege('service_role', c.oid, 'select')
  $$,
  'Every public table and view grants service_role explicitly (the backend reads everything)'
);

select is_empty(
  $$
    select p.oid::regprocedure::text from pg_catalog.pg_proc as p
    where p.pronamespace = 'public'::regnamespace and p.prorettype <> 'pg_catalog.trigger'::regtype
      and not exists (
        select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
        where a.grantee in (
          select oid from pg_catalog.pg_roles
          where rolname in ('anon', 'authenticated', 'service_role', 'supabase_auth_admin')
        )
      )
  $$,
  'Every public function grants EXECUTE explicitly to the roles that call it'
);

-- No cross-tenant reference can exist: a tenant row names another tenant row only through a
-- composite key (organization_id, x_id), so another organization's row cannot be named at all.
select is_empty(
  $$
    select format('%s (%s)', c.conrelid::regclass, c.conname) from pg_catalog.pg_constraint as c
    where c.contype = 'f'
      and c.connamespace in ('public'::regnamespace, 'private'::regnamespace, 'queue'::regnamespace)
      and exists (
        select from pg_catalog.pg_attribute as a
        where a.attrelid = c.conrelid and a.attname = 'organization_id' and not a.attisdropped
      )
      and exists (
        select from pg_catalog.pg_attribute as a
        where a.attrelid = c.confrelid and a.attname = 'organization_id' and not a.attisdropped
      )
      and not (
        select a.attnum from pg_catalog.pg_attribute as a
        where a.attrelid = c.conrelid and a.attname = 'organization_id'
      ) = any(c.conkey)
  $$,
  'Every reference between tenant tables is a composite foreign key on (organization_id, ...)'
);

-- Policy helpers run on every statement a member sends: as plpgsql a session plans their
-- query once, while a SQL function with SET search_path is planned again on every call.
select is_empty(
  $$
    select distinct p.oid::regprocedure::text
    from pg_catalog.pg_depend as d
    inner join pg_catalog.pg_proc as p on d.refclassid = 'pg_catalog.pg_proc'::regclass and d.refobjid = p.oid
    where
      d.classid = 'pg_catalog.pg_policy'::regclass
      and p.pronamespace = 'private'::regnamespace
      and p.prolang <> (select l.oid from pg_catalog.pg_language as l where l.lanname = 'plpgsql')
  $$,
  'Every private helper a policy calls is plpgsql, so its plan is cached per session'
);

-- A SQL function with a SET clause is never inlined, and PostgreSQL plans its body again on
-- every call (40 us an RPC here); plpgsql plans it once per session.
select is_empty(
  $$
    select p.oid::regprocedure::text from pg_catalog.pg_proc as p
    where
      p.pronamespace = 'public'::regnamespace and p.proconfig is not null
      and p.prolang = (select l.oid from pg_catalog.pg_language as l where l.lanname = 'sql')
  $$,
  'Every public function with a SET clause (search_path) is plpgsql, planned once per session'
);

select * from finish();
rollback;
