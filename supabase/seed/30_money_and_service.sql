-- Local development data: Acme's office side. Tax rates and a price book; estimates (one sent
-- with two options, one draft, one declined); invoices in every status, with partial payments;
-- Sam of City Deli on the customer portal; support tickets. Beta gets its own price book.
-- Plain statements only (the Supabase CLI prepares each before running any); nothing here
-- queues email, PDF or webhook jobs.

insert into public.tax_rates (id, organization_id, name, rate, is_default) values
(
  'a9100000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'Illinois sales tax', 0.0625, true
),
('a9100000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000', 'Exempt', 0, false),
(
  'b9100000-0000-4000-8000-000000000001',
  'b1000000-0000-4000-8000-000000000000',
  'Colorado sales tax',
  0.029,
  true
);

insert into public.billing_settings (organization_id, payment_terms_days, reminder_days, pay_url_template)
values
(
  'a1000000-0000-4000-8000-000000000000', 30, '{1,7,14,30}',
  'https://pay.acme.example.test/invoices/{payment_reference}'
),
('b1000000-0000-4000-8000-000000000000', 15, '{3,10}', null);

insert into public.price_book_items (
  id, organization_id, kind, code, name, unit, unit_price_cents, tax_rate_id, taxable
) values
(
  'a9200000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000', 'service', 'TEST-RP',
  'Annual RP assembly test', 'each', 9500, 'a9100000-0000-4000-8000-000000000002', true
),
(
  'a9200000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000', 'service', 'TEST-DCDA',
  'Annual DCDA (fire line) test', 'each', 12500, 'a9100000-0000-4000-8000-000000000002', true
),
(
  'a9200000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000', 'service', 'TEST-PVB',
  'Annual PVB test', 'each', 7500, 'a9100000-0000-4000-8000-000000000002', true
),
(
  'a9200000-0000-4000-8000-000000000004', 'a1000000-0000-4000-8000-000000000000', 'part', 'RK-RP-34',
  'RP repair kit, 3/4"', 'each', 6800, null, true
),
(
  'a9200000-0000-4000-8000-000000000005', 'a1000000-0000-4000-8000-000000000000', 'part', 'RP-34-NEW',
  'RP assembly, 3/4", new', 'each', 41000, null, true
),
(
  'a9200000-0000-4000-8000-000000000006', 'a1000000-0000-4000-8000-000000000000', 'labour', 'LAB-HR',
  'Technician labour', 'hour', 9500, 'a9100000-0000-4000-8000-000000000002', true
),
(
  'b9200000-0000-4000-8000-000000000001', 'b1000000-0000-4000-8000-000000000000', 'service', 'HVAC-TUNE',
  'Furnace tune-up', 'each', 14900, null, true
);

insert into public.price_book_item_costs (organization_id, item_id, unit_cost_cents) values
('a1000000-0000-4000-8000-000000000000', 'a9200000-0000-4000-8000-000000000004', 3900),
('a1000000-0000-4000-8000-000000000000', 'a9200000-0000-4000-8000-000000000005', 24500);

-- Estimates -------------------------------------------------------------------------------------
insert into public.estimates (id, organization_id, customer_id, site_id, title, notes) values
(
  'a9300000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000001', 'a4000000-0000-4000-8000-000000000001',
  'Failed RP assembly in the meter room', 'The relief valve failed its test on the last visit.'
),
(
  'a9300000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000002', 'a4000000-0000-4000-8000-000000000002',
  'Second fire line assembly', null
),
(
  'a9300000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000003', 'a4000000-0000-4000-8000-000000000003',
  'Irrigation PVB replacement', null
);

insert into public.estimate_options (id, organization_id, estimate_id, name, description, position) values
(
  'a9310000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a9300000-0000-4000-8000-000000000001', 'Repair', 'Rebuild the assembly with a repair kit and retest.', 1
),
(
  'a9310000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a9300000-0000-4000-8000-000000000001', 'Replace', 'Install a new assembly and test it.', 2
),
(
  'a9310000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000',
  'a9300000-0000-4000-8000-000000000002', 'Standard', null, 1
),
(
  'a9310000-0000-4000-8000-000000000004', 'a1000000-0000-4000-8000-000000000000',
  'a9300000-0000-4000-8000-000000000003', 'Standard', null, 1
);

insert into public.estimate_lines (
  organization_id, estimate_id, option_id, position, price_book_item_id, quantity
) values
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000001',
  'a9310000-0000-4000-8000-000000000001', 1, 'a9200000-0000-4000-8000-000000000004', 1
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000001',
  'a9310000-0000-4000-8000-000000000001', 2, 'a9200000-0000-4000-8000-000000000006', 1.5
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000001',
  'a9310000-0000-4000-8000-000000000001', 3, 'a9200000-0000-4000-8000-000000000001', 1
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000001',
  'a9310000-0000-4000-8000-000000000002', 1, 'a9200000-0000-4000-8000-000000000005', 1
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000001',
  'a9310000-0000-4000-8000-000000000002', 2, 'a9200000-0000-4000-8000-000000000006', 2
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000001',
  'a9310000-0000-4000-8000-000000000002', 3, 'a9200000-0000-4000-8000-000000000001', 1
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000002',
  'a9310000-0000-4000-8000-000000000003', 1, 'a9200000-0000-4000-8000-000000000002', 1
),
(
  'a1000000-0000-4000-8000-000000000000', 'a9300000-0000-4000-8000-000000000003',
  'a9310000-0000-4000-8000-000000000004', 1, 'a9200000-0000-4000-8000-000000000003', 1
);

-- City Deli's is sent (the demo approves it in the portal); Maria declined hers.
update public.estimates set status = 'sent', sent_at = now(), valid_until = current_date + 30
where id in ('a9300000-0000-4000-8000-000000000001', 'a9300000-0000-4000-8000-000000000003');

update public.estimates
set
  status = 'declined', decided_at = now(), decided_by_name = 'Maria Gomez',
  decline_reason = 'Doing it next spring'
where id = 'a9300000-0000-4000-8000-000000000003';

-- Invoices in every status ------------------------------------------------------------------------
insert into public.invoices (id, organization_id, customer_id, site_id, title) values
(
  'a9400000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000003', 'a4000000-0000-4000-8000-000000000003', 'PVB test (draft)'
),
(
  'a9400000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000002', 'a4000000-0000-4000-8000-000000000002', 'Fire line test, spring'
),
(
  'a9400000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000001', 'a4000000-0000-4000-8000-000000000001', 'RP test and repair'
),
(
  'a9400000-0000-4000-8000-000000000004', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000003', 'a4000000-0000-4000-8000-000000000003', 'PVB test, last year'
),
(
  'a9400000-0000-4000-8000-000000000005', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000002', 'a4000000-0000-4000-8000-000000000002', 'Fire line retest'
),
(
  'a9400000-0000-4000-8000-000000000006', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000001', 'a4000000-0000-4000-8000-000000000001', 'Billed twice by mistake'
);

insert into public.invoice_lines (organization_id, invoice_id, position, price_book_item_id, quantity) values
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000001',
  1,
  'a9200000-0000-4000-8000-000000000003',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000002',
  1,
  'a9200000-0000-4000-8000-000000000002',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000003',
  1,
  'a9200000-0000-4000-8000-000000000001',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000003',
  2,
  'a9200000-0000-4000-8000-000000000004',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000003',
  3,
  'a9200000-0000-4000-8000-000000000006',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000004',
  1,
  'a9200000-0000-4000-8000-000000000003',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000005',
  1,
  'a9200000-0000-4000-8000-000000000002',
  1
),
(
  'a1000000-0000-4000-8000-000000000000',
  'a9400000-0000-4000-8000-000000000006',
  1,
  'a9200000-0000-4000-8000-000000000001',
  1
);

-- Sent on dates in the past (a draft becomes sent once; its dates are set then), in number order.
update public.invoices as i
set
  status = 'sent',
  number = private.next_document_number(i.organization_id, 'invoice'),
  issued_on = d.issued_on,
  due_on = d.issued_on + i.payment_terms_days,
  sent_at = d.issued_on::timestamptz
from (
  values
  ('a9400000-0000-4000-8000-000000000004'::uuid, current_date - 400),
  ('a9400000-0000-4000-8000-000000000005'::uuid, current_date - 75),
  ('a9400000-0000-4000-8000-000000000003'::uuid, current_date - 20),
  ('a9400000-0000-4000-8000-000000000006'::uuid, current_date - 10),
  ('a9400000-0000-4000-8000-000000000002'::uuid, current_date - 3)
) as d (id, issued_on)
where i.id = d.id;

-- Maria paid last year's in full; City Deli paid part of its repair.
select private.apply_payment(
  (
    select i from public.invoices as i
    where i.id = 'a9400000-0000-4000-8000-000000000004'
  ),
  (
    select i.total_cents from public.invoices as i
    where i.id = 'a9400000-0000-4000-8000-000000000004'
  ),
  'check', 'Cheque 2231', now() - interval '390 days', 'seed-payment-1'
);
select private.apply_payment(
  (
    select i from public.invoices as i
    where i.id = 'a9400000-0000-4000-8000-000000000003'
  ),
  10000, 'card', 'Card on site', now() - interval '18 days', 'seed-payment-2'
);

-- Each sent invoice's status follows its balance and due date: paid, partially paid, overdue
-- (the fire line retest, 45 days past due), sent; and one is void.
select count(private.settle_invoice(i.id))
from public.invoices as i
where i.organization_id = 'a1000000-0000-4000-8000-000000000000' and i.status <> 'draft';

update public.invoices
set status = 'void', voided_at = now(), void_reason = 'Billed twice: see the RP test and repair'
where id = 'a9400000-0000-4000-8000-000000000006';

-- Sam of City Deli on the customer portal ------------------------------------------------------------
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, confirmation_token,
  recovery_token, email_change_token_new, email_change, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at
) values (
  '00000000-0000-0000-0000-000000000000', 'a0000000-0000-4000-8000-0000000000c1', 'authenticated',
  'authenticated', 'owner@citydeli.example.test', extensions.crypt('password', extensions.gen_salt('bf')),
  now(), '', '', '', '', '{"provider": "email", "providers": ["email"]}', '{"full_name": "Sam Deli"}',
  now(), now()
);

insert into auth.identities (
  provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at
)
values (
  'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000c1',
  jsonb_build_object(
    'sub', 'a0000000-0000-4000-8000-0000000000c1', 'email', 'owner@citydeli.example.test',
    'email_verified', true
  ),
  'email', now(), now(), now()
);

insert into public.portal_accounts (
  organization_id, customer_id, contact_id, email, user_id, invited_by, accepted_at
)
select
  c.organization_id,
  c.customer_id,
  c.id as contact_id,
  'owner@citydeli.example.test' as email,
  'a0000000-0000-4000-8000-0000000000c1'::uuid as user_id,
  'a0000000-0000-4000-8000-000000000003'::uuid as invited_by,
  now() as accepted_at
from public.customer_contacts as c
where c.customer_id = 'a3000000-0000-4000-8000-000000000001' and c.is_primary;

-- Support tickets --------------------------------------------------------------------------------------
insert into public.tickets (
  id, organization_id, customer_id, contact_id, requester_id, opened_by_customer, subject, description,
  priority, assignee_id, created_at
)
select
  t.id,
  t.organization_id,
  t.customer_id,
  -- Sam opened his in the portal; the fire marshal's request came by phone, without a contact
  -- (a ticket for a contact would email them that it is open).
  (
    select c.id from public.customer_contacts as c
    where c.customer_id = t.customer_id and c.is_primary and t.opened_by_customer
  ) as contact_id,
  t.requester_id,
  t.opened_by_customer,
  t.subject,
  t.description,
  t.priority::public.ticket_priority as priority,
  t.assignee_id,
  t.created_at
from (
  values
  (
    'a9500000-0000-4000-8000-000000000001'::uuid, 'a1000000-0000-4000-8000-000000000000'::uuid,
    'a3000000-0000-4000-8000-000000000001'::uuid, 'a0000000-0000-4000-8000-0000000000c1'::uuid, true,
    'Water pressure low after the repair', 'Since yesterday the sink barely runs.', 'high',
    'a0000000-0000-4000-8000-000000000003'::uuid, now() - interval '2 hours'
  ),
  (
    'a9500000-0000-4000-8000-000000000002'::uuid, 'a1000000-0000-4000-8000-000000000000'::uuid,
    'a3000000-0000-4000-8000-000000000002'::uuid, 'a0000000-0000-4000-8000-000000000003'::uuid, false,
    'Fire marshal wants the test certificate', null, 'urgent', null, now() - interval '3 days'
  )
) as t (
  id, organization_id, customer_id, requester_id, opened_by_customer, subject, description, priority,
  assignee_id, created_at
);

insert into public.ticket_comments (organization_id, ticket_id, author_id, body, internal) values
(
  'a1000000-0000-4000-8000-000000000000', 'a9500000-0000-4000-8000-000000000001',
  'a0000000-0000-4000-8000-000000000003', 'Could be the new strainer. Tim is nearby on Thursday.', true
);
