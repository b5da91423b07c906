-- Price book and estimates: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- An organization's billing settings, its defaults when it has saved none.
create or replace function private.billing_settings_of(organization uuid)
returns billing_settings
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select b from public.billing_settings as b where b.organization_id = organization),
    row(organization, 30, '{1,7,14,30}', 30, false, null, null, null, now(), now())::public.billing_settings
  )
$$;
revoke all on function private.billing_settings_of(organization uuid)
from public, anon, authenticated, service_role;

-- Records the new price whenever an item is made or its price changes.
create or replace function private.record_price_history()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.unit_price_cents is distinct from old.unit_price_cents then
    insert into public.price_book_prices (organization_id, item_id, unit_price_cents, changed_by)
    values (new.organization_id, new.id, new.unit_price_cents, (select auth.uid()));
  end if;
  return null;
end
$$;
revoke all on function private.record_price_history()
from public, anon, authenticated, service_role;

-- The rate a line gets: its item's tax rate, else the organization's default rate, else the
-- organization's default_tax_rate setting.
create or replace function private.tax_rate_for(organization uuid, tax_rate uuid)
returns numeric
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select t.rate from public.tax_rates as t where t.organization_id = organization and t.id = tax_rate),
    (select t.rate from public.tax_rates as t where t.organization_id = organization and t.is_default),
    (select o.default_tax_rate from public.organizations as o where o.id = organization),
    0
  )
$$;
revoke all on function private.tax_rate_for(organization uuid, tax_rate uuid)
from public, anon, authenticated, service_role;

-- Holds status changes to the legal moves, with the possible ones in the hint.
create or replace function private.check_estimate_status()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  possible text;
begin
  if tg_op = 'INSERT' then
    if new.status <> 'draft' then
      raise exception 'A new estimate starts as a draft' using errcode = '23514';
    end if;
    return new;
  end if;
  if new.status is distinct from old.status and not exists (
    select from public.estimate_transitions as t where t.from_status = old.status and t.to_status = new.status
  ) then
    select string_agg(t.to_status::text, ', ' order by t.to_status) into possible
    from public.estimate_transitions as t where t.from_status = old.status;
    raise exception 'An estimate cannot go from % to %', old.status, new.status
    using errcode = 'PT409', hint = coalesce('From ' || old.status || ' it can go to: ' || possible || '.',
      'A ' || old.status || ' estimate is final.');
  end if;
  return new;
end
$$;
revoke all on function private.check_estimate_status()
from public, anon, authenticated, service_role;

-- Lines and parts of a priced document change only while it is a draft: what the customer was
-- sent is what they approve or owe. Arguments: the document table and the column naming it.
create or replace function private.document_must_be_draft()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  document_id uuid := (to_jsonb(coalesce(new, old)) ->> tg_argv[1])::uuid;
  document_status text;
begin
  execute format('select d.status::text from public.%I as d where d.id = $1', tg_argv[0])
  into document_status using document_id;
  -- Gone (a cascading delete of the document) or a draft: fine.
  if document_status is not null and document_status <> 'draft' then
    raise exception 'A % % cannot change', document_status, rtrim(tg_argv[0], 's')
    using errcode = 'PT409', hint = case tg_argv[0]
      when 'invoices' then 'Issue a credit note, or void it with a reason.'
      else 'Move it back to draft to revise it.'
    end;
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function private.document_must_be_draft()
from public, anon, authenticated, service_role;

-- Fills a new line from the price book: description, unit and price when not given, and the
-- tax rate of the item (or the organization's default; 0 when not taxable). The rate is copied,
-- so a later change of rate or price never changes the document. (Frontends cannot set the
-- rate: the column is not granted.)
create or replace function private.fill_priced_line()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  item public.price_book_items;
begin
  if new.price_book_item_id is not null then
    select * into item from public.price_book_items as i
    where i.organization_id = new.organization_id and i.id = new.price_book_item_id;
    new.description := coalesce(new.description, item.name);
    new.unit := coalesce(new.unit, item.unit);
    new.unit_price_cents := coalesce(new.unit_price_cents, item.unit_price_cents);
    new.taxable := new.taxable and item.taxable;
  end if;
  if new.description is null or new.unit_price_cents is null then
    raise exception 'A line needs a description and a unit price, or a price book item'
    using errcode = '23502';
  end if;
  new.unit := coalesce(new.unit, 'each');
  -- Lines copied from another document keep their rate.
  new.tax_rate := coalesce(new.tax_rate, case
    when not new.taxable then 0
    else private.tax_rate_for(new.organization_id, item.tax_rate_id)
  end);
  return new;
end
$$;
revoke all on function private.fill_priced_line()
from public, anon, authenticated, service_role;

create or replace function private.next_document_number(organization uuid, kind text)
returns bigint
language sql security definer
set search_path = ''
as $$
  insert into private.document_counters as c (organization_id, kind, last_number)
  values (organization, kind, 1)
  on conflict (organization_id, kind) do update set last_number = c.last_number + 1
  returning c.last_number
$$;
revoke all on function private.next_document_number(organization uuid, kind text)
from public, anon, authenticated, service_role;

create or replace function private.number_estimate()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  new.number := private.next_document_number(new.organization_id, 'estimate');
  new.currency := (select o.currency from public.organizations as o where o.id = new.organization_id);
  new.created_by := coalesce(new.created_by, (select auth.uid()));
  return new;
end
$$;
revoke all on function private.number_estimate()
from public, anon, authenticated, service_role;

-- Recomputes a document's totals from its lines: taxes per rate on the sum of the net
-- amounts, rounded half away from zero. Arguments: the table holding the totals and the
-- lines' column naming it. The document row is locked first, so concurrent line changes each
-- see the others' committed lines.
create or replace function private.refresh_document_totals()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  ids uuid[] := array[]::uuid[];
begin
  if tg_op <> 'INSERT' then
    ids := ids || (to_jsonb(old) ->> tg_argv[1])::uuid;
  end if;
  if tg_op <> 'DELETE' then
    ids := ids || (to_jsonb(new) ->> tg_argv[1])::uuid;
  end if;
  execute format('select from public.%I as d where d.id = any($1) order by d.id for update', tg_argv[0])
  using ids;
  execute format(
    $sql$
    update public.%1$I as d
    set subtotal_cents = t.subtotal_cents, discount_cents = t.discount_cents, tax_cents = t.tax_cents
    from (
      select
        ids.id,
        coalesce(sum(g.subtotal_cents), 0) as subtotal_cents,
        coalesce(sum(g.discount_cents), 0) as discount_cents,
        coalesce(sum(round(g.net_cents * g.tax_rate)), 0) as tax_cents
      from unnest($1) as ids (id)
      left join lateral (
        select
          l.tax_rate, sum(l.subtotal_cents) as subtotal_cents, sum(l.discount_cents) as discount_cents,
          sum(l.net_cents) as net_cents
        from public.%2$I as l where l.%3$I = ids.id
        group by l.tax_rate
      ) as g on true
      group by ids.id
    ) as t
    where d.id = t.id
    $sql$,
    tg_argv[0], tg_table_name, tg_argv[1]
  ) using ids;
  return null;
end
$$;
revoke all on function private.refresh_document_totals()
from public, anon, authenticated, service_role;

-- Converts an approved estimate (owners, admins, dispatchers): a draft work order at its site
-- (or the customer's only site) and a draft invoice with the approved option's lines, copied
-- as they were approved. Returns both.
create or replace function private.convert_estimate(estimate_id uuid)
returns table (work_order_id uuid, invoice_id uuid)
language plpgsql security definer
set search_path = ''
as $$
declare
  estimate public.estimates;
  site uuid;
  new_work_order uuid;
  new_invoice uuid;
begin
  select * into estimate from public.estimates as e
  where e.id = estimate_id and e.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  for update;
  if estimate.id is null then
    raise exception 'Estimate % was not found', estimate_id using errcode = 'PT404';
  end if;
  perform private.authorize(
    estimate.organization_id, '{owner,admin,dispatcher}', 'Only owners, admins and dispatchers convert estimates'
  );
  if estimate.status <> 'approved' then
    raise exception 'Estimate % is %: only an approved estimate converts', estimate.number, estimate.status
    using errcode = 'PT409';
  end if;
  site := coalesce(estimate.site_id, (
    select (array_agg(s.id))[1] from public.sites as s
    where s.customer_id = estimate.customer_id and s.deleted_at is null
    having count(*) = 1
  ));
  if site is null then
    raise exception 'Name the site of estimate % before converting it', estimate.number
    using errcode = '23514', hint = 'The customer has several sites (or none).';
  end if;
  insert into public.work_orders (organization_id, customer_id, site_id, title, description)
  values (
    estimate.organization_id, estimate.customer_id, site, estimate.title,
    format('From approved estimate %s', estimate.number)
  )
  returning id into new_work_order;
  insert into public.invoices (organization_id, customer_id, site_id, work_order_id, estimate_id, title, notes)
  values (
    estimate.organization_id, estimate.customer_id, site, new_work_order, estimate.id, estimate.title,
    estimate.notes
  )
  returning id into new_invoice;
  -- The lines as approved: prices and tax rates of then, not of today.
  insert into public.invoice_lines (
    organization_id, invoice_id, position, price_book_item_id, description, quantity, unit,
    unit_price_cents, discount_percent, taxable, tax_rate
  )
  select
    l.organization_id, new_invoice, l.position, l.price_book_item_id, l.description, l.quantity, l.unit,
    l.unit_price_cents, l.discount_percent, l.taxable, l.tax_rate
  from public.estimate_lines as l
  where l.option_id = estimate.approved_option_id;
  update public.estimates as e set status = 'converted', work_order_id = new_work_order, invoice_id = new_invoice
  where e.id = estimate_id;
  return query select new_work_order, new_invoice;
end
$$;
revoke all on function private.convert_estimate(estimate_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.convert_estimate(estimate_id uuid)
to authenticated;

-- The estimate as its PDF shows it (options, their lines and stated totals), dated today in the
-- organization's time zone.
create or replace function private.estimate_document(estimate uuid)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'type', 'estimate', 'number', 'EST-' || e.number,
    'issue_date', private.organization_today(e.organization_id),
    'valid_until', e.valid_until, 'currency', e.currency,
    'customer', (select p.party from private.billing_party(e.customer_id) as p),
    'notes', e.notes,
    'options', (
      select jsonb_agg(jsonb_build_object(
        'name', o.name,
        'items', private.document_items((
          select jsonb_agg(to_jsonb(l)) from public.estimate_lines as l where l.option_id = o.id
        )),
        'stated_totals', jsonb_build_object(
          'subtotal', round(o.subtotal_cents / 100.0, 2), 'discount', round(o.discount_cents / 100.0, 2),
          'tax', round(o.tax_cents / 100.0, 2), 'total', round(o.total_cents / 100.0, 2)
        )
      ) order by o.position, o.name)
      from public.estimate_options as o where o.estimate_id = e.id
    )
  )
  from public.estimates as e
  where e.id = estimate
$$;
revoke all on function private.estimate_document(estimate uuid)
from public, anon, authenticated, service_role;

-- Sends a draft estimate (owners, admins, dispatchers): valid until the given date or for
-- the organization's default number of days; queues the PDF and the customer's email.
create or replace function private.send_estimate(estimate_id uuid, valid_until date default null::date)
returns estimates
language plpgsql security definer
set search_path = ''
as $$
declare
  estimate public.estimates;
  customer record;
  follow_ups jsonb := '[]'::jsonb;
begin
  select * into estimate from public.estimates as e
  where e.id = estimate_id and e.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  for update;
  if estimate.id is null then
    raise exception 'Estimate % was not found', estimate_id using errcode = 'PT404';
  end if;
  perform private.authorize(
    estimate.organization_id, '{owner,admin,dispatcher}', 'Only owners, admins and dispatchers send estimates'
  );
  if estimate.status <> 'draft' then
    raise exception 'Estimate % is %: only a draft is sent', estimate.number, estimate.status
    using errcode = 'PT409', hint = 'Move it back to draft to revise and send it again.';
  elsif not exists (
    select from public.estimate_lines as l where l.estimate_id = send_estimate.estimate_id
  ) then
    raise exception 'An estimate needs at least one line before it is sent' using errcode = '23514';
  elsif exists (
    select from public.estimate_options as o
    where o.estimate_id = send_estimate.estimate_id
      and not exists (select from public.estimate_lines as l where l.option_id = o.id)
  ) then
    raise exception 'Every option of an estimate needs at least one line' using errcode = '23514';
  elsif valid_until < private.organization_today(estimate.organization_id) then
    raise exception 'An estimate cannot be valid until a day that has passed' using errcode = '22023';
  end if;
  update public.estimates as e
  set
    status = 'sent', sent_at = now(),
    valid_until = coalesce(
      send_estimate.valid_until, e.valid_until,
      private.organization_today(e.organization_id) + (private.billing_settings_of(e.organization_id)).estimate_valid_days
    )
  where e.id = estimate_id
  returning * into estimate;

  select * into customer from private.billing_party(estimate.customer_id);
  if customer.email is not null then
    follow_ups := jsonb_build_array(jsonb_build_object(
      'kind', 'email.estimate_sent',
      'payload', jsonb_build_object(
        'to', customer.email, 'customer_name', customer.party ->> 'name',
        'estimate_number', 'EST-' || estimate.number, 'title', estimate.title,
        'currency', estimate.currency, 'valid_until', estimate.valid_until,
        'options', (
          select jsonb_agg(jsonb_build_object('name', o.name, 'total', round(o.total_cents / 100.0, 2))
            order by o.position, o.name)
          from public.estimate_options as o where o.estimate_id = estimate.id
        )
      )
    ));
  end if;
  perform queue.enqueue(
    'pdf.render',
    jsonb_build_object(
      'document', private.estimate_document(estimate.id),
      'source_type', 'estimate', 'source_id', estimate.id, 'then', follow_ups
    ),
    estimate.organization_id,
    'estimate:' || estimate.id::text || ':' || extract(epoch from estimate.sent_at)::text
  );
  perform private.emit_webhook_event(
    estimate.organization_id, 'estimate.sent',
    jsonb_build_object(
      'estimate_id', estimate.id, 'number', estimate.number, 'customer_id', estimate.customer_id,
      'valid_until', estimate.valid_until
    )
  );
  return estimate;
end
$$;
revoke all on function private.send_estimate(estimate_id uuid, valid_until date)
from public, anon, authenticated, service_role;
grant execute on function private.send_estimate(estimate_id uuid, valid_until date)
to authenticated;

create or replace function public.approve_estimate(estimate_id uuid, option_id uuid)
returns estimates
language plpgsql
set search_path = ''
as $$
begin
  return private.decide_estimate(estimate_id, true, option_id);
end
$$;
revoke all on function public.approve_estimate(estimate_id uuid, option_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.approve_estimate(estimate_id uuid, option_id uuid)
to authenticated;

create or replace function public.convert_estimate(estimate_id uuid)
returns table (work_order_id uuid, invoice_id uuid)
language plpgsql
set search_path = ''
as $$
begin
  return query select * from private.convert_estimate(estimate_id);
end
$$;
revoke all on function public.convert_estimate(estimate_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.convert_estimate(estimate_id uuid)
to authenticated;

create or replace function public.decline_estimate(estimate_id uuid, reason text default null::text)
returns estimates
language plpgsql
set search_path = ''
as $$
begin
  return private.decide_estimate(estimate_id, false, null, reason);
end
$$;
revoke all on function public.decline_estimate(estimate_id uuid, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.decline_estimate(estimate_id uuid, reason text)
to authenticated;

create or replace function public.send_estimate(estimate_id uuid, valid_until date default null::date)
returns estimates
language plpgsql
set search_path = ''
as $$
begin
  return private.send_estimate(estimate_id, valid_until);
end
$$;
revoke all on function public.send_estimate(estimate_id uuid, valid_until date)
from public, anon, authenticated, service_role;
grant execute on function public.send_estimate(estimate_id uuid, valid_until date)
to authenticated;

create or replace trigger audit_delete after delete
on public.billing_settings
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.price_book_item_costs
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.price_book_items
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.tax_rates
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.billing_settings
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.price_book_item_costs
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.price_book_items
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.tax_rates
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.billing_settings
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.price_book_item_costs
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.price_book_items
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.tax_rates
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger billing_settings_touch_updated_at before update
on public.billing_settings
for each row
execute function private.touch_updated_at();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.billing_settings
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.price_book_item_costs
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.price_book_items
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.price_book_prices
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.tax_rates
for each row
execute function private.enforce_organization_writable();

create or replace trigger price_book_item_costs_touch_updated_at before update
on public.price_book_item_costs
for each row
execute function private.touch_updated_at();

create or replace trigger price_book_items_price_history after insert or update of unit_price_cents
on public.price_book_items
for each row
execute function private.record_price_history();

create or replace trigger price_book_items_touch_updated_at before update
on public.price_book_items
for each row
execute function private.touch_updated_at();

create or replace trigger tax_rates_touch_updated_at before update
on public.tax_rates
for each row
execute function private.touch_updated_at();

create or replace trigger audit_delete after delete
on public.estimate_lines
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.estimate_options
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.estimates
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.estimate_lines
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.estimate_options
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.estimates
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.estimate_lines
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.estimate_options
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.estimates
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.estimate_lines
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.estimate_options
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.estimates
for each row
execute function private.enforce_organization_writable();

create or replace trigger estimate_lines_0_draft_only before insert or delete or update
on public.estimate_lines
for each row
execute function private.document_must_be_draft('estimates', 'estimate_id');

create or replace trigger estimate_lines_1_cap before insert or update of estimate_id
on public.estimate_lines
for each row
execute function private.limit_lines_per_document('estimates', 'estimate_id', '500', 'An estimate');

create or replace trigger estimate_lines_1_fill before insert
on public.estimate_lines
for each row
execute function private.fill_priced_line();

create or replace trigger estimate_lines_2_totals after insert or delete or update
on public.estimate_lines
for each row
execute function private.refresh_document_totals('estimate_options', 'option_id');

create or replace trigger estimate_options_0_draft_only before insert or delete or update
on public.estimate_options
for each row
execute function private.document_must_be_draft('estimates', 'estimate_id');

create or replace trigger estimates_0_number before insert
on public.estimates
for each row
execute function private.number_estimate();

create or replace trigger estimates_1_check_status before insert or update of status
on public.estimates
for each row
execute function private.check_estimate_status();

create or replace trigger estimates_touch_updated_at before update
on public.estimates
for each row
execute function private.touch_updated_at();
