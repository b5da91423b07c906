-- Who may select, insert, update and delete in every table and view of the API, acting as
-- anon, a signed-in outsider, each role of organization A, the owner of organization B, platform
-- staff and service_role. "N rows" is what the actor sees or changes; a SQLSTATE is a refusal
-- (42501: no privilege, or a row RLS does not allow). Each statement is undone after each actor.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(49);
select tests.create_two_organizations();

-- plans -------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.plans limit 1'
  )$$,
  $$values
    ('anon', '1 row'),
    ('outsider', '1 row'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '1 row'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'Anyone can read the plans'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.plans (id, name) values (''x'', ''X'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody but service_role adds a plan'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.plans set name = name where id = ''pro'' returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody but service_role changes a plan'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.plans where id = ''enterprise'' returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody but service_role deletes a plan'
);

-- organizations -----------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.organizations where id = {a}'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'Members and staff read organization A'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.organizations (name, slug) values (''X'', ''x-org'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Organizations are created through create_organization only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.organizations set name = ''Renamed'' where id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins of A rename A'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.organizations set plan_id = ''enterprise'' where id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody changes the plan through the API'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.organizations where id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody deletes an organization outright through the API'
);

-- profiles ----------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.profiles where id = {a_viewer}'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'People read the profiles of the people they work with; platform staff read them all'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.profiles (id) values ({outsider}) returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '23505')$$,
  'Profiles are created by Supabase Auth only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.profiles set full_name = ''New Name'' where id = {a_viewer} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '0 rows'),
    ('a_admin', '0 rows'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'People update only their own profile'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.profiles set email = ''x@example.test'' where id = {a_viewer} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'The email comes from Supabase Auth, not the API'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.profiles where id = {outsider} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody but service_role deletes a profile'
);

-- memberships -------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.memberships where organization_id = {a} limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'Members and platform staff read A''s memberships'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.memberships (organization_id, user_id, role) values ({a}, {outsider},
    ''viewer'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Memberships are created through invitations only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.memberships set role = ''dispatcher'' where organization_id = {a} and
    user_id = {a_viewer} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins change a member''s role'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.memberships set organization_id = {b} where organization_id = {a} and
    user_id = {a_viewer} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody moves a membership to another organization'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.memberships where organization_id = {a} and user_id = {a_viewer}
    returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins remove a member, and members leave'
);

-- invitations -------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.invitations where organization_id = {a} limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins read A''s invitations'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select token_hash from public.invitations limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Nobody reads token hashes through the API'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.invitations (organization_id, email, token_hash) values ({a},
    ''x@example.test'', ''\x00'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Invitations are created through invite_member only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.invitations set role = ''admin'' where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Invitations are changed through RPCs only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.invitations where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Invitations are withdrawn through revoke_invitation only'
);

-- audit_log ---------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.audit_log where organization_id = {a} limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins read A''s audit log'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.audit_log (organization_id, actor_role, action, table_name) values
    ({a}, ''x'', ''insert'', ''t'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Nobody writes the audit log directly'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.audit_log set table_name = ''x'' where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Nobody changes the audit log'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.audit_log where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Nobody deletes from the audit log'
);

-- activity ----------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.activity where organization_id = {a} limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Members read A''s activity'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.activity (organization_id, verb, subject_type, summary) values ({a},
    ''x.y'', ''t'', ''s'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Activity is written by triggers only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.activity set summary = ''x'' where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '5 rows')$$,
  'Activity is never edited through the API'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.activity where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '5 rows')$$,
  'Activity is never deleted through the API'
);

-- notifications -----------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.notifications where user_id = {a_viewer} limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '0 rows'),
    ('a_admin', '0 rows'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'People read only their own notifications'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.notifications (organization_id, user_id, kind, title) values ({a},
    {a_viewer}, ''k'', ''t'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Notifications are written by triggers only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.notifications set read_at = now() where user_id = {a_viewer} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Notifications are marked read through mark_notifications_read only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.notifications where user_id = {a_viewer} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Notifications are never deleted through the API'
);

-- feature_flags -----------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.feature_flags where key = ''tests_flag'''
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '1 row'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '1 row'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'Signed-in users read the feature flags'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.feature_flags (key) values (''new_flag'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Flags are added by service_role only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.feature_flags set enabled = true where key = ''tests_flag'' returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Flags are changed by service_role only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.feature_flags where key = ''tests_flag'' returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Flags are deleted by service_role only'
);

-- organization_feature_flags ----------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.organization_feature_flags where organization_id = {a}'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Members read A''s flag overrides'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.organization_feature_flags (organization_id, flag_key, enabled)
    values ({b}, ''tests_flag'', true) returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Overrides are added by service_role only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.organization_feature_flags set enabled = false where organization_id = {a}
    returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Overrides are changed by service_role only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.organization_feature_flags where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Overrides are deleted by service_role only'
);

-- usage_counters ----------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.usage_counters where organization_id = {a}'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'Owners, admins and platform staff read A''s usage'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.usage_counters (organization_id, metric, period) values ({b},
    ''jobs'', ''2026-01-01'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Usage is counted by the database only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.usage_counters set value = 0 where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Usage is never edited through the API'
);
select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.usage_counters where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '1 row')$$,
  'Usage is never deleted through the API'
);

-- platform_diagnostics ----------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.platform_diagnostics limit 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '0 rows'),
    ('a_admin', '0 rows'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '1 row'),
    ('service_role', '1 row')$$,
  'Only staff and service_role see the diagnostics'
);

select * from finish();
rollback;
