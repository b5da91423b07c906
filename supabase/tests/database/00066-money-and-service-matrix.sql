-- The rest of the money and service access matrix: every remaining table and RPC as every
-- actor, portal users included (see 00062 for the first part).
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(21);
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
select set_config(
  'tests.a_payment', (
    select id::text from public.payments
    where idempotency_key = 'fixture-payment'
  ), true
);
select private.apply_refund(
  (
    select p from public.payments as p
    where p.idempotency_key = 'fixture-payment'
  ), 100, null, 'fixture-refund'
);
insert into public.credit_notes (organization_id, number, invoice_id, amount_cents, reason)
values (
  current_setting('tests.org_a')::uuid, private.next_document_number(current_setting('tests.org_a')::uuid, 'credit_note'),
  current_setting('tests.a_invoice')::uuid, 500, 'Goodwill'
);
insert into public.invoice_reminders (organization_id, invoice_id, step)
values (current_setting('tests.org_a')::uuid, current_setting('tests.a_invoice')::uuid, 1);
insert into public.business_hours (organization_id, weekday, opens, closes)
values (current_setting('tests.org_a')::uuid, 1, '08:00', '16:00');
insert into public.ticket_sla_targets (organization_id, priority, resolve_within_hours)
values (current_setting('tests.org_a')::uuid, 'high', 6);
insert into public.tickets (id, organization_id, customer_id, subject)
values (
  '00000000-0000-4000-8000-00000000f001', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_customer')::uuid, 'Fixture ticket'
);
insert into public.ticket_comments (organization_id, ticket_id, body, internal) values
(current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-00000000f001', 'For the customer', false),
(current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-00000000f001', 'Internal', true);
select set_config('tests.a_ticket', '00000000-0000-4000-8000-00000000f001', true);

-- Tables -----------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.tax_rates where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'tax_rates: members other than technicians'
);
select results_eq(
  $$select * from tests.access_matrix('update public.tax_rates set rate = 0.07 where organization_id = {a} returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'tax_rates: owners and admins change them'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.price_book_prices where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'price_book_prices: as the price book'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.estimate_options where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '2 rows'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '2 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'estimate_options: as their estimates'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.credit_notes where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '1 row'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'credit_notes: as their invoices'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.payment_refunds where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '1 row'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'payment_refunds: as their payments'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.invoice_reminders where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'invoice_reminders: owners, admins, viewers'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.business_hours where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'business_hours: every member reads them'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.ticket_sla_targets set resolve_within_hours = 5 where organization_id = {a} returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'ticket_sla_targets: owners and admins set them'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.ticket_comments where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '0 rows'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '1 row'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'ticket_comments: members; the customer''s portal user never the internal one'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.estimate_transitions union all select 1 from public.invoice_transitions
     union all select 1 from public.ticket_transitions limit 1', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '1 row'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'), ('b_owner', '1 row'),
    ('staff', '1 row'), ('service_role', '1 row'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '1 row')$$,
  'The legal moves are readable by anyone signed in'
);

-- RPCs -------------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.send_estimate({a_estimate})', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', 'PT409'), ('a_admin', 'PT409'),
    ('a_dispatcher', 'PT409'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'send_estimate: owners, admins, dispatchers reach it (it was sent already); nobody else finds it'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.decline_estimate({a_estimate}, ''No'')',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', '1 row'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'decline_estimate: the customer''s portal user, the technician on their work, or owners, admins, dispatchers for them'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.convert_estimate({a_estimate})', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', 'PT409'), ('a_admin', 'PT409'),
    ('a_dispatcher', 'PT409'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'convert_estimate: owners, admins, dispatchers (only an approved estimate converts)'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.invoice_work_order({a_work_order})', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'invoice_work_order: owners and admins'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.issue_credit_note({a_invoice}, 100, ''Goodwill'')',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'issue_credit_note: owners and admins'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.refund_payment({a_payment}, 100, ''r-m'')',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'refund_payment: owners and admins'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.comment_on_customer_ticket({a_ticket}, ''Hello'')',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', 'PT404'), ('a_admin', 'PT404'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', '1 row'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'comment_on_customer_ticket: the customer''s portal user only (members insert comments)'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.revoke_portal_account((select id from public.portal_accounts where organization_id = {b}))',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', 'PT404'), ('a_admin', 'PT404'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', '1 row'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'revoke_portal_account: owners, admins, dispatchers of that organization'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.accept_portal_invitation(''nothing'')',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', 'PT404'), ('a_admin', 'PT404'),
    ('a_dispatcher', 'PT404'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501'), ('portal_x', 'PT404'), ('portal_y', 'PT404'),
    ('portal_b', 'PT404')$$,
  'accept_portal_invitation: any signed-in user with a valid token (none here)'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.tickets set status = ''in_progress'' where id = {a_ticket} returning 1', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Tickets are worked by owners, admins, dispatchers (and their assignee); never by portal users directly'
);

select * from finish();
rollback;
