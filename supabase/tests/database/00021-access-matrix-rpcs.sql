-- Who may call each RPC of the API (same actors and notation as the table matrix).
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(12);
select tests.create_two_organizations();

select results_eq(
  $$select * from tests.access_matrix(
    'select public.health()'
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
  'Anyone can ask for health'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.create_organization(''New Co'')'
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
    ('service_role', '42501')$$,
  'Signed-in users create organizations'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.delete_organization({a})'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Only an owner deletes the organization'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.transfer_ownership({a}, {a_admin})'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Only an owner transfers ownership'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.leave_organization({a})'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', 'PT409'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '1 row'),
    ('a_viewer', '1 row'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'Members leave, except the last owner'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.set_organization_status({a}, ''suspended'', ''unpaid'')'
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
  'service_role sets an organization''s status; staff need an aal2 session (00071)'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.invite_member({a}, ''new.person@example.test'', ''viewer'')'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Owners and admins invite members'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.accept_invitation(''not-a-token'')'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', 'PT404'),
    ('a_admin', 'PT404'),
    ('a_dispatcher', 'PT404'),
    ('a_technician', 'PT404'),
    ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'An unknown invitation token is refused'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.revoke_invitation({a_invitation})'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'),
    ('a_technician', 'PT404'),
    ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'Owners and admins withdraw an invitation'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.mark_notifications_read()'
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
    ('service_role', '42501')$$,
  'Signed-in users mark their notifications read'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.feature_enabled(''tests_flag'', {a})'
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
  'Signed-in users ask for feature flags'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select public.custom_access_token_hook(''{}''::jsonb)'
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
  'Only Supabase Auth runs the access token hook'
);

select * from finish();
rollback;
