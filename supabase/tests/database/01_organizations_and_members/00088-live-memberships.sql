-- private.live_memberships, the policy helper's copy of the memberships of organizations that
-- are not deleted, stays exact through everything that changes memberships or organizations,
-- within the statement that changes them.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(19);

select tests.create_two_organizations();

-- Rows of the copy and memberships of live organizations that do not agree (one side missing,
-- or another role).
create temporary view live_difference as
select
  l.user_id as copied_user,
  m.user_id as member_user,
  coalesce(l.organization_id, m.organization_id) as organization_id,
  l.role as copied_role,
  m.role as member_role
from private.live_memberships as l
full join (
  select
    m.user_id,
    m.organization_id,
    m.role
  from public.memberships as m
  inner join public.organizations as o on m.organization_id = o.id
  where o.deleted_at is null
) as m on l.user_id = m.user_id and l.organization_id = m.organization_id
where l.role is distinct from m.role;
grant select on live_difference to authenticated;

select is_empty('select * from live_difference', 'The fixtures'' memberships are all copied');

-- Through the API, as members do it ---------------------------------------------------------
select
  set_config('tests.a_viewer', tests.get_supabase_uid('a_viewer')::text, true) as viewer,
  set_config('tests.a_technician', tests.get_supabase_uid('a_technician')::text, true) as technician;
select tests.authenticate_as('a_owner');
update public.memberships set role = 'dispatcher'
where organization_id = current_setting('tests.org_a')::uuid and user_id = current_setting('tests.a_viewer')::uuid;
select is_empty('select * from live_difference', 'A role change is copied in the same statement');
delete from public.memberships
where organization_id = current_setting('tests.org_a')::uuid and user_id = current_setting('tests.a_technician')::uuid;
select is_empty('select * from live_difference', 'A removed member''s row goes with the membership');
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_technician');
select is_empty(
  'select * from private.organization_ids_for()',
  'The removed member has no organization left, at once'
);
select is_empty(
  'select * from private.own_memberships()',
  'nor any own rows to read (the own-rows arm of the policies)'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_viewer');
select results_eq(
  'select * from private.organization_ids_for(''{dispatcher}'')',
  format('values (%L::uuid)', current_setting('tests.org_a')),
  'The promoted member acts with the new role, at once'
);
select results_eq(
  'select user_id, organization_id from private.own_memberships()',
  format('values (%L::uuid, %L::uuid)', current_setting('tests.a_viewer'), current_setting('tests.org_a')),
  'A member''s own rows are their own user in their organization, nothing else'
);
select throws_ok(
  'select * from private.live_memberships',
  '42501', 'permission denied for table live_memberships',
  'No API role reads the copy itself'
);
reset role;
select tests.clear_authentication();

-- Deleting and restoring an organization -------------------------------------------------------
update public.organizations set deleted_at = now()
where id = current_setting('tests.org_b')::uuid;
select is_empty(
  format('select 1 from private.live_memberships where organization_id = %L', current_setting('tests.org_b')),
  'A deleted organization''s members lose it in the same statement'
);
select tests.authenticate_as('b_owner');
select is_empty('select * from private.organization_ids_for()', 'Its owner has no organization left');
select is_empty('select * from private.own_memberships()', 'and no own rows there');
reset role;
select tests.clear_authentication();
insert into public.memberships (organization_id, user_id, role)
values (current_setting('tests.org_b')::uuid, tests.get_supabase_uid('outsider'), 'viewer');
select is_empty('select * from live_difference', 'A member added to a deleted organization gets no access');
update public.memberships set organization_id = current_setting('tests.org_b')::uuid
where organization_id = current_setting('tests.org_a')::uuid and user_id = tests.get_supabase_uid('a_dispatcher');
select is_empty('select * from live_difference', 'A membership moved into a deleted organization gives no access');
update public.organizations set deleted_at = null
where id = current_setting('tests.org_b')::uuid;
select is_empty('select * from live_difference', 'Restoring it gives its members, with their roles, access again');
select is(
  (
    select count(*)::int from private.live_memberships
    where organization_id = current_setting('tests.org_b')::uuid
  ),
  4, 'All four of its members'
);

-- In bulk, and by cascade ----------------------------------------------------------------------
insert into public.organizations (name, slug, plan_id, status) values ('Tenant C', 'tenant-c', 'pro', 'active');
insert into public.memberships (organization_id, user_id, role)
select
  tests.org_id('tenant-c') as organization_id,
  tests.get_supabase_uid(v.p) as user_id,
  v.r::public.member_role as role
from (values ('a_owner', 'owner'), ('a_admin', 'technician'), ('b_owner', 'viewer')) as v (p, r);
select is_empty('select * from live_difference', 'Memberships inserted in one statement are all copied');
delete from auth.users
where id = tests.get_supabase_uid('a_admin');
select is_empty('select * from live_difference', 'A deleted user''s memberships go from the copy by cascade');
delete from public.organizations
where id = tests.org_id('tenant-c');
select is_empty('select * from live_difference', 'A purged organization''s memberships go from the copy by cascade');

set local role anon;
select throws_ok(
  'select * from private.own_memberships()',
  '42501', 'permission denied for function own_memberships',
  'Only signed-in users run the own-rows lookup'
);
reset role;

select * from finish();
rollback;
