-- Invitations: token shown once and stored as a hash, email queued for the worker, accepted
-- only by the invited (confirmed) address, once, before expiry, unless withdrawn.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(22);

select tests.create_two_organizations();
select tests.create_supabase_user('invitee', 'invitee@example.test');
select tests.create_supabase_user('someone_else', 'someone.else@example.test');
select tests.create_supabase_user('unconfirmed', 'unconfirmed@example.test');
update auth.users set email_confirmed_at = null
where id = current_setting('tests.uid_unconfirmed')::uuid;

-- acting as the owner of A: invite ---------------------------------------------------------
select tests.authenticate_as('a_owner');
select set_config(
  'tests.token',
  (select token from public.invite_member(current_setting('tests.org_a')::uuid, ' Invitee@Example.TEST ', 'dispatcher')),
  true
);
select set_config(
  'tests.unconfirmed_token',
  (select token from public.invite_member(current_setting('tests.org_a')::uuid, 'unconfirmed@example.test')),
  true
);
reset role;
select tests.clear_authentication();

select is(length(current_setting('tests.token')), 43, 'The token is 256 random bits, URL-safe');
select results_eq(
  $$
    select email, role::text, token_hash = sha256(convert_to(current_setting('tests.token'), 'UTF8'))
    from public.invitations where email = 'invitee@example.test'
  $$,
  $$values ('invitee@example.test', 'dispatcher', true)$$,
  'The invitation stores the normalised email, the role and only a hash of the token'
);
select results_eq(
  $$
    select kind, payload ->> 'role', payload ->> 'token' = current_setting('tests.token'),
      dedupe_key like 'invitation:%'
    from queue.all_jobs where payload ->> 'email' = 'invitee@example.test'
  $$,
  $$values ('email.invitation', 'dispatcher', true, true)$$,
  'The invitation email is queued for the worker, once per invitation'
);
select results_eq(
  $$select summary || ' ' || data::text from public.activity where verb = 'invitation.sent' order by id limit 1$$,
  array['An invitation was sent {}'],
  'Sending an invitation shows in the activity feed, which every member reads, without the invitee or role'
);

-- who may invite whom ----------------------------------------------------------------------
select tests.authenticate_as('a_admin');
select throws_ok(
  format('select public.invite_member(%L, %L, %L)', current_setting('tests.org_a')::uuid, 'boss@example.test', 'owner'),
  '42501', 'Only an owner can invite an owner',
  'An admin cannot invite an owner'
);
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_a')::uuid, 'a_viewer@tests.fieldbase.test'),
  '23505', 'a_viewer@tests.fieldbase.test is already a member',
  'Inviting a member again is refused'
);
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_a')::uuid, 'not-an-address'),
  '22023', '"not-an-address" is not an email address',
  'An invalid address is refused with a readable message'
);
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_b')::uuid, 'x@example.test'),
  '42501', 'Only owners and admins can invite members',
  'Nobody invites into another organization'
);
reset role;
select tests.clear_authentication();

-- accepting --------------------------------------------------------------------------------
select tests.authenticate_as('someone_else');
select throws_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.token')),
  '42501', 'This invitation was sent to another email address',
  'Another signed-in user cannot use the invitation'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('unconfirmed');
select throws_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.unconfirmed_token')),
  '42501', 'Confirm your email address before accepting the invitation',
  'An unconfirmed address cannot accept'
);
select is_empty(
  'select organization_id, role, invited_by from public.invitations',
  'Signing up first with an invitee''s address reveals nothing of the invitation until confirmed'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('invitee');
select lives_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.token')),
  'The invited address accepts'
);
select results_eq(
  $$select name from public.organizations$$,
  array['Tenant A'],
  'The new member sees the organization at once'
);
select throws_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.token')),
  'PT410', 'This invitation has already been used',
  'An invitation works once'
);
reset role;
select tests.clear_authentication();

select results_eq(
  $$
    select m.role::text, m.invited_by = current_setting('tests.uid_a_owner')::uuid
    from public.memberships as m where m.user_id = current_setting('tests.uid_invitee')::uuid
  $$,
  $$values ('dispatcher', true)$$,
  'Accepting creates the membership with the invited role'
);
select results_eq(
  $$
    select title from public.notifications
    where user_id = current_setting('tests.uid_a_owner')::uuid and kind = 'invitation.accepted'
  $$,
  array['invitee@example.test accepted your invitation to Tenant A'],
  'The inviter is notified (by the new member''s name, else email)'
);

-- expiry, withdrawal and re-invitation -----------------------------------------------------
insert into public.invitations (organization_id, email, token_hash, expires_at)
values (
  current_setting('tests.org_a')::uuid, 'someone.else@example.test',
  sha256(convert_to('expired-token', 'UTF8')), now() - interval '1 minute'
);
select tests.authenticate_as('someone_else');
select throws_ok(
  $$select public.accept_invitation('expired-token')$$,
  'PT410', 'This invitation has expired',
  'An expired invitation is refused'
);
select throws_ok(
  $$select public.accept_invitation('tenant-a-token')$$,
  '42501', 'This invitation was sent to another email address',
  'The fixture invitation is someone else''s too'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_owner');
select set_config(
  'tests.first',
  (select token from public.invite_member(current_setting('tests.org_a')::uuid, 'someone.else@example.test')),
  true
);
select set_config(
  'tests.second',
  (select token from public.invite_member(current_setting('tests.org_a')::uuid, 'someone.else@example.test')),
  true
);
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::int from public.invitations
    where email = 'someone.else@example.test' and accepted_at is null and revoked_at is null
  ),
  1,
  'Re-inviting leaves one pending invitation'
);

select set_config(
  'tests.second_id',
  (
    select id::text from public.invitations
    where token_hash = sha256(convert_to(current_setting('tests.second'), 'UTF8'))
  ),
  true
);
select tests.authenticate_as('a_admin');
select lives_ok(
  format('select public.revoke_invitation(%L)', current_setting('tests.second_id')),
  'An admin withdraws an invitation'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('someone_else');
select throws_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.first')),
  'PT410', 'This invitation was withdrawn',
  'The replaced invitation''s link no longer works'
);
select throws_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.second')),
  'PT410', 'This invitation was withdrawn',
  'A withdrawn invitation is refused'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
