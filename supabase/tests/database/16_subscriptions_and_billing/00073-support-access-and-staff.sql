-- Platform staff never read a tenant's customers, work or money unless an owner granted support
-- access, for a limited time, revocable, visible to the owner; with it, support and admin staff
-- read and change nothing. Staff actions ask for a reason and land in the organization's audit
-- log; a suspension by staff is lifted by staff only.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(19);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_estimates_and_invoices();
select tests.create_supabase_user('staff_support', 'staff_support@tests.fieldbase.test');
select tests.create_supabase_user('staff_billing', 'staff_billing@tests.fieldbase.test');
insert into private.platform_staff (user_id, role) values
(tests.get_supabase_uid('staff_support'), 'support'),
(tests.get_supabase_uid('staff_billing'), 'billing');

create function pg_temp.staff_reads(statement text) returns text[]
language sql
as $$
  select array(select m.outcome from tests.access_matrix(statement, array['staff', 'staff_support', 'staff_billing']) as m)
$$;

select is(
  pg_temp.staff_reads('select 1 from public.customers where organization_id = {a}'),
  array['0 rows', '0 rows', '0 rows'],
  'Without a grant, staff read none of a tenant''s customers'
);
select is(
  pg_temp.staff_reads('select 1 from public.invoices where organization_id = {a}'),
  array['0 rows', '0 rows', '0 rows'],
  '... nor its invoices'
);
select is(
  pg_temp.staff_reads('select 1 from public.memberships where organization_id = {a}'),
  array['5 rows', '5 rows', '5 rows'],
  'Staff read an organization''s members'
);

-- The owner grants support access for 24 hours.
select tests.authenticate_as('a_owner');
select lives_ok(
  $$select public.grant_support_access(current_setting('tests.org_a')::uuid, 24, 'The invoice totals look wrong')$$,
  'An owner grants support access'
);
select is(
  (
    select count(*)::int from public.support_access_grants
    where revoked_at is null and expires_at > now()
  ),
  1,
  'The owner sees the grant'
);
select is(
  (
    select count(*)::int from public.activity
    where verb = 'support_access.granted'
  ),
  1,
  'The grant is in the activity feed'
);
reset role;
select tests.clear_authentication();

select is(
  pg_temp.staff_reads('select 1 from public.customers where organization_id = {a}'),
  array[
    (
      select count(*)::text || ' rows' from public.customers
      where organization_id = tests.org_id('tenant-a')
    ),
    (
      select count(*)::text || ' rows' from public.customers
      where organization_id = tests.org_id('tenant-a')
    ),
    '0 rows'
  ],
  'With the grant, support and admin staff read its customers; billing staff do not'
);
select is(
  pg_temp.staff_reads('select 1 from public.invoices where organization_id = {a}'),
  array[
    (
      select count(*)::text || ' rows' from public.invoices
      where organization_id = tests.org_id('tenant-a')
    ),
    (
      select count(*)::text || ' rows' from public.invoices
      where organization_id = tests.org_id('tenant-a')
    ),
    '0 rows'
  ],
  '... and its invoices'
);
select is(
  pg_temp.staff_reads('select 1 from public.customers where organization_id = {b}'),
  array['0 rows', '0 rows', '0 rows'],
  'Another organization stays closed'
);
select is(
  tests.outcome_as(
    'staff_support', 'update public.customers set name = ''Changed by support'' where organization_id = {a} returning 1'
  ),
  '0 rows',
  'Support access changes nothing: no update policy lets staff touch a row'
);
select is(
  tests.outcome_as(
    'staff_support',
    'insert into public.time_off (organization_id, user_id, starts_at, ends_at)'
    ' values ({a}, {staff_support}, now(), now() + interval ''1 hour'') returning 1',
    true
  ),
  '42501: Support access is read-only',
  'Support access writes nothing, even where a member''s policy would let a person write'
);
select is(
  tests.outcome_as('staff_support', 'select public.send_estimate({a_estimate})'),
  'PT404',
  'Support access calls no member RPC'
);

-- The owner revokes it.
select tests.authenticate_as('a_owner');
select public.revoke_support_access((
  select g.id from public.support_access_grants as g
  order by g.granted_at limit 1
));
reset role;
select tests.clear_authentication();
select is(
  pg_temp.staff_reads('select 1 from public.customers where organization_id = {a}'),
  array['0 rows', '0 rows', '0 rows'],
  'Revoked, the access ends at once'
);

-- An expired grant reads nothing either.
insert into public.support_access_grants (organization_id, reason, granted_at, expires_at)
values (tests.org_id('tenant-a'), 'Old ticket', now() - interval '3 days', now() - interval '1 day');
select is(
  pg_temp.staff_reads('select 1 from public.customers where organization_id = {a}'),
  array['0 rows', '0 rows', '0 rows'],
  'An expired grant reads nothing'
);

-- Staff actions: a reason, aal2, the organization's audit log; a staff suspension holds.
select tests.authenticate_as('staff_billing', 'aal2');
select throws_ok(
  $$select public.set_organization_status(current_setting('tests.org_a')::uuid, 'suspended', '  ')$$,
  '22023', 'Give a reason: every staff action is recorded with one',
  'A staff action without a reason is refused'
);
select lives_ok(
  $$select public.set_organization_status(current_setting('tests.org_a')::uuid, 'suspended', 'Chargeback')$$,
  'Billing staff suspend with a reason'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select a.new_values ->> 'reason' from public.audit_log as a
    where a.organization_id = tests.org_id('tenant-a') and a.action = 'call' and a.table_name = 'set_organization_status'
  ),
  'Chargeback',
  'The staff action is in the organization''s audit log, with its reason'
);
select is(
  (
    select suspended_for from public.organizations
    where slug = 'tenant-a'
  ),
  'staff',
  'Suspended by staff'
);
update public.organizations set stripe_customer_id = 'cus_tenantA', plan_id = 'starter'
where slug = 'tenant-a';
update public.plans set stripe_price_monthly = 'price_test_starter_m'
where id = 'starter';
select queue.apply_subscription(
  tests.org_id('tenant-a'),
  jsonb_build_object(
    'id', 'sub_tenantA', 'customer', 'cus_tenantA', 'status', 'active',
    'items',
    jsonb_build_object('data', jsonb_build_array(jsonb_build_object('price', jsonb_build_object('id', 'price_test_starter_m'))))
  ),
  now()
);
select is(
  (
    select status::text from public.organizations
    where slug = 'tenant-a'
  ),
  'suspended',
  'A payment does not lift a suspension by staff'
);

select * from finish();
rollback;
