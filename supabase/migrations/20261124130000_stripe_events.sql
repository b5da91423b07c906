-- Money, part six: payments that arrive from Stripe. The worker's HTTP server verifies each
-- event with Stripe's library and hands it here: every event is recorded once by its id (a
-- replay changes nothing), and payment_intent.succeeded / charge.refunded are applied to the
-- invoice whose payment_reference the payment intent's metadata carries, only when the event
-- comes from the Stripe account the invoice's organization connected.

create table private.stripe_events (
  event_id text primary key check (event_id ~ '^evt_[A-Za-z0-9_]{1,200}$'),
  event_type text not null,
  account text,
  organization_id uuid references public.organizations (id) on delete set null,
  invoice_id uuid,
  -- applied, ignored, or refused: <why> (left for a person to look at).
  outcome text not null,
  received_at timestamptz not null default now()
);
create index stripe_events_organization_idx on private.stripe_events (organization_id, received_at desc);
alter table private.stripe_events enable row level security;
revoke all on table private.stripe_events from anon, authenticated, service_role;

-- Applies one verified Stripe event; returns its outcome ('duplicate' for an event already
-- recorded). Never raises for what an event says: a refused event is recorded with the reason
-- so Stripe stops retrying and a person can look.
create or replace function queue.record_stripe_event(
  event_id text, event_type text, account text, object jsonb
) returns text
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
revoke all on function queue.record_stripe_event(text, text, text, jsonb) from public,
anon,
authenticated,
service_role;
grant execute on function queue.record_stripe_event(text, text, text, jsonb) to fieldbase_worker;
