-- Invoices and payments: numbering when sent, legal moves, immutability once sent, payments
-- under retries, partial, over and refunded, credit notes, voids, overdue marking with one
-- reminder per step, and agreements invoicing themselves once per period.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(31);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();

-- Sending --------------------------------------------------------------------------------------
select results_eq(
  $$select i.number, i.status::text, i.total_cents, i.balance_cents, i.due_on - i.issued_on
    from public.invoices as i where i.id in (current_setting('tests.a_invoice')::uuid,
      current_setting('tests.a_other_invoice')::uuid, current_setting('tests.a_draft_invoice')::uuid)
    order by i.number nulls last$$,
  $$values (1::bigint, 'sent', 10625::bigint, 10625::bigint, 30), (2, 'sent', 10625, 10625, 30),
    (null, 'draft', 10625, 10625, null)$$,
  'Sent invoices are numbered in order, due after the payment terms; drafts have no number'
);
select is(
  (
    select number from public.invoices
    where id = current_setting('tests.b_invoice')::uuid
  ), 1::bigint,
  'Each organization numbers its own invoices'
);
select ok(
  exists (
    select from queue.all_jobs
    where
      kind = 'pdf.render' and payload ->> 'source_id' = current_setting('tests.a_invoice')
      and payload -> 'document' -> 'stated_totals' ->> 'total' = '106.25'
      and payload -> 'then' -> 0 -> 'payload' ->> 'to' = 'deli@a.test'
  ),
  'Sending queues the PDF with the database''s totals, then the email to the customer'
);
select tests.authenticate_as('a_owner');
select throws_ok(
  $$select public.send_invoice(current_setting('tests.a_invoice')::uuid)$$,
  'PT409', null, 'An invoice is sent once'
);
select throws_ok(
  $$insert into public.invoice_lines (organization_id, invoice_id, description, unit_price_cents)
    values (current_setting('tests.org_a')::uuid, current_setting('tests.a_invoice')::uuid, 'Extra', 100)$$,
  'PT409', 'A sent invoice cannot change', 'A sent invoice takes no new line'
);
select throws_ok(
  $$delete from public.invoice_lines where invoice_id = current_setting('tests.a_invoice')::uuid$$,
  'PT409', 'A sent invoice cannot change', 'Nor loses one'
);
select is_empty(
  $$update public.invoices set title = 'Changed' where id = current_setting('tests.a_invoice')::uuid returning 1$$,
  'Its fields are not writable once sent'
);
select throws_ok(
  $$update public.invoices set status = 'paid' where id = current_setting('tests.a_invoice')::uuid$$,
  '42501', null, 'Statuses are not written by frontends'
);
reset role;
select tests.clear_authentication();
select throws_ok(
  $$update public.invoices set title = 'Changed' where id = current_setting('tests.a_invoice')::uuid$$,
  'PT409', 'Invoice 1 was sent: it cannot change', 'Not even by the service role'
);
select throws_ok(
  $$update public.invoices set status = 'draft' where id = current_setting('tests.a_invoice')::uuid$$,
  'PT409', 'An invoice cannot go from sent to draft', 'Illegal moves are refused, naming the legal ones'
);

-- Payments -------------------------------------------------------------------------------------
select tests.authenticate_as('a_owner');
select is(
  (public.record_payment(current_setting('tests.a_invoice')::uuid, 4000, 'check', 'key-1', 'Cheque 1042')).amount_cents,
  4000::bigint, 'An owner records a partial payment'
);
select is(
  (public.record_payment(current_setting('tests.a_invoice')::uuid, 4000, 'check', 'key-1', 'Cheque 1042')).amount_cents,
  4000::bigint, 'The same request retried returns the same payment'
);
select throws_ok(
  $$select public.record_payment(current_setting('tests.a_invoice')::uuid, 5000, 'check', 'key-1')$$,
  'PT409', 'Idempotency key key-1 was used for another payment', 'The same key for another payment is refused'
);
select throws_ok(
  $$select public.record_payment(current_setting('tests.a_invoice')::uuid, 7000, 'cash', 'key-2')$$,
  '23514', 'A payment of 7000 is more than the balance of 6625 on invoice 1', 'Overpayment is refused, saying why'
);
select throws_ok(
  $$select public.record_payment(current_setting('tests.a_invoice')::uuid, 100, 'cash', ' ')$$,
  '22023', 'A payment needs an idempotency key', 'A payment needs an idempotency key'
);
select throws_ok(
  $$select public.record_payment(current_setting('tests.a_draft_invoice')::uuid, 100, 'cash', 'key-3')$$,
  'PT409', 'A draft invoice takes no payment', 'A draft takes no payment'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select count(*)::int, sum(p.amount_cents)::bigint from public.payments as p
    where p.invoice_id = current_setting('tests.a_invoice')::uuid$$,
  $$values (1, 4000::bigint)$$,
  'Retries recorded one payment'
);
select results_eq(
  $$select status::text, paid_cents, balance_cents from public.invoices where id = current_setting('tests.a_invoice')::uuid$$,
  $$values ('partially_paid', 4000::bigint, 6625::bigint)$$,
  'The balance and status follow in the same transaction'
);
select tests.authenticate_as('a_admin');
select lives_ok(
  $$select public.record_payment(current_setting('tests.a_invoice')::uuid, 6625, 'card', 'key-4')$$,
  'The rest is paid'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select status::text, balance_cents, paid_at is not null from public.invoices
    where id = current_setting('tests.a_invoice')::uuid$$,
  $$values ('paid', 0::bigint, true)$$,
  'A settled invoice is paid'
);
select tests.authenticate_as('a_owner');
select throws_ok(
  $$select public.void_invoice(current_setting('tests.a_invoice')::uuid, 'Mistake')$$,
  'PT409', 'Invoice 1 has payments: refund them before voiding it', 'A paid invoice is not voided'
);
select is(
  (public.refund_payment(
    (
      select id from public.payments
      where idempotency_key = 'key-4'
    ), 625, 'refund-1', 'Goodwill'
  )).amount_cents,
  625::bigint, 'An owner refunds part of a payment'
);
select throws_ok(
  $$select public.refund_payment((select id from public.payments where idempotency_key = 'key-4'), 6001, 'refund-2')$$,
  '23514', 'A refund of 6001 is more than the 6000 left of the payment', 'No more than what is left is refunded'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select status::text, paid_cents, balance_cents from public.invoices where id = current_setting('tests.a_invoice')::uuid$$,
  $$values ('partially_paid', 10000::bigint, 625::bigint)$$,
  'The refund reopens the balance'
);

-- Credit notes and voids -------------------------------------------------------------------------
select tests.authenticate_as('a_owner');
select throws_ok(
  $$select public.issue_credit_note(current_setting('tests.a_other_invoice')::uuid, 20000, 'Too much')$$,
  '23514', null, 'A credit note is at most the balance'
);
select is(
  (public.issue_credit_note(current_setting('tests.a_other_invoice')::uuid, 625, 'Loyalty discount')).number,
  1::bigint, 'Credit notes are numbered too'
);
select results_eq(
  $$select status::text, void_reason from public.void_invoice(current_setting('tests.a_other_invoice')::uuid, 'Billed twice')$$,
  $$values ('void', 'Billed twice')$$,
  'An unpaid invoice is voided with its reason'
);
reset role;
select tests.clear_authentication();

-- Schedules ------------------------------------------------------------------------------------
select private.run_invoice_reminders(now() + interval '40 days');
select results_eq(
  $$select i.status::text, count(j.id)::int from public.invoices as i
    left join queue.all_jobs as j on j.kind = 'email.invoice_reminder' and j.dedupe_key like 'invoice_reminder:' || i.id || ':%'
    where i.id in (current_setting('tests.a_invoice')::uuid, current_setting('tests.b_invoice')::uuid)
    group by i.id, i.status$$,
  $$values ('overdue', 1), ('overdue', 1)$$,
  'Past due invoices become overdue, with one reminder each for the latest step reached'
);
select results_eq(
  $$select * from private.run_invoice_reminders(now() + interval '40 days')$$,
  $$values (0, 0)$$,
  'Running twice marks and sends nothing more'
);
select is(
  (
    select array_agg(r.step order by r.step) from public.invoice_reminders as r
    where r.invoice_id = current_setting('tests.a_invoice')::uuid
  ),
  array[1, 7], 'Every step reached is recorded once (only the latest is emailed)'
);

-- Agreements invoice themselves.
insert into public.service_agreements (id, organization_id, customer_id, site_id, name, starts_on, price_cents)
values (
  '00000000-0000-4000-8000-0000000ae101', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_customer')::uuid, current_setting('tests.a_site')::uuid, 'Yearly testing',
  (now() at time zone 'America/Chicago')::date, 8000
);
select private.create_agreement_work_orders();
select is(
  private.invoice_agreement_periods() + private.invoice_agreement_periods(), 1,
  'An agreement period is invoiced once, however often the run comes'
);

select * from finish();
rollback;
