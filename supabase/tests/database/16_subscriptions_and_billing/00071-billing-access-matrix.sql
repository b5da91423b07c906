-- Who may read and do what in subscriptions and billing: every actor of 00020, platform staff in
-- each role (support, billing, admin = "staff"), each at aal1 and at aal2 ("@aal2"). Staff act
-- only in aal2 sessions; an owner's billing RPCs are sensitive (aal2 where MFA is required) but
-- work while the organization is read-only, since subscribing is how it becomes active again.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(19);
select tests.create_two_organizations();
select tests.create_supabase_user('staff_support', 'staff_support@tests.fieldbase.test');
select tests.create_supabase_user('staff_billing', 'staff_billing@tests.fieldbase.test');
insert into private.platform_staff (user_id, role) values
(tests.get_supabase_uid('staff_support'), 'support'),
(tests.get_supabase_uid('staff_billing'), 'billing');
update public.plans set stripe_price_monthly = 'price_test_starter_m'
where id = 'starter';
insert into public.billing_sessions (organization_id, kind, requested_by)
select
  o.id as organization_id,
  'portal' as kind,
  null as requested_by
from public.organizations as o
where o.slug in ('tenant-a', 'tenant-b');
insert into public.support_access_grants (organization_id, reason, expires_at)
values (tests.org_id('tenant-a'), 'Help with invoices', now() + interval '1 day');
select set_config(
  'tests.a_grant', (
    select g.id::text from public.support_access_grants as g
    order by g.granted_at limit 1
  ), true
);

create function pg_temp.everyone() returns text[]
language sql immutable
as $$
  select tests.actors() || array[
    'staff@aal2', 'staff_support', 'staff_support@aal2', 'staff_billing', 'staff_billing@aal2'
  ]
$$;

-- tables and views -----------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.billing_sessions', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '0 rows'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '1 row'), ('staff', '0 rows'), ('service_role', '2 rows'), ('staff@aal2', '0 rows'),
    ('staff_support', '0 rows'), ('staff_support@aal2', '0 rows'), ('staff_billing', '0 rows'),
    ('staff_billing@aal2', '0 rows')$$,
  'Owners read their own billing sessions (checkout and portal links); nobody else does'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.support_access_grants', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '1 row'), ('service_role', '1 row'), ('staff@aal2', '1 row'),
    ('staff_support', '1 row'), ('staff_support@aal2', '1 row'), ('staff_billing', '1 row'),
    ('staff_billing@aal2', '1 row')$$,
  'Owners and admins see the support access they granted; staff see every grant'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.organization_usage where organization_id = {a}', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '6 rows'), ('a_admin', '6 rows'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '6 rows'), ('service_role', '6 rows'), ('staff@aal2', '6 rows'),
    ('staff_support', '6 rows'), ('staff_support@aal2', '6 rows'), ('staff_billing', '6 rows'),
    ('staff_billing@aal2', '6 rows')$$,
  'Owners, admins and staff read usage against the plan (six metrics); others read nothing'
);

-- an owner's billing ---------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.start_subscription_checkout({a}, ''starter'', ''month'')', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '42501'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '42501')$$,
  'Only an owner of the organization starts a checkout'
);

update public.organizations set stripe_customer_id = 'cus_tenantA'
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.open_billing_portal({a})', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '42501'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '42501')$$,
  'Only an owner of the organization opens the billing portal'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.grant_support_access({a}, 24, ''Our invoices look wrong'')', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '42501'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '42501')$$,
  'Only an owner grants support access'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.revoke_support_access({a_grant})', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', 'PT404'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'), ('staff', 'PT404'), ('service_role', '42501'), ('staff@aal2', 'PT404'),
    ('staff_support', 'PT404'), ('staff_support@aal2', 'PT404'), ('staff_billing', 'PT404'),
    ('staff_billing@aal2', 'PT404')$$,
  'Only an owner revokes support access; to anyone else the grant does not exist'
);

-- staff ------------------------------------------------------------------------------------------
update public.organizations set status = 'trialing'
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.extend_trial({a}, 7, ''Sales call'')', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '1 row')$$,
  'Billing staff and admins extend trials, in aal2 sessions only; support cannot'
);

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.hold_purge({a}, true, ''Legal hold'')', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '1 row')$$,
  'Billing staff and admins hold a purge, in aal2 sessions only'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.set_organization_plan({a}, ''starter'', ''Enterprise contract ended'')', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '1 row')$$,
  'Billing staff and admins set the plan of an organization billed outside Stripe'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.grant_billing_credit({a}, 2500, ''Outage'')', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '1 row')$$,
  'Billing staff and admins grant credits'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.set_staff_role({outsider}, ''support'', ''New hire'')', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '42501')$$,
  'Only admins manage staff'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.set_organization_status({a}, ''suspended'', ''Unpaid invoice'')', pg_temp.everyone()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '42501'), ('staff_billing', '42501'),
    ('staff_billing@aal2', '1 row')$$,
  'Billing staff and admins (aal2) or a billing backend suspend an organization; support cannot'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.set_organization_status({a}, ''cancelled'', ''Fraud'')', array['staff@aal2', 'staff_billing@aal2']
  )$$,
  $$values ('staff@aal2', '1 row'), ('staff_billing@aal2', '42501')$$,
  'Only admins cancel an organization'
);

-- the organization's state -----------------------------------------------------------------------
update public.organizations set require_mfa = true
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.start_subscription_checkout({a}, ''starter'', ''month'')',
    array['a_owner', 'a_owner@aal2']
  )$$,
  $$values ('a_owner', '42501'), ('a_owner@aal2', '1 row')$$,
  'Where the organization requires MFA, billing needs an aal2 session'
);

update public.organizations set status = 'trial_expired'
where slug = 'tenant-a';
select is(
  tests.outcome_as('a_owner@aal2', 'select 1 from public.start_subscription_checkout({a}, ''starter'', ''month'')'),
  '1 row',
  'A trial-expired organization''s owner can still subscribe'
);

update public.organizations set status = 'suspended', suspended_for = 'non_payment'
where slug = 'tenant-a';
select is(
  tests.outcome_as('a_owner@aal2', 'select 1 from public.open_billing_portal({a})'),
  '1 row',
  'A suspended organization''s owner can still open the billing portal to pay'
);

select is(
  tests.outcome_as('a_owner@aal2', 'select 1 from public.grant_support_access({a}, 24, ''Help us'')'),
  '1 row',
  'A suspended organization''s owner can still ask support for help'
);

update public.organizations set stripe_customer_id = null
where slug = 'tenant-a';
select is(
  tests.outcome_as('a_owner@aal2', 'select 1 from public.open_billing_portal({a})', true),
  'PT409: There is no billing account yet',
  'The portal needs a Stripe customer: subscribe first'
);

select * from finish();
rollback;
