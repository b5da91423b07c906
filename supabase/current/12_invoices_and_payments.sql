-- Invoices and payments: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Applies a payment to an invoice (the invoice row must be locked by the caller): refuses
-- more than the balance, records it once per idempotency key, settles the invoice and tells
-- the feed and the webhooks. A retry with the same key returns the first payment; the same
-- key with other details is refused.
create or replace function private.apply_payment(
  invoice invoices,
  amount_cents bigint,
  method payment_method,
  reference text,
  received_at timestamp with time zone,
  idempotency_key text,
  stripe_payment_intent_id text default null::text
)
returns payments
language plpgsql security definer
set search_path = ''
as $$
declare
  payment public.payments;
begin
  select * into payment from public.payments as p
  where p.organization_id = invoice.organization_id and p.idempotency_key = apply_payment.idempotency_key;
  if payment.id is not null then
    if (payment.invoice_id, payment.amount_cents, payment.method) is distinct from (invoice.id, amount_cents, method) then
      raise exception 'Idempotency key % was used for another payment', idempotency_key using errcode = 'PT409',
      hint = 'Use a new key for a new payment.';
    end if;
    return payment;
  end if;
  if invoice.status in ('draft', 'void') then
    raise exception 'A % invoice takes no payment', invoice.status using errcode = 'PT409';
  elsif amount_cents is null or amount_cents <= 0 then
    raise exception 'A payment is for a positive amount' using errcode = '22023';
  elsif amount_cents > invoice.balance_cents then
    raise exception 'A payment of % is more than the balance of % on invoice %',
      amount_cents, invoice.balance_cents, invoice.number
    using errcode = '23514', hint = 'Record at most the balance.';
  end if;
  insert into public.payments (
    organization_id, invoice_id, amount_cents, method, reference, received_at, idempotency_key,
    stripe_payment_intent_id, recorded_by
  ) values (
    invoice.organization_id, invoice.id, amount_cents, method, nullif(btrim(reference), ''),
    coalesce(received_at, now()), idempotency_key, stripe_payment_intent_id, (select auth.uid())
  )
  returning * into payment;
  invoice := private.settle_invoice(invoice.id);
  perform private.record_activity(
    invoice.organization_id, 'payment.recorded', 'invoice', invoice.id::text,
    format('A payment was recorded on invoice %s', invoice.number)
  );
  perform private.emit_webhook_event(
    invoice.organization_id, 'payment.recorded',
    jsonb_build_object(
      'payment_id', payment.id, 'invoice_id', invoice.id, 'invoice_number', invoice.number,
      'amount_cents', payment.amount_cents, 'currency', invoice.currency, 'method', payment.method,
      'balance_cents', invoice.balance_cents
    )
  );
  return payment;
end
$$;
revoke all on function private.apply_payment(
  invoice invoices,
  amount_cents bigint,
  method payment_method,
  reference text,
  received_at timestamp with time zone,
  idempotency_key text,
  stripe_payment_intent_id text
)
from public, anon, authenticated, service_role;

-- Refunds (part of) a payment: at most what is left of it, once per idempotency key. The
-- invoice's balance and status follow.
create or replace function private.apply_refund(
  payment payments,
  amount_cents bigint,
  reason text,
  idempotency_key text
)
returns payment_refunds
language plpgsql security definer
set search_path = ''
as $$
declare
  refund public.payment_refunds;
  invoice public.invoices;
begin
  select * into refund from public.payment_refunds as r
  where r.organization_id = payment.organization_id and r.idempotency_key = apply_refund.idempotency_key;
  if refund.id is not null then
    if (refund.payment_id, refund.amount_cents) is distinct from (payment.id, amount_cents) then
      raise exception 'Idempotency key % was used for another refund', idempotency_key using errcode = 'PT409';
    end if;
    return refund;
  end if;
  if amount_cents is null or amount_cents <= 0 then
    raise exception 'A refund is for a positive amount' using errcode = '22023';
  elsif amount_cents > payment.amount_cents - payment.refunded_cents then
    raise exception 'A refund of % is more than the % left of the payment', amount_cents,
      payment.amount_cents - payment.refunded_cents
    using errcode = '23514';
  end if;
  insert into public.payment_refunds (
    organization_id, invoice_id, payment_id, amount_cents, reason, idempotency_key, recorded_by
  ) values (
    payment.organization_id, payment.invoice_id, payment.id, amount_cents, nullif(btrim(reason), ''),
    idempotency_key, (select auth.uid())
  )
  returning * into refund;
  update public.payments as p set refunded_cents = p.refunded_cents + apply_refund.amount_cents where p.id = payment.id;
  invoice := private.settle_invoice(payment.invoice_id);
  perform private.emit_webhook_event(
    invoice.organization_id, 'payment.refunded',
    jsonb_build_object(
      'refund_id', refund.id, 'payment_id', payment.id, 'invoice_id', invoice.id,
      'amount_cents', refund.amount_cents, 'currency', invoice.currency, 'balance_cents', invoice.balance_cents
    )
  );
  return refund;
end
$$;
revoke all on function private.apply_refund(payment payments, amount_cents bigint, reason text, idempotency_key text)
from public, anon, authenticated, service_role;

-- The invoice an owner or admin may act on, or PT404.
create or replace function private.billable_invoice(invoice_id uuid, action text)
returns invoices
language plpgsql security definer
set search_path = ''
as $$
declare
  invoice public.invoices;
begin
  select * into invoice from public.invoices as i
  where i.id = invoice_id and i.organization_id in (select private.organization_ids_for('{owner,admin}'))
  for update;
  if invoice.id is null then
    raise exception 'Invoice % was not found', invoice_id using errcode = 'PT404';
  end if;
  perform private.authorize(invoice.organization_id, '{owner,admin}', 'Only owners and admins ' || action);
  return invoice;
end
$$;
revoke all on function private.billable_invoice(invoice_id uuid, action text)
from public, anon, authenticated, service_role;

-- The customer's billing party on documents, and the address invoices and estimates go to
-- (the customer's, else its primary contact's).
create or replace function private.billing_party(customer uuid)
returns table (party jsonb, email text)
language sql stable security definer
set search_path = ''
as $$
  select
    jsonb_strip_nulls(jsonb_build_object(
      'name', c.name,
      'address', to_jsonb(array_remove(array[
        c.billing_line1, c.billing_line2,
        nullif(concat_ws(' ', c.billing_city, c.billing_region, c.billing_postal_code), '')
      ], null)),
      'email', c.email, 'phone', c.phone
    )),
    coalesce(c.email, (
      select cc.email from public.customer_contacts as cc
      where cc.customer_id = c.id and cc.is_primary and cc.email is not null
    ))
  from public.customers as c where c.id = customer
$$;
revoke all on function private.billing_party(customer uuid)
from public, anon, authenticated, service_role;

-- Records the customer's decision on a sent estimate: approve one option, or decline with a
-- reason. The customer's portal user decides for themself; owners, admins and dispatchers
-- record a decision given to them (by phone, on paper).
create or replace function private.decide_estimate(
  estimate_id uuid,
  approve boolean,
  option_id uuid default null::uuid,
  reason text default null::text
)
returns estimates
language plpgsql security definer
set search_path = ''
as $$
declare
  estimate public.estimates;
  decider text;
  event text := case when approve then 'estimate.approved' else 'estimate.declined' end;
begin
  select * into estimate from public.estimates as e
  where e.id = estimate_id
    and (
      e.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
      or (e.customer_id in (select private.portal_customer_ids()) and e.status <> 'draft')
      or e.id in (select private.field_estimate_ids())
    )
  for update;
  if estimate.id is null then
    raise exception 'Estimate % was not found', estimate_id using errcode = 'PT404';
  end if;
  if estimate.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')) then
    perform private.authorize(
      estimate.organization_id, '{owner,admin,dispatcher}',
      'Only owners, admins and dispatchers record decisions on estimates'
    );
    decider := private.display_name((select auth.uid()));
  elsif estimate.id in (select private.field_estimate_ids()) then
    -- The customer decides on site, on the technician's phone.
    perform private.authorize(
      estimate.organization_id, '{technician}', 'Only the technician on the customer''s work records it'
    );
    decider := 'On site with ' || private.display_name((select auth.uid()));
  else
    decider := private.authorize_portal(
      estimate.organization_id, estimate.customer_id, 'Only the customer decides on its estimates'
    );
  end if;
  if estimate.status <> 'sent' then
    raise exception 'Estimate % is %: only a sent estimate can be approved or declined',
      estimate.number, estimate.status
    using errcode = 'PT409';
  elsif estimate.valid_until < private.organization_today(estimate.organization_id) then
    raise exception 'Estimate % expired on %', estimate.number, estimate.valid_until using errcode = 'PT410',
    hint = 'Ask for a new estimate.';
  elsif approve and not exists (
    select from public.estimate_options as o where o.id = option_id and o.estimate_id = estimate.id
  ) then
    raise exception 'Choose one of the estimate''s options' using errcode = '22023';
  end if;
  update public.estimates as e
  set
    status = case when approve then 'approved' else 'declined' end::public.estimate_status,
    approved_option_id = case when approve then option_id end,
    decided_at = now(), decided_by = (select auth.uid()), decided_by_name = decider,
    decline_reason = case when not approve then coalesce(nullif(btrim(reason), ''), 'No reason given') end
  where e.id = estimate_id
  returning * into estimate;
  perform private.record_activity(
    estimate.organization_id, event, 'estimate', estimate.id::text,
    format('Estimate %s was %s', estimate.number, case when approve then 'approved' else 'declined' end)
  );
  perform private.emit_webhook_event(
    estimate.organization_id, event,
    jsonb_build_object(
      'estimate_id', estimate.id, 'number', estimate.number, 'customer_id', estimate.customer_id,
      'option_id', estimate.approved_option_id,
      'total_cents', (select o.total_cents from public.estimate_options as o where o.id = estimate.approved_option_id)
    )
  );
  return estimate;
end
$$;
revoke all on function private.decide_estimate(estimate_id uuid, approve boolean, option_id uuid, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.decide_estimate(estimate_id uuid, approve boolean, option_id uuid, reason text)
to authenticated;

-- A priced document's lines as the PDF takes them (amounts in major units, 2 decimals).
create or replace function private.document_items(lines jsonb)
returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'description', l ->> 'description',
    'quantity', (l ->> 'quantity')::numeric,
    'unit_price', round((l ->> 'unit_price_cents')::numeric / 100, 2),
    'discount', round((l ->> 'discount_cents')::numeric / 100, 2)
  ) order by (l ->> 'position')::integer, l ->> 'id'), '[]'::jsonb)
  from jsonb_array_elements(lines) as l
$$;
revoke all on function private.document_items(lines jsonb)
from public, anon, authenticated, service_role;

-- Marks sent estimates past their validity expired. Returns how many.
create or replace function private.expire_estimates(at timestamp with time zone default now())
returns integer
language sql security definer
set search_path = ''
as $$
  with expired as (
    update public.estimates as e set status = 'expired'
    from public.organizations as o
    where e.organization_id = o.id and e.status = 'sent' and e.valid_until < (at at time zone o.time_zone)::date
    returning 1
  )
  select count(*)::integer from expired
$$;
revoke all on function private.expire_estimates(at timestamp with time zone)
from public, anon, authenticated, service_role;

-- A sent invoice keeps what it said: only its status, money received and void details move.
-- Status changes keep to the legal moves.
create or replace function private.guard_invoice()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  possible text;
begin
  if old.status <> 'draft' and (
    new.number, new.customer_id, new.site_id, new.work_order_id, new.title, new.notes, new.currency,
    new.payment_terms_days, new.issued_on, new.due_on, new.subtotal_cents, new.discount_cents,
    new.tax_cents, new.payment_reference
  ) is distinct from (
    old.number, old.customer_id, old.site_id, old.work_order_id, old.title, old.notes, old.currency,
    old.payment_terms_days, old.issued_on, old.due_on, old.subtotal_cents, old.discount_cents,
    old.tax_cents, old.payment_reference
  ) then
    raise exception 'Invoice % was sent: it cannot change', old.number using errcode = 'PT409',
    hint = 'Issue a credit note, or void it with a reason.';
  end if;
  if new.status is distinct from old.status and not exists (
    select from public.invoice_transitions as t where t.from_status = old.status and t.to_status = new.status
  ) then
    select string_agg(t.to_status::text, ', ' order by t.to_status) into possible
    from public.invoice_transitions as t where t.from_status = old.status;
    raise exception 'An invoice cannot go from % to %', old.status, new.status
    using errcode = 'PT409', hint = coalesce('From ' || old.status || ' it can go to: ' || possible || '.',
      'A ' || old.status || ' invoice is final.');
  end if;
  return new;
end
$$;
revoke all on function private.guard_invoice()
from public, anon, authenticated, service_role;

-- Invoices each agreement period whose work order has started (period_start reached on the
-- site's date at `at`, now, in its time zone), once per period: one line at the agreement's
-- price, sent at once. Returns how many.
create or replace function private.invoice_agreement_periods(at timestamp with time zone default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  made record;
  created integer := 0;
begin
  for made in
    with due as (
      select w.organization_id, w.customer_id, w.site_id, w.id as work_order_id, w.agreement_id, w.period_start,
        a.name, a.price_cents
      from public.work_orders as w
      inner join public.service_agreements as a on w.agreement_id = a.id
      inner join public.organizations as o on w.organization_id = o.id
      inner join public.sites as s on w.site_id = s.id
      where w.period_start <= (at at time zone s.time_zone)::date and w.status <> 'cancelled' and a.price_cents > 0
        and o.deleted_at is null and o.status not in ('trial_expired', 'suspended', 'cancelled')
        and not exists (
          select from public.invoices as i where i.agreement_id = w.agreement_id and i.period_start = w.period_start
        )
    ),
    inserted as (
      insert into public.invoices (
        organization_id, customer_id, site_id, work_order_id, agreement_id, period_start, title
      )
      select d.organization_id, d.customer_id, d.site_id, d.work_order_id, d.agreement_id, d.period_start,
        left(d.name, 170) || ' (' || to_char(d.period_start, 'Mon YYYY') || ')'
      from due as d
      on conflict do nothing
      returning id, organization_id, agreement_id, title
    ),
    lines as (
      insert into public.invoice_lines (organization_id, invoice_id, description, unit_price_cents)
      select n.organization_id, n.id, n.title, a.price_cents
      from inserted as n inner join public.service_agreements as a on n.agreement_id = a.id
      returning invoice_id
    )
    select distinct l.invoice_id from lines as l
  loop
    perform private.issue_invoice(made.invoice_id);
    created := created + 1;
  end loop;
  return created;
end
$$;
revoke all on function private.invoice_agreement_periods(at timestamp with time zone)
from public, anon, authenticated, service_role;

-- What webhooks and the feed may say about an invoice: allowlisted, no customer details.
create or replace function private.invoice_event_data(invoice invoices)
returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'invoice_id', invoice.id, 'number', invoice.number, 'customer_id', invoice.customer_id,
    'status', invoice.status, 'currency', invoice.currency, 'total_cents', invoice.total_cents,
    'balance_cents', invoice.balance_cents, 'due_on', invoice.due_on
  )
$$;
revoke all on function private.invoice_event_data(invoice invoices)
from public, anon, authenticated, service_role;

-- A draft invoice for a work order (owners, admins): its customer and site, one line per
-- assembly covered when the price book has an item coded TEST-<kind> (TEST-RP...), else empty
-- for the office to fill. A work order has one live invoice: asking again returns it.
create or replace function private.invoice_work_order(work_order_id uuid)
returns invoices
language plpgsql security definer
set search_path = ''
as $$
declare
  work_order public.work_orders;
  invoice public.invoices;
begin
  select * into work_order from public.work_orders as w
  where w.id = work_order_id and w.organization_id in (select private.organization_ids_for('{owner,admin}'));
  if work_order.id is null then
    raise exception 'Work order % was not found', work_order_id using errcode = 'PT404';
  end if;
  perform private.authorize(work_order.organization_id, '{owner,admin}', 'Only owners and admins invoice work');
  select * into invoice from public.invoices as i
  where i.work_order_id = invoice_work_order.work_order_id and i.status <> 'void';
  if invoice.id is not null then
    return invoice;
  end if;
  insert into public.invoices (organization_id, customer_id, site_id, work_order_id, title)
  values (
    work_order.organization_id, work_order.customer_id, work_order.site_id, work_order.id,
    left(format('Work order %s: %s', work_order.number, work_order.title), 200)
  )
  returning * into invoice;
  insert into public.invoice_lines (organization_id, invoice_id, position, price_book_item_id, description)
  select
    work_order.organization_id, invoice.id, row_number() over (order by a.serial_number)::integer, i.id,
    format('%s (%s %s)', i.name, upper(a.kind::text), a.serial_number)
  from public.work_order_assemblies as wa
  inner join public.assemblies as a on wa.assembly_id = a.id
  inner join public.price_book_items as i
    on i.organization_id = work_order.organization_id and i.code = 'TEST-' || upper(a.kind::text) and i.active
  where wa.work_order_id = work_order.id;
  select * into invoice from public.invoices as i where i.id = invoice.id;
  return invoice;
end
$$;
revoke all on function private.invoice_work_order(work_order_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.invoice_work_order(work_order_id uuid)
to authenticated;

-- Issues a credit note against a sent invoice (owners, admins): at most its balance.
create or replace function private.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text)
returns credit_notes
language plpgsql security definer
set search_path = ''
as $$
declare
  invoice public.invoices := private.billable_invoice(invoice_id, 'issue credit notes');
  note public.credit_notes;
begin
  if invoice.status in ('draft', 'void') then
    raise exception 'A % invoice takes no credit note', invoice.status using errcode = 'PT409';
  elsif amount_cents is null or amount_cents <= 0 then
    raise exception 'A credit note is for a positive amount' using errcode = '22023';
  elsif amount_cents > invoice.balance_cents then
    raise exception 'A credit note of % is more than the balance of %', amount_cents, invoice.balance_cents
    using errcode = '23514', hint = 'Refund a payment instead.';
  elsif nullif(btrim(reason), '') is null then
    raise exception 'Say why the invoice is credited' using errcode = '23514';
  end if;
  insert into public.credit_notes (organization_id, number, invoice_id, amount_cents, reason, created_by)
  values (
    invoice.organization_id, private.next_document_number(invoice.organization_id, 'credit_note'),
    invoice.id, amount_cents, btrim(reason), (select auth.uid())
  )
  returning * into note;
  perform private.settle_invoice(invoice.id);
  return note;
end
$$;
revoke all on function private.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text)
to authenticated;

-- Numbers, dates and sends a draft invoice: the PDF, then the customer's email with it, the
-- feed and the invoice.sent event. Shared by send_invoice and the agreements' billing run.
create or replace function private.issue_invoice(invoice uuid)
returns invoices
language plpgsql security definer
set search_path = ''
as $$
declare
  issued public.invoices;
  customer record;
  settings public.billing_settings;
  follow_ups jsonb := '[]'::jsonb;
begin
  select * into issued from public.invoices as i where i.id = invoice for update;
  if issued.status <> 'draft' then
    raise exception 'Invoice % was already sent', issued.number using errcode = 'PT409';
  elsif not exists (select from public.invoice_lines as l where l.invoice_id = invoice) then
    raise exception 'An invoice needs at least one line before it is sent' using errcode = '23514';
  end if;
  settings := private.billing_settings_of(issued.organization_id);
  update public.invoices as i
  set
    number = private.next_document_number(i.organization_id, 'invoice'),
    status = 'sent',
    issued_on = private.organization_today(i.organization_id),
    due_on = private.organization_today(i.organization_id) + i.payment_terms_days,
    sent_at = now()
  where i.id = invoice
  returning * into issued;
  -- A zero invoice (fully discounted) is paid the moment it is sent.
  issued := private.settle_invoice(invoice);

  select * into customer from private.billing_party(issued.customer_id);
  if customer.email is not null then
    follow_ups := jsonb_build_array(jsonb_build_object(
      'kind', 'email.invoice_sent',
      'payload', jsonb_build_object(
        'to', customer.email, 'customer_name', customer.party ->> 'name',
        'invoice_number', 'INV-' || issued.number, 'total', round(issued.total_cents / 100.0, 2),
        'currency', issued.currency, 'due_date', issued.due_on,
        'pay_url', replace(settings.pay_url_template, '{payment_reference}', issued.payment_reference::text)
      )
    ));
  end if;
  perform queue.enqueue(
    'pdf.render',
    jsonb_build_object(
      'document', jsonb_build_object(
        'type', 'invoice', 'number', 'INV-' || issued.number, 'issue_date', issued.issued_on,
        'due_date', issued.due_on, 'currency', issued.currency, 'customer', customer.party,
        'items', private.document_items((
          select jsonb_agg(to_jsonb(l)) from public.invoice_lines as l where l.invoice_id = invoice
        )),
        'stated_totals', jsonb_build_object(
          'subtotal', round(issued.subtotal_cents / 100.0, 2), 'discount', round(issued.discount_cents / 100.0, 2),
          'tax', round(issued.tax_cents / 100.0, 2), 'total', round(issued.total_cents / 100.0, 2)
        ),
        'amount_paid', round((issued.paid_cents + issued.credited_cents) / 100.0, 2),
        'notes', issued.notes
      ),
      'source_type', 'invoice', 'source_id', issued.id, 'then', follow_ups
    ),
    issued.organization_id,
    'invoice:' || issued.id::text
  );
  perform private.record_activity(
    issued.organization_id, 'invoice.sent', 'invoice', issued.id::text, format('Invoice %s was sent', issued.number)
  );
  perform private.emit_webhook_event(issued.organization_id, 'invoice.sent', private.invoice_event_data(issued));
  return issued;
end
$$;
revoke all on function private.issue_invoice(invoice uuid)
from public, anon, authenticated, service_role;

-- The organization's date today (its time zone).
create or replace function private.organization_today(organization uuid)
returns date
language sql stable security definer
set search_path = ''
as $$
  select (now() at time zone o.time_zone)::date from public.organizations as o where o.id = organization
$$;
revoke all on function private.organization_today(organization uuid)
from public, anon, authenticated, service_role;

-- A new invoice gets the organization's currency and payment terms.
create or replace function private.prepare_invoice()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.status <> 'draft' then
    raise exception 'A new invoice starts as a draft' using errcode = '23514',
    hint = 'Send it with send_invoice.';
  end if;
  new.currency := (select o.currency from public.organizations as o where o.id = new.organization_id);
  new.payment_terms_days := coalesce(
    new.payment_terms_days, (private.billing_settings_of(new.organization_id)).payment_terms_days
  );
  new.created_by := coalesce(new.created_by, (select auth.uid()));
  return new;
end
$$;
revoke all on function private.prepare_invoice()
from public, anon, authenticated, service_role;

-- Records a payment received (owners, admins). Retries with the same idempotency key record
-- one payment.
create or replace function private.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method payment_method,
  idempotency_key text,
  reference text default null::text,
  received_at timestamp with time zone default null::timestamp with time zone
)
returns payments
language plpgsql security definer
set search_path = ''
as $$
begin
  if nullif(btrim(idempotency_key), '') is null then
    raise exception 'A payment needs an idempotency key' using errcode = '22023',
    hint = 'Send a new random key per payment, and the same key when retrying.';
  elsif method = 'stripe' then
    raise exception 'Stripe payments are recorded from Stripe''s events' using errcode = '22023';
  elsif received_at > now() + interval '1 day' then
    raise exception 'A payment cannot be received in the future' using errcode = '22023';
  end if;
  return private.apply_payment(
    private.billable_invoice(invoice_id, 'record payments'), amount_cents, method, reference, received_at,
    btrim(idempotency_key)
  );
end
$$;
revoke all on function private.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method payment_method,
  idempotency_key text,
  reference text,
  received_at timestamp with time zone
)
from public, anon, authenticated, service_role;
grant execute on function private.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method payment_method,
  idempotency_key text,
  reference text,
  received_at timestamp with time zone
)
to authenticated;

-- Refunds a payment recorded by hand (owners, admins; MFA where required: money leaves).
create or replace function private.refund_payment(
  payment_id uuid,
  amount_cents bigint,
  idempotency_key text,
  reason text default null::text
)
returns payment_refunds
language plpgsql security definer
set search_path = ''
as $$
declare
  payment public.payments;
begin
  select * into payment from public.payments as p
  where p.id = payment_id and p.organization_id in (select private.organization_ids_for('{owner,admin}'));
  if payment.id is null then
    raise exception 'Payment % was not found', payment_id using errcode = 'PT404';
  end if;
  perform private.authorize(payment.organization_id, '{owner,admin}', 'Only owners and admins refund', sensitive => true);
  if payment.method = 'stripe' then
    raise exception 'Refund Stripe payments in Stripe: its charge.refunded event records them'
    using errcode = '22023';
  elsif nullif(btrim(idempotency_key), '') is null then
    raise exception 'A refund needs an idempotency key' using errcode = '22023';
  end if;
  perform from public.invoices as i where i.id = payment.invoice_id for update;
  select * into payment from public.payments as p where p.id = payment_id;
  return private.apply_refund(payment, amount_cents, reason, btrim(idempotency_key));
end
$$;
revoke all on function private.refund_payment(payment_id uuid, amount_cents bigint, idempotency_key text, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.refund_payment(payment_id uuid, amount_cents bigint, idempotency_key text, reason text)
to authenticated;

-- Marks sent invoices past their due date overdue (in each organization's time zone), and
-- queues for each overdue invoice the reminder of the latest step of its organization's
-- schedule it has reached and not had. Every step is recorded once, so no step is sent twice
-- and running twice is harmless. Suspended, cancelled and deleted organizations wait.
-- Returns (invoices marked overdue, reminders queued).
create or replace function private.run_invoice_reminders(at timestamp with time zone default now())
returns table (marked integer, reminded integer)
language plpgsql security definer
set search_path = ''
as $$
declare
  marked_count integer;
  reminded_count integer;
begin
  with overdue as (
    update public.invoices as i set status = 'overdue'
    from public.organizations as o
    where i.organization_id = o.id and i.status in ('sent', 'partially_paid')
      and i.due_on < (at at time zone o.time_zone)::date
      and o.deleted_at is null and o.status not in ('trial_expired', 'suspended', 'cancelled')
    returning i.organization_id, private.invoice_event_data(i) as data
  )
  select count(private.emit_webhook_event(v.organization_id, 'invoice.overdue', v.data))
  into marked_count
  from overdue as v;

  with reached as (
    select
      i.id, i.organization_id, i.number, i.balance_cents, i.currency, i.due_on, i.customer_id,
      i.payment_reference, s.step, (at at time zone o.time_zone)::date - i.due_on as days_overdue,
      (private.billing_settings_of(i.organization_id)).pay_url_template
    from public.invoices as i
    inner join public.organizations as o on i.organization_id = o.id
    cross join lateral unnest((private.billing_settings_of(i.organization_id)).reminder_days) as s (step)
    where i.status = 'overdue' and o.deleted_at is null and o.status not in ('trial_expired', 'suspended', 'cancelled')
      and (at at time zone o.time_zone)::date - i.due_on >= s.step
  ),
  recorded as (
    insert into public.invoice_reminders (organization_id, invoice_id, step)
    select r.organization_id, r.id, r.step from reached as r
    on conflict (invoice_id, step) do nothing
    returning invoice_id, step
  ),
  latest as (
    select distinct on (r.id) r.*, b.party, b.email
    from recorded as d
    inner join reached as r on d.invoice_id = r.id and d.step = r.step
    cross join lateral private.billing_party(r.customer_id) as b
    order by r.id, r.step desc
  )
  select count(queue.enqueue(
    'email.invoice_reminder',
    jsonb_build_object(
      'to', l.email, 'customer_name', l.party ->> 'name', 'invoice_number', 'INV-' || l.number,
      'amount_due', round(l.balance_cents / 100.0, 2), 'currency', l.currency, 'due_date', l.due_on,
      'days_overdue', l.days_overdue,
      'pay_url', replace(l.pay_url_template, '{payment_reference}', l.payment_reference::text)
    ),
    l.organization_id,
    'invoice_reminder:' || l.id::text || ':' || l.step::text
  ))
  into reminded_count
  from latest as l
  where l.email is not null;
  return query select marked_count, reminded_count;
end
$$;
revoke all on function private.run_invoice_reminders(at timestamp with time zone)
from public, anon, authenticated, service_role;

-- Sends a draft invoice (owners, admins): see private.issue_invoice.
create or replace function private.send_invoice(invoice_id uuid)
returns invoices
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.billable_invoice(invoice_id, 'send invoices');
  return private.issue_invoice(invoice_id);
end
$$;
revoke all on function private.send_invoice(invoice_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.send_invoice(invoice_id uuid)
to authenticated;

-- Brings an invoice's money and status up to date with its payments, refunds and credit
-- notes: paid when nothing is left, overdue when something is left after the due date,
-- partially paid or sent otherwise. Tells the feed and the webhooks when it becomes paid.
create or replace function private.settle_invoice(invoice uuid)
returns invoices
language plpgsql security definer
set search_path = ''
as $$
declare
  settled public.invoices;
  was public.invoice_status;
begin
  select i.status into was from public.invoices as i where i.id = invoice for update;
  update public.invoices as i
  set
    paid_cents = m.paid_cents,
    credited_cents = m.credited_cents,
    status = case
      when i.status in ('draft', 'void') then i.status
      when i.total_cents - m.credited_cents - m.paid_cents <= 0 then 'paid'
      when i.due_on < private.organization_today(i.organization_id) then 'overdue'
      when m.paid_cents > 0 then 'partially_paid'
      else 'sent'
    end::public.invoice_status,
    paid_at = case when i.total_cents - m.credited_cents - m.paid_cents <= 0 then coalesce(i.paid_at, now()) end
  from (
    select
      coalesce((select sum(p.amount_cents - p.refunded_cents) from public.payments as p where p.invoice_id = invoice), 0)
      as paid_cents,
      coalesce((select sum(c.amount_cents) from public.credit_notes as c where c.invoice_id = invoice), 0)
      as credited_cents
  ) as m
  where i.id = invoice
  returning i.* into settled;
  if settled.status = 'paid' and was <> 'paid' then
    perform private.record_activity(
      settled.organization_id, 'invoice.paid', 'invoice', settled.id::text,
      format('Invoice %s was paid in full', settled.number)
    );
    perform private.emit_webhook_event(
      settled.organization_id, 'invoice.paid', private.invoice_event_data(settled)
    );
  end if;
  return settled;
end
$$;
revoke all on function private.settle_invoice(invoice uuid)
from public, anon, authenticated, service_role;

-- Voids a sent invoice that has received nothing (owners, admins), with a reason.
create or replace function private.void_invoice(invoice_id uuid, reason text)
returns invoices
language plpgsql security definer
set search_path = ''
as $$
declare
  invoice public.invoices := private.billable_invoice(invoice_id, 'void invoices');
begin
  if nullif(btrim(reason), '') is null then
    raise exception 'Say why the invoice is void' using errcode = '23514';
  elsif invoice.status = 'draft' then
    raise exception 'A draft invoice is deleted, not voided' using errcode = 'PT409';
  elsif invoice.paid_cents > 0 then
    raise exception 'Invoice % has payments: refund them before voiding it', invoice.number
    using errcode = 'PT409';
  end if;
  update public.invoices as i set status = 'void', voided_at = now(), void_reason = btrim(reason)
  where i.id = invoice_id
  returning * into invoice;
  perform private.record_activity(
    invoice.organization_id, 'invoice.voided', 'invoice', invoice.id::text, format('Invoice %s was voided', invoice.number)
  );
  perform private.emit_webhook_event(invoice.organization_id, 'invoice.voided', private.invoice_event_data(invoice));
  return invoice;
end
$$;
revoke all on function private.void_invoice(invoice_id uuid, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.void_invoice(invoice_id uuid, reason text)
to authenticated;

create or replace function public.invoice_work_order(work_order_id uuid)
returns invoices
language plpgsql
set search_path = ''
as $$
begin
  return private.invoice_work_order(work_order_id);
end
$$;
revoke all on function public.invoice_work_order(work_order_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.invoice_work_order(work_order_id uuid)
to authenticated;

create or replace function public.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text)
returns credit_notes
language plpgsql
set search_path = ''
as $$
begin
  return private.issue_credit_note(invoice_id, amount_cents, reason);
end
$$;
revoke all on function public.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text)
to authenticated;

create or replace function public.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method payment_method,
  idempotency_key text,
  reference text default null::text,
  received_at timestamp with time zone default null::timestamp with time zone
)
returns payments
language plpgsql
set search_path = ''
as $$
begin
  return private.record_payment(invoice_id, amount_cents, method, idempotency_key, reference, received_at);
end
$$;
revoke all on function public.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method payment_method,
  idempotency_key text,
  reference text,
  received_at timestamp with time zone
)
from public, anon, authenticated, service_role;
grant execute on function public.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method payment_method,
  idempotency_key text,
  reference text,
  received_at timestamp with time zone
)
to authenticated;

create or replace function public.refund_payment(
  payment_id uuid,
  amount_cents bigint,
  idempotency_key text,
  reason text default null::text
)
returns payment_refunds
language plpgsql
set search_path = ''
as $$
begin
  return private.refund_payment(payment_id, amount_cents, idempotency_key, reason);
end
$$;
revoke all on function public.refund_payment(payment_id uuid, amount_cents bigint, idempotency_key text, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.refund_payment(payment_id uuid, amount_cents bigint, idempotency_key text, reason text)
to authenticated;

create or replace function public.send_invoice(invoice_id uuid)
returns invoices
language plpgsql
set search_path = ''
as $$
begin
  return private.send_invoice(invoice_id);
end
$$;
revoke all on function public.send_invoice(invoice_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.send_invoice(invoice_id uuid)
to authenticated;

create or replace function public.void_invoice(invoice_id uuid, reason text)
returns invoices
language plpgsql
set search_path = ''
as $$
begin
  return private.void_invoice(invoice_id, reason);
end
$$;
revoke all on function public.void_invoice(invoice_id uuid, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.void_invoice(invoice_id uuid, reason text)
to authenticated;

-- Applies one verified Stripe event; returns its outcome ('duplicate' for an event already
-- recorded). Never raises for what an event says: a refused event is recorded with the reason
-- so Stripe stops retrying and a person can look.
create or replace function queue.record_stripe_event(
  event_id text,
  event_type text,
  account text,
  object jsonb
)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  reference text;
  invoice public.invoices;
  payment public.payments;
  connected text;
  verdict text;
  refunded bigint;
begin
  insert into private.stripe_events (event_id, event_type, account, outcome)
  values (event_id, event_type, account, 'received')
  on conflict on constraint stripe_events_pkey do nothing;
  if not found then
    return 'duplicate';
  end if;

  if event_type = 'payment_intent.succeeded' then
    reference := object -> 'metadata' ->> 'fieldbase_payment_reference';
  elsif event_type = 'charge.refunded' then
    select p.* into payment from public.payments as p
    where p.stripe_payment_intent_id = object ->> 'payment_intent';
    reference := (select i.payment_reference::text from public.invoices as i where i.id = payment.invoice_id);
  else
    verdict := 'ignored';
  end if;

  if verdict is null then
    if reference is null
       or reference !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      verdict := 'refused: no fieldbase invoice named';
    else
      select i.* into invoice from public.invoices as i where i.payment_reference = reference::uuid for update;
      connected := (private.billing_settings_of(invoice.organization_id)).stripe_account_id;
      if invoice.id is null then
        verdict := 'refused: no such invoice';
      elsif account is distinct from connected then
        -- Another Stripe account cannot pay (or refund) this organization's invoices.
        verdict := 'refused: the event is not from the organization''s Stripe account';
      elsif lower(object ->> 'currency') is distinct from lower(invoice.currency) then
        verdict := 'refused: the currency is not the invoice''s';
      end if;
    end if;
  end if;

  if verdict is null then
    begin
      if event_type = 'payment_intent.succeeded' then
        perform private.apply_payment(
          invoice, (object ->> 'amount_received')::bigint, 'stripe', object ->> 'id',
          to_timestamp((object ->> 'created')::double precision), 'stripe:' || (object ->> 'id'),
          object ->> 'id'
        );
      else
        -- amount_refunded is the charge's total so far: apply what is new.
        refunded := (object ->> 'amount_refunded')::bigint - payment.refunded_cents;
        if refunded > 0 then
          perform private.apply_refund(payment, refunded, 'Refunded in Stripe', 'stripe:' || event_id);
        end if;
      end if;
      verdict := 'applied';
    exception
      when sqlstate '23514' or sqlstate '22023' or sqlstate 'PT409' or sqlstate '22P02' or sqlstate '22003' then
        verdict := 'refused: ' || sqlerrm;
    end;
  end if;
  update private.stripe_events as e
  set outcome = verdict, organization_id = invoice.organization_id, invoice_id = invoice.id
  where e.event_id = record_stripe_event.event_id;
  return verdict;
end
$$;
revoke all on function queue.record_stripe_event(event_id text, event_type text, account text, object jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.record_stripe_event(event_id text, event_type text, account text, object jsonb)
to fieldbase_worker;

create or replace trigger audit_delete after delete
on public.credit_notes
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.invoice_lines
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.invoices
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.payment_refunds
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.payments
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.credit_notes
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.invoice_lines
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.invoices
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.payment_refunds
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.payments
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.credit_notes
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.invoice_lines
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.invoices
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.payment_refunds
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.payments
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.credit_notes
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.invoice_lines
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.invoice_reminders
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.invoices
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.payment_refunds
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.payments
for each row
execute function private.enforce_organization_writable();

create or replace trigger invoice_lines_0_draft_only before insert or delete or update
on public.invoice_lines
for each row
execute function private.document_must_be_draft('invoices', 'invoice_id');

create or replace trigger invoice_lines_1_cap before insert or update of invoice_id
on public.invoice_lines
for each row
execute function private.limit_lines_per_document('invoices', 'invoice_id', '500', 'An invoice');

create or replace trigger invoice_lines_1_fill before insert
on public.invoice_lines
for each row
execute function private.fill_priced_line();

create or replace trigger invoice_lines_2_totals after insert or delete or update
on public.invoice_lines
for each row
execute function private.refresh_document_totals('invoices', 'invoice_id');

create or replace trigger invoices_0_prepare before insert
on public.invoices
for each row
execute function private.prepare_invoice();

create or replace trigger invoices_1_guard before update
on public.invoices
for each row
execute function private.guard_invoice();

create or replace trigger invoices_touch_updated_at before update
on public.invoices
for each row
execute function private.touch_updated_at();
