-- Membership rules: every organization keeps an owner, only owners touch the owner role,
-- ownership can be handed over, members can leave, plan limits hold, MFA guards role changes,
-- and membership rows (not token claims) decide access.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);

select tests.create_two_organizations();

-- the last owner ---------------------------------------------------------------------------
select tests.authenticate_as('a_owner');
select throws_ok(
  format('select public.leave_organization(%L)', current_setting('tests.org_a')::uuid),
  'PT409', 'An organization must keep at least one owner',
  'The last owner cannot leave'
);
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'admin', current_setting('tests.uid_a_owner')::uuid
  ),
  'PT409', 'An organization must keep at least one owner',
  'The last owner cannot demote themselves'
);
reset role;
select tests.clear_authentication();

-- only owners touch the owner role ----------------------------------------------------------
select tests.authenticate_as('a_admin');
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'viewer', current_setting('tests.uid_a_owner')::uuid
  ),
  '42501', 'Only an owner can grant, change or remove the owner role',
  'An admin cannot demote an owner'
);
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'owner', current_setting('tests.uid_a_viewer')::uuid
  ),
  '42501', 'Only an owner can grant, change or remove the owner role',
  'An admin cannot make an owner'
);
select throws_ok(
  format('delete from public.memberships where user_id = %L', current_setting('tests.uid_a_owner')::uuid),
  '42501', 'Only an owner can grant, change or remove the owner role',
  'An admin cannot remove an owner'
);
select throws_ok(
  format(
    'update public.memberships set user_id = %L where user_id = %L',
    current_setting('tests.uid_outsider')::uuid, current_setting('tests.uid_a_viewer')::uuid
  ),
  '42501', 'permission denied for table memberships',
  'Nobody hands a membership to another user'
);
reset role;
select tests.clear_authentication();

-- handing over ownership, then leaving -------------------------------------------------------
select tests.authenticate_as('a_owner');
select lives_ok(
  format(
    'select public.transfer_ownership(%L, %L)', current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_admin')::uuid
  ),
  'An owner transfers ownership to a member'
);
select results_eq(
  format(
    'select (select role::text from public.memberships where user_id = %L), '
    '(select role::text from public.memberships where user_id = %L)',
    current_setting('tests.uid_a_admin')::uuid, current_setting('tests.uid_a_owner')::uuid
  ),
  $$values ('owner', 'admin')$$,
  'The new owner is owner and the former owner is admin'
);
select lives_ok(
  format('select public.leave_organization(%L)', current_setting('tests.org_a')::uuid),
  'The former owner can now leave'
);
select is_empty(
  format('select 1 from public.organizations where id = %L', current_setting('tests.org_a')::uuid),
  'After leaving, the organization is out of sight'
);
reset role;
select tests.clear_authentication();

-- stale claims never keep access --------------------------------------------------------------
select set_config('tests.viewer_claims', tests.access_token_claims('a_viewer')::text, true);
select ok(
  current_setting('tests.viewer_claims')::jsonb -> 'organizations' ? current_setting('tests.org_a')::uuid::text,
  'The viewer''s token lists organization A'
);
delete from public.memberships
where user_id = current_setting('tests.uid_a_viewer')::uuid;
select tests.act_as(current_setting('tests.viewer_claims')::jsonb);
select is_empty(
  'select 1 from public.organizations',
  'A removed member loses access at once, whatever their token still says'
);
reset role;
select tests.clear_authentication();

-- plan limits --------------------------------------------------------------------------------
insert into public.organizations (name, slug, plan_id) values ('Trial Co', 'trial-co', 'trial');
select tests.create_supabase_user('t' || n) from generate_series(1, 6) as n;
insert into public.memberships (organization_id, user_id, role)
select
  tests.org_id('trial-co') as organization_id,
  tests.get_supabase_uid('t' || n) as user_id,
  'technician'::public.member_role as role
from generate_series(1, 3) as n;
select throws_ok(
  format(
    'insert into public.memberships (organization_id, user_id, role) values (%L, %L, %L)',
    tests.org_id('trial-co'), current_setting('tests.uid_t4')::uuid, 'technician'
  ),
  'PT402', 'The Trial plan allows 3 technicians',
  'The plan''s technician limit holds'
);
insert into public.memberships (organization_id, user_id, role)
select
  tests.org_id('trial-co') as organization_id,
  tests.get_supabase_uid('t' || n) as user_id,
  'viewer'::public.member_role as role
from generate_series(4, 5) as n;
select throws_ok(
  format(
    'insert into public.memberships (organization_id, user_id, role) values (%L, %L, %L)',
    tests.org_id('trial-co'), current_setting('tests.uid_t6')::uuid, 'viewer'
  ),
  'PT402', 'The Trial plan allows 5 members',
  'The plan''s member limit holds'
);
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'technician', current_setting('tests.uid_t4')::uuid
  ),
  'PT402', 'The Trial plan allows 3 technicians',
  'Promoting past the technician limit is refused too'
);

-- MFA for sensitive actions ----------------------------------------------------------------
update public.organizations set require_mfa = true
where slug = 'tenant-b';
select tests.authenticate_as('b_owner');
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'viewer', current_setting('tests.uid_b_technician')::uuid
  ),
  '42501', 'This action requires multi-factor authentication',
  'Changing a role needs aal2 when the organization requires MFA'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('b_owner', 'aal2');
select lives_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'viewer', current_setting('tests.uid_b_technician')::uuid
  ),
  'With an aal2 session the role change goes through'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
