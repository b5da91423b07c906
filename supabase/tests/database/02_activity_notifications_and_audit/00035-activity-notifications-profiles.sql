-- Activity and notifications come from domain events; profiles follow Supabase Auth.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(10);

select tests.create_two_organizations();

-- activity and notifications ---------------------------------------------------------------
select is(
  (
    select count(*)::int from public.activity
    where organization_id = current_setting('tests.org_a')::uuid and verb = 'member.joined'
  ),
  5,
  'Each member joining shows in the activity feed'
);
select results_eq(
  $$select title from public.notifications where user_id = current_setting('tests.uid_a_viewer')::uuid$$,
  array['You were added to Tenant A as viewer'],
  'A new member is notified'
);

select tests.authenticate_as('a_owner');
update public.memberships set role = 'dispatcher'
where user_id = current_setting('tests.uid_a_viewer')::uuid;
reset role;
select tests.clear_authentication();
select results_eq(
  $$select summary from public.activity where verb = 'member.role_changed'$$,
  array['A Viewer is now dispatcher (was viewer)'],
  'A role change shows in the activity feed'
);

select tests.authenticate_as('a_viewer');
select is(
  public.mark_notifications_read(array[(
    select min(id) from public.notifications
    where user_id = current_setting('tests.uid_a_owner')::uuid
  )]),
  0,
  'Nobody marks someone else''s notifications'
);
select is(public.mark_notifications_read(), 2, 'Marking all marks one''s unread notifications');
select is_empty(
  'select 1 from public.notifications where read_at is null',
  'None are left unread'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::int from public.notifications
    where user_id = current_setting('tests.uid_a_owner')::uuid and read_at is null
  ),
  1,
  'Other people''s notifications stay unread'
);

-- profiles -----------------------------------------------------------------------------------
select tests.create_supabase_user(
  'oauth_user', 'OAuth.User@example.test', null,
  '{"name": "Olive OAuth", "picture": "https://example.test/olive.png"}'::jsonb
);
select results_eq(
  $$
    select email, full_name, avatar_url from public.profiles
    where id = current_setting('tests.uid_oauth_user')::uuid
  $$,
  $$values ('oauth.user@example.test', 'Olive OAuth', 'https://example.test/olive.png')$$,
  'A new auth user gets a profile with the name and avatar their provider gave'
);
update auth.users
set
  email = 'olive@example.test',
  raw_user_meta_data = raw_user_meta_data || '{"full_name": "Olive Oyl", "avatar_url": "javascript:alert(1)"}'
where id = current_setting('tests.uid_oauth_user')::uuid;
select results_eq(
  $$
    select email, full_name, avatar_url from public.profiles
    where id = current_setting('tests.uid_oauth_user')::uuid
  $$,
  $$values ('olive@example.test', 'Olive Oyl', 'https://example.test/olive.png')$$,
  'Changes in Supabase Auth follow into the profile (and an unsafe avatar URL is ignored)'
);
delete from auth.users
where id = current_setting('tests.uid_oauth_user')::uuid;
select is_empty(
  'select 1 from public.profiles where email = ''olive@example.test''',
  'Deleting the auth user deletes the profile'
);

select * from finish();
rollback;
