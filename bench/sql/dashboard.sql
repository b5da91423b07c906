-- The operator's dashboard at scale (scripts/bench dashboard): organizations up to
-- %(organizations)s in all, in every billing state, with two months of usage and two years of
-- monthly revenue snapshots, then each dashboard view read as platform staff.

-- name: staff_user
-- The platform staff member who reads the dashboard (kept across --reuse runs).
with made as (
  insert into auth.users (
    instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at
  )
  select
    '00000000-0000-0000-0000-000000000000'::uuid as instance_id,
    gen_random_uuid() as id,
    'authenticated' as aud,
    'authenticated' as role,
    'staff@bench.test' as email,
    '' as encrypted_password,
    now() as email_confirmed_at,
    '{"provider": "email"}'::jsonb as raw_app_meta_data,
    '{"full_name": "Bench Staff"}'::jsonb as raw_user_meta_data,
    now() as created_at,
    now() as updated_at
  where
    not exists (
      select from auth.users as u
      where u.email = 'staff@bench.test'
    )
  returning id
)

select id from made
union all
select u.id from auth.users as u
where u.email = 'staff@bench.test';

-- name: add_organizations
-- Lightweight organizations on top of the generated ones, owned by one bench owner, spread over
-- two years of signups and every plan and billing status.
insert into public.organizations (
  name, slug, plan_id, status, trial_ends_at, created_at, stripe_customer_id,
  stripe_subscription_id, billing_interval, past_due_amount_cents
)
select
  'Bench tenant ' || n as name,
  'bench-tenant-' || n as slug,
  (array['trial', 'starter', 'pro', 'starter'])[1 + mod(n, 4)] as plan_id,
  (
    array['trialing', 'active', 'active', 'past_due', 'trial_expired', 'cancelled', 'active']
  )[1 + mod(n, 7)]::public.organization_status as status,
  now() + make_interval(days => 14 - mod(n, 30)) as trial_ends_at,
  now() - make_interval(days => mod(n, 730)) as created_at,
  'cus_bench' || n as stripe_customer_id,
  case when mod(n, 4) <> 0 then 'sub_bench' || n end as stripe_subscription_id,
  case when mod(n, 5) = 0 then 'year' else 'month' end as billing_interval,
  case when mod(n, 7) = 3 then 4900 end as past_due_amount_cents
from generate_series(
  1, greatest(0, %(organizations)s - (select count(*) from public.organizations))::integer
) as n;

-- name: tenants_owner
-- Who owns the lightweight organizations: the last bench organization's owner, whom no other
-- benchmark acts as. Parameter: %(organization)s, that organization's name.
with last_organization as (
  select o.id from public.organizations as o
  where o.name = %(organization)s
)

select m.user_id
from public.memberships as m
inner join last_organization as l on m.organization_id = l.id
where m.role = 'owner';

-- name: add_owners
insert into public.memberships (organization_id, user_id, role)
select
  o.id as organization_id,
  %(owner)s as user_id,
  'owner' as role
from public.organizations as o
where o.name like 'Bench tenant %%'
on conflict do nothing;

-- name: add_usage
-- Last month and the month before: emails, documents and webhooks for every organization.
insert into public.usage_counters (organization_id, metric, period, value)
select
  o.id as organization_id,
  m.metric,
  (date_trunc('month', now() at time zone 'UTC') - make_interval(months => back))::date as period,
  (hashtext(o.id::text || m.metric || back) & 1023)::bigint as value
from public.organizations as o
cross join unnest(array['emails', 'documents', 'webhooks']) as m (metric)
cross join generate_series(0, 2) as back
on conflict do nothing;

-- name: add_snapshots
-- Two years of monthly snapshots, oldest first (each month's figures read the month before).
select
  count(private.take_revenue_snapshot(
    (date_trunc('month', now() at time zone 'UTC') - make_interval(months => back))::date
  ))
from generate_series(23, 0, -1) as back;

-- name: platform_revenue
select * from public.platform_revenue;

-- name: platform_revenue_by_month
select * from public.platform_revenue_by_month;

-- name: platform_signups_by_week
select * from public.platform_signups_by_week;

-- name: platform_organizations_at_risk
select * from public.platform_organizations_at_risk
order by organization_id
limit 100;

-- name: organization_usage
select * from public.organization_usage
where organization_id = %(org)s;
