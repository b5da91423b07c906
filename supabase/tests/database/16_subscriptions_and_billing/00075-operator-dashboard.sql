-- The operator's dashboard: platform staff only, in aal2 sessions. MRR and ARR now and month by
-- month from the monthly snapshots, logo and revenue churn, trial conversion, signups per week,
-- past-due amounts and the organizations at risk, checked against a small known history.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(15);
select tests.create_two_organizations();
select tests.create_supabase_user('staff_support', 'staff_support@tests.fieldbase.test');
insert into private.platform_staff (user_id, role) values (tests.get_supabase_uid('staff_support'), 'support');

-- Only the fixture's organizations count here.
delete from private.revenue_snapshots;
delete from private.revenue_months;
update public.organizations set deleted_at = now(), created_at = now() - interval '2 years'
where slug not in ('tenant-a', 'tenant-b');

-- Last month: A paid Starter monthly (49.00), B paid Pro yearly (1,490.00 / 12).
update public.organizations set
  plan_id = 'starter', status = 'active', stripe_subscription_id = 'sub_a',
  billing_interval = 'month', created_at = now() - interval '200 days'
where slug = 'tenant-a';
update public.organizations set
  plan_id = 'pro', status = 'active', stripe_subscription_id = 'sub_b',
  billing_interval = 'year', created_at = now() - interval '200 days'
where slug = 'tenant-b';
select private.take_revenue_snapshot((date_trunc('month', now() at time zone 'UTC') - interval '1 month')::date);
-- This month: B cancelled; A is past due owing 49.00; a new trial signed up and one converted.
update public.organizations set status = 'cancelled'
where slug = 'tenant-b';
update public.organizations set status = 'past_due', past_due_amount_cents = 4900
where slug = 'tenant-a';
insert into public.organizations (name, slug, plan_id, status, trial_ends_at, created_at) values
('New Trial', 'new-trial', 'trial', 'trialing', now() + interval '10 days', now() - interval '4 days'),
('Converted', 'converted', 'starter', 'active', now() - interval '2 days', now() - interval '16 days');
update public.organizations set stripe_subscription_id = 'sub_c', billing_interval = 'month'
where slug = 'converted';
insert into public.organizations (name, slug, plan_id, status, trial_ends_at, created_at)
values ('Lapsed', 'lapsed', 'trial', 'trial_expired', now() - interval '1 day', now() - interval '15 days');
-- Tenant A's people last signed in three weeks ago.
update auth.users set last_sign_in_at = now() - interval '21 days'
where id in (
  select m.user_id from public.memberships as m
  where m.organization_id = tests.org_id('tenant-a')
);
select private.take_revenue_snapshot(date_trunc('month', now() at time zone 'UTC')::date);

delete from private.billing_events;
delete from private.billing_problems;
insert into private.billing_events (event_id, event_type, outcome) values
('evt_tests_unknown', 'customer.subscription.created', 'refused: unknown customer');
insert into private.billing_problems (organization_id, stripe_object, problem)
values (tests.org_id('tenant-a'), 'sub_a', 'Unknown Stripe price price_x');
create function pg_temp.everyone() returns text[]
language sql immutable
as $$ select tests.actors() || array['staff@aal2', 'staff_support', 'staff_support@aal2'] $$;

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.platform_revenue', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '1 row')$$,
  'Only platform staff in an aal2 session (and service_role) read the revenue'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.platform_revenue_by_month', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '2 rows'), ('staff@aal2', '2 rows'),
    ('staff_support', '42501'), ('staff_support@aal2', '2 rows')$$,
  'Only platform staff in an aal2 session (and service_role) read the months'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.platform_signups_by_week limit 1', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '1 row')$$,
  'Only platform staff in an aal2 session (and service_role) read the signups'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.platform_organizations_at_risk limit 1', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row'), ('staff@aal2', '1 row'),
    ('staff_support', '42501'), ('staff_support@aal2', '1 row')$$,
  'Only platform staff in an aal2 session (and service_role) read the organizations at risk'
);

select tests.authenticate_as('staff', 'aal2', method => 'GET');
select is(
  (select mrr_cents from public.platform_revenue),
  4900::bigint + 4900,
  'MRR now: A (past due, still subscribed) and Converted, 49.00 each'
);
select is((select arr_cents from public.platform_revenue), (4900::bigint + 4900) * 12, 'ARR is twelve times MRR');
select is(
  (
    select (paying_organizations, trialing_organizations, past_due_organizations, past_due_cents)::text
    from public.platform_revenue
  ),
  '(2,1,1,4900)',
  'Two paying, one trialing, one past due owing 49.00'
);
select is(
  (select trial_conversion_30d from public.platform_revenue),
  0.5000,
  'Of the last 30 days'' signups whose trial ended, one in two subscribed'
);
select results_eq(
  $$select mrr_cents, paying_organizations, new_paying, churned_organizations, logo_churn_rate, revenue_churn_cents
    from public.platform_revenue_by_month order by month$$,
  $$values
    (4900::bigint + 149000 / 12, 2, 2, 0, null::numeric, 0::bigint),
    (9800::bigint, 2, 1, 1, 0.5000, 149000::bigint / 12)$$,
  'Month by month: last month A and B paid; this month B churned (half the logos) and Converted joined'
);
select is(
  (select sum(signups)::int from public.platform_signups_by_week),
  5,
  'Five signups in the last 52 weeks'
);
select is(
  (
    select reasons from public.platform_organizations_at_risk
    where name = 'Tenant A'
  ),
  array['past due', 'no sign-in in 14 days'],
  'Tenant A is at risk: past due, and nobody signed in'
);
select is(
  (
    select count(*)::int from public.platform_organizations_at_risk
    where name = 'Tenant B'
  ),
  0,
  'A cancelled organization is churned, not at risk'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('staff', 'aal2', method => 'GET');
select is(
  (select count(*)::int from public.organization_usage),
  (
    select count(*)::int * 6 from public.organizations
    where deleted_at is null
  ),
  'Staff read every live organization''s usage against its plan'
);
reset role;
select tests.clear_authentication();

select results_eq(
  $$select * from tests.access_matrix('select 1 from public.platform_billing_log', pg_temp.everyone())$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '2 rows'), ('staff@aal2', '2 rows'),
    ('staff_support', '42501'), ('staff_support@aal2', '2 rows')$$,
  'Only platform staff in an aal2 session (and service_role) read the billing log'
);
select tests.authenticate_as('staff', 'aal2', method => 'GET');
select results_eq(
  $$select source, outcome from public.platform_billing_log order by source$$,
  $$values ('stripe event', 'refused: unknown customer'), ('subscription sync', 'refused: Unknown Stripe price price_x')$$,
  'Staff see what Stripe sent that changed nothing, and why'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
