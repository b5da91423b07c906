-- The money access matrix: every new table and RPC as every actor, the customer portal's users
-- included (portal_x: the fixture customer's; portal_y: another customer of the same
-- organization; portal_b: tenant B's), then a suspended organization and an aal1 session
-- where MFA is required.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(29);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();
select private.apply_payment(
  (
    select i from public.invoices as i
    where i.id = current_setting('tests.a_invoice')::uuid
  ),
  1000, 'cash', null, null, 'fixture-payment'
);

-- Reads -------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.invoices where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '3 rows'), ('a_admin', '3 rows'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '3 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '3 rows'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '0 rows')$$,
  'Invoices: owners, admins and viewers; each portal user their customer''s sent ones only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.invoice_lines where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '3 rows'), ('a_admin', '3 rows'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '3 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '3 rows'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '0 rows')$$,
  'Invoice lines follow their invoices'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.payments where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '1 row'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Payments: the customer''s portal user sees what they paid; nobody else''s'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.estimates where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '1 row'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Estimates: members other than technicians, the technician on the customer''s work, and the customer''s portal user'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.estimate_lines where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '2 rows'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '2 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Estimate lines follow their estimates'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.price_book_items where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'The price book: members other than technicians; never portal users'
);
insert into public.price_book_item_costs (organization_id, item_id, unit_cost_cents)
select
  organization_id,
  id,
  4000 as unit_cost_cents
from public.price_book_items
where code = 'TEST-RP';
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.price_book_item_costs where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Costs: owners and admins only'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.sites where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '1 row'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '0 rows')$$,
  'Sites: a portal user sees their customer''s own'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.customers where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '1 row'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Customer records (with the organization''s notes) stay with the members'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.work_order_notes where organization_id = {a}', array['portal_x', 'portal_y', 'portal_b'])$$,
  $$values ('portal_x', '0 rows'), ('portal_y', '0 rows'), ('portal_b', '0 rows')$$,
  'Work order notes (internal) are never a portal user''s'
);

-- Writes ---------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.record_payment({a_draft_invoice}, 100, ''cash'', ''m1'')', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', 'PT409'), ('a_admin', 'PT409'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'record_payment: owners and admins reach the invoice (a draft takes no payment); nobody else finds it'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.record_payment({a_invoice}, 100, ''cash'', ''m2'')', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'record_payment on a sent invoice: owners and admins'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.send_invoice({a_draft_invoice})', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'send_invoice: owners and admins'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.void_invoice({a_other_invoice}, ''Mistake'')', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'void_invoice: owners and admins'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.approve_estimate({a_estimate}, {a_estimate_good})', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', '1 row'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'approve_estimate: the customer''s portal user, the technician on their work (on site), '
  || 'or owners, admins and dispatchers for them'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.invoices set title = ''Renamed'' where id = {a_draft_invoice} returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Draft invoices: owners and admins edit them'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.estimates (organization_id, customer_id, title) values ({a}, {a_customer}, ''New'') returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row'), ('portal_x', '42501'), ('portal_y', '42501'),
    ('portal_b', '42501')$$,
  'Estimates are drafted by owners, admins and dispatchers'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.invoices (organization_id, customer_id, title) values ({b}, {b_customer}, ''Sneaky'') returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '1 row'),
    ('staff', '42501'), ('service_role', '1 row'), ('portal_x', '42501'), ('portal_y', '42501'),
    ('portal_b', '42501')$$,
  'Nobody drafts an invoice in another organization'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.billing_settings (organization_id, payment_terms_days) values ({a}, 14) returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row'), ('portal_x', '42501'), ('portal_y', '42501'),
    ('portal_b', '42501')$$,
  'Billing settings are kept by owners and admins'
);

-- Technicians see prices only where the organization allows -----------------------------------
insert into public.invoices (organization_id, customer_id, site_id, work_order_id, title)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.a_customer')::uuid,
  current_setting('tests.a_site')::uuid, current_setting('tests.a_work_order')::uuid, 'For the assigned work'
);
select is(
  (
    select outcome from tests.access_matrix('select 1 from public.invoices where organization_id = {a}')
    where actor = 'a_technician'
  ),
  '0 rows', 'By default an assigned technician sees no invoice'
);
insert into public.billing_settings (organization_id, technicians_see_prices)
values (current_setting('tests.org_a')::uuid, true);
select is(
  (
    select outcome from tests.access_matrix('select 1 from public.invoices where organization_id = {a}')
    where actor = 'a_technician'
  ),
  '1 row', 'Where the organization allows it, the invoice of their assigned work only'
);

-- Portal accounts ------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.portal_accounts where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '0 rows')$$,
  'Portal accounts: staff members see them; a portal user their own'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.invite_portal_user((select id from public.customer_contacts
      where organization_id = {a} and name = ''Pat Manager''))',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'invite_portal_user: owners, admins and dispatchers'
);

-- A suspended organization ---------------------------------------------------------------------
update public.organizations set status = 'suspended'
where slug = 'tenant-a';
select tests.authenticate_as('a_owner', 'aal2');
select throws_ok(
  $$select public.record_payment(current_setting('tests.a_invoice')::uuid, 100, 'cash', 'suspended-1')$$,
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'A suspended organization records no payment'
);
select throws_ok(
  $$select public.send_invoice(current_setting('tests.a_draft_invoice')::uuid)$$,
  '42501', 'Organization "Tenant A" is suspended: its data is read-only', 'Nor sends an invoice'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('portal_x');
select throws_ok(
  $$select public.decline_estimate(current_setting('tests.a_estimate')::uuid, 'No')$$,
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Nor takes a portal user''s decision'
);
select is(
  (select count(*)::int from public.invoices), 1, 'Its portal users still read their invoices'
);
reset role;
select tests.clear_authentication();
update public.organizations set status = 'active', require_mfa = true
where slug = 'tenant-a';

-- aal1 where MFA is required -------------------------------------------------------------------
select tests.authenticate_as('a_owner', 'aal1');
select throws_ok(
  $$select public.refund_payment((select id from public.payments where idempotency_key = 'fixture-payment'),
    100, 'aal1-refund')$$,
  '42501', null, 'aal1: no refund (money leaves the organization)'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_owner', 'aal2');
select is(
  (public.refund_payment(
    (
      select id from public.payments
      where idempotency_key = 'fixture-payment'
    ),
    100, 'aal2-refund'
  )).amount_cents,
  100::bigint, 'aal2: the owner refunds'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
