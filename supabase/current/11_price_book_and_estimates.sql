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
