-- Membership rules: every organization keeps an owner, only owners touch the owner role,
-- ownership can be handed over, members can leave, plan limits hold, MFA guards role changes,
-- and membership rows (not token claims) decide access.
begin;
create extension if not exists pgtap with schema extensions;
select plan(17);

select tests.create_two_organizations();

-- the last owner ---------------------------------------------------------------------------
select tests.authenticate_as('a_owner');
select throws_ok(
  format('select public.leave_organization(%L)', tests.org_id('tenant-a')),
  'PT409', 'An organization must keep at least one owner',
  'The last owner cannot leave'
);
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'admin', tests.get_supabase_uid('a_owner')
  ),
  'PT409', 'An organization must keep at least one owner',
  'The last owner cannot demote themselves'
);
select tests.clear_authentication();

-- only owners touch the owner role ----------------------------------------------------------
select tests.authenticate_as('a_admin');
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'viewer', tests.get_supabase_uid('a_owner')
  ),
  '42501', 'Only an owner can grant, change or remove the owner role',
  'An admin cannot demote an owner'
);
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'owner', tests.get_supabase_uid('a_viewer')
  ),
  '42501', 'Only an owner can grant, change or remove the owner role',
  'An admin cannot make an owner'
);
select throws_ok(
  format('delete from public.memberships where user_id = %L', tests.get_supabase_uid('a_owner')),
  '42501', 'Only an owner can grant, change or remove the owner role',
  'An admin cannot remove an owner'
);
select throws_ok(
  format(
    'update public.memberships set user_id = %L where user_id = %L',
    tests.get_supabase_uid('outsider'), tests.get_supabase_uid('a_viewer')
  ),
  '42501', 'permission denied for table memberships',
  'Nobody hands a membership to another user'
);
select tests.clear_authentication();

-- handing over ownership, then leaving -------------------------------------------------------
select tests.authenticate_as('a_owner');
select lives_ok(
  format(
    'select public.transfer_ownership(%L, %L)', tests.org_id('tenant-a'), tests.get_supabase_uid('a_admin')
  ),
  'An owner transfers ownership to a member'
);
select results_eq(
  format(
    'select (select role::text from public.memberships where user_id = %L), '
    '(select role::text from public.memberships where user_id = %L)',
    tests.get_supabase_uid('a_admin'), tests.get_supabase_uid('a_owner')
  ),
  $$values ('owner', 'admin')$$,
  'The new owner is owner and the former owner is admin'
);
select lives_ok(
  format('select public.leave_organization(%L)', tests.org_id('tenant-a')),
  'The former owner can now leave'
);
select is_empty(
  format('select 1 from public.organizations where id = %L', tests.org_id('tenant-a')),
  'After leaving, the organization is out of sight'
);
select tests.clear_authentication();

-- stale claims never keep access --------------------------------------------------------------
select set_config('tests.viewer_claims', tests.access_token_claims('a_viewer')::text, true);
select ok(
  current_setting('tests.viewer_claims')::jsonb -> 'organizations' ? tests.org_id('tenant-a')::text,
  'The viewer''s token lists organization A'
);
delete from public.memberships
where user_id = tests.get_supabase_uid('a_viewer');
select tests.act_as(current_setting('tests.viewer_claims')::jsonb);
select is_empty(
  'select 1 from public.organizations',
  'A removed member loses access at once, whatever their token still says'
);
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
    tests.org_id('trial-co'), tests.get_supabase_uid('t4'), 'technician'
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
    tests.org_id('trial-co'), tests.get_supabase_uid('t6'), 'viewer'
  ),
  'PT402', 'The Trial plan allows 5 members',
  'The plan''s member limit holds'
);
select throws_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'technician', tests.get_supabase_uid('t4')
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
    'viewer', tests.get_supabase_uid('b_technician')
  ),
  '42501', 'This action requires multi-factor authentication',
  'Changing a role needs aal2 when the organization requires MFA'
);
select tests.clear_authentication();
select tests.authenticate_as('b_owner', 'aal2');
select lives_ok(
  format(
    'update public.memberships set role = %L where user_id = %L',
    'viewer', tests.get_supabase_uid('b_technician')
  ),
  'With an aal2 session the role change goes through'
);
select tests.clear_authentication();

select * from finish();
rollback;
