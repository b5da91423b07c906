-- The custom access token hook's output for each kind of user, and who may run it.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(8);

select tests.create_two_organizations();

create function pg_temp.hook_claims(identifier text) returns jsonb
language sql as $$
  select public.custom_access_token_hook(jsonb_build_object(
    'user_id', tests.get_supabase_uid(identifier),
    'claims', jsonb_build_object(
      'sub', tests.get_supabase_uid(identifier), 'role', 'authenticated', 'aal', 'aal1'
    ),
    'authentication_method', 'password'
  )) -> 'claims'
$$;

select is(
  pg_temp.hook_claims('a_owner') -> 'organizations',
  jsonb_build_object(current_setting('tests.org_a')::uuid, 'owner'),
  'An owner''s token lists their organization and role'
);

insert into public.memberships (organization_id, user_id, role)
values (current_setting('tests.org_b')::uuid, current_setting('tests.uid_a_admin')::uuid, 'viewer');
select is(
  pg_temp.hook_claims('a_admin') -> 'organizations',
  jsonb_build_object(current_setting('tests.org_a')::uuid, 'admin', current_setting('tests.org_b')::uuid, 'viewer'),
  'A member of two organizations gets both, each with its role'
);
select is(
  pg_temp.hook_claims('outsider') -> 'organizations', '{}'::jsonb,
  'A user without organizations gets an empty map'
);
select is(
  (pg_temp.hook_claims('staff') ->> 'platform_staff')::boolean, true,
  'Staff are flagged as platform staff'
);
select is(
  (pg_temp.hook_claims('a_owner') ->> 'platform_staff')::boolean, false,
  'Members are not'
);
select results_eq(
  $$select c ->> 'sub', c ->> 'role', c ->> 'aal' from pg_temp.hook_claims('a_owner') as c$$,
  format('values (%L, %L, %L)', current_setting('tests.uid_a_owner')::uuid, 'authenticated', 'aal1'),
  'Supabase''s own claims pass through unchanged'
);

update public.organizations set deleted_at = now()
where slug = 'tenant-a';
select is(
  pg_temp.hook_claims('a_owner') -> 'organizations', '{}'::jsonb,
  'A deleted organization is no longer listed'
);

select is(
  array[
    has_function_privilege('supabase_auth_admin', 'public.custom_access_token_hook(jsonb)', 'execute'),
    has_function_privilege('authenticated', 'public.custom_access_token_hook(jsonb)', 'execute'),
    has_function_privilege('anon', 'public.custom_access_token_hook(jsonb)', 'execute'),
    has_function_privilege('service_role', 'public.custom_access_token_hook(jsonb)', 'execute')
  ],
  array[true, false, false, false],
  'Only supabase_auth_admin may run the hook'
);

select * from finish();
rollback;
