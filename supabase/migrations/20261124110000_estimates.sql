-- Money, part two: estimates. An estimate offers a customer one or more options (good, better,
-- best) of priced lines; the database computes every total, numbers estimates gap-free per
-- organization, and moves them only along legal paths. The customer (or a member for them)
-- approves one option or declines; an approved estimate converts to a work order and a draft
-- invoice in one call.

-- ==========================================================================================
-- Shared by priced documents: numbering and lines
-- ==========================================================================================

-- The last number given per organization and kind of document (estimate, invoice,
-- credit_note, ticket). The row lock makes numbers gap-free and unique: concurrent callers
-- queue, and a rolled-back transaction gives its number back.
create table private.document_counters (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null,
  last_number bigint not null,
  primary key (organization_id, kind)
);
alter table private.document_counters enable row level security;
revoke all on table private.document_counters from anon, authenticated, service_role;

create or replace function private.next_document_number(organization uuid, kind text) returns bigint
language sql volatile security definer
set search_path = ''
as $$
  insert into private.document_counters as c (organization_id, kind, last_number)
  values (organization, kind, 1)
  on conflict (organization_id, kind) do update set last_number = c.last_number + 1
  returning c.last_number
$$;
revoke all on function private.next_document_number(uuid, text) from public,
anon,
authenticated,
service_role;

-- Fills a new line from the price book: description, unit and price when not given, and the
-- tax rate of the item (or the organization's default; 0 when not taxable). The rate is copied,
-- so a later change of rate or price never changes the document. (Frontends cannot set the
-- rate: the column is not granted.)
create or replace function private.fill_priced_line() returns trigger
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
revoke all on function private.fill_priced_line() from public;

-- Lines and parts of a priced document change only while it is a draft: what the customer was
-- sent is what they approve or owe. Arguments: the document table and the column naming it.
create or replace function private.document_must_be_draft() returns trigger
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
revoke all on function private.document_must_be_draft() from public;

-- Recomputes a document's totals from its lines: taxes per rate on the sum of the net
-- amounts, rounded half away from zero. Arguments: the table holding the totals and the
-- lines' column naming it. The document row is locked first, so concurrent line changes each
-- see the others' committed lines.
create or replace function private.refresh_document_totals() returns trigger
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
revoke all on function private.refresh_document_totals() from public;

-- ==========================================================================================
-- Estimates
-- ==========================================================================================

create type public.estimate_status as enum (
  'draft', 'sent', 'approved', 'declined', 'expired', 'converted'
);

-- The legal moves of an estimate: the one table the database enforces and frontends read.
create table public.estimate_transitions (
  from_status public.estimate_status not null,
  to_status public.estimate_status not null,
  primary key (from_status, to_status)
);
insert into public.estimate_transitions (from_status, to_status) values
('draft', 'sent'),
('sent', 'approved'),
('sent', 'declined'),
('sent', 'expired'),
-- Revising a sent, declined or expired estimate takes it back to draft.
('sent', 'draft'),
('declined', 'draft'),
('expired', 'draft'),
('approved', 'converted');

create table public.estimates (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- 1, 2, 3... per organization, set by the database.
  number bigint not null,
  customer_id uuid not null,
  site_id uuid,
  title text not null check (char_length(title) between 1 and 200),
  -- Shown to the customer on the estimate.
  notes text check (char_length(notes) <= 5000),
  -- The organization's currency when the estimate was made.
  currency text not null,
  status public.estimate_status not null default 'draft',
  valid_until date,
  sent_at timestamptz,
  -- The decision: which option, when, by whom (a member or a portal user), and why not.
  approved_option_id uuid,
  decided_at timestamptz,
  decided_by uuid references auth.users (id) on delete set null,
  decided_by_name text,
  decline_reason text check (char_length(decline_reason) <= 1000),
  -- What the approved estimate became.
  work_order_id uuid,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint estimates_organization_id_id_key unique (organization_id, id),
  constraint estimates_number_key unique (organization_id, number),
  constraint estimates_customer_fkey foreign key (organization_id, customer_id)
  references public.customers (organization_id, id),
  constraint estimates_site_fkey foreign key (organization_id, customer_id, site_id)
  references public.sites (organization_id, customer_id, id),
  constraint estimates_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id),
  constraint estimates_approval_recorded check (
    (status in ('approved', 'converted')) = (approved_option_id is not null)
  )
);
create index estimates_list_idx on public.estimates (organization_id, status, number desc);
create index estimates_customer_idx on public.estimates (organization_id, customer_id, number desc);
create index estimates_site_idx on public.estimates (organization_id, customer_id, site_id);
create index estimates_work_order_idx on public.estimates (organization_id, work_order_id);
create index estimates_decided_by_idx on public.estimates (decided_by);
create index estimates_created_by_idx on public.estimates (created_by);
-- The expiry sweep looks at sent estimates by date.
create index estimates_sent_valid_until_idx on public.estimates (valid_until) where status = 'sent';

-- One choice the customer has (a single-option estimate has one). Totals are the database's.
create table public.estimate_options (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  estimate_id uuid not null,
  name text not null default 'Standard' check (char_length(name) between 1 and 100),
  description text check (char_length(description) <= 2000),
  position smallint not null default 0,
  subtotal_cents bigint not null default 0,
  discount_cents bigint not null default 0,
  tax_cents bigint not null default 0,
  total_cents bigint generated always as (subtotal_cents - discount_cents + tax_cents) stored,
  constraint estimate_options_organization_id_id_key unique (organization_id, id),
  constraint estimate_options_estimate_key unique (organization_id, estimate_id, id),
  constraint estimate_options_estimate_fkey foreign key (organization_id, estimate_id)
  references public.estimates (organization_id, id) on delete cascade
);
create index estimate_options_estimate_idx on public.estimate_options (
  organization_id, estimate_id, position
);

alter table public.estimates add constraint estimates_approved_option_fkey
foreign key (organization_id, id, approved_option_id)
references public.estimate_options (organization_id, estimate_id, id);
create index estimates_approved_option_idx on public.estimates (organization_id, id, approved_option_id);

-- A priced line of an option. Amounts are minor units; the subtotal is quantity x unit price
-- rounded half away from zero, the discount a percentage of it, rounded the same way.
create table public.estimate_lines (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  estimate_id uuid not null,
  option_id uuid not null,
  position integer not null default 0,
  price_book_item_id uuid,
  description text check (char_length(description) between 1 and 500),
  quantity numeric(12, 3) not null default 1 check (quantity > 0 and quantity <= 1000000),
  unit text check (char_length(unit) between 1 and 20),
  unit_price_cents bigint check (unit_price_cents between 0 and 100000000000),
  discount_percent numeric(5, 2) not null default 0 check (discount_percent between 0 and 100),
  taxable boolean not null default true,
  -- Copied when the line is made (see private.fill_priced_line).
  tax_rate numeric(6, 4) not null check (tax_rate >= 0 and tax_rate < 1),
  subtotal_cents bigint generated always as (round(quantity * unit_price_cents)::bigint) stored,
  discount_cents bigint generated always as (
    round(round(quantity * unit_price_cents) * discount_percent / 100)::bigint
  ) stored,
  net_cents bigint generated always as (
    (
      round(quantity * unit_price_cents) - round(round(quantity * unit_price_cents) * discount_percent / 100)
    )::bigint
  ) stored,
  constraint estimate_lines_organization_id_id_key unique (organization_id, id),
  constraint estimate_lines_option_fkey foreign key (organization_id, estimate_id, option_id)
  references public.estimate_options (organization_id, estimate_id, id) on delete cascade,
  constraint estimate_lines_item_fkey foreign key (organization_id, price_book_item_id)
  references public.price_book_items (organization_id, id) on delete set null (price_book_item_id)
);
create index estimate_lines_option_idx on public.estimate_lines (
  organization_id, estimate_id, option_id, position
);
create index estimate_lines_item_idx on public.estimate_lines (organization_id, price_book_item_id);

-- ==========================================================================================
-- Triggers: numbers, currency, totals, legal moves, drafts only change
-- ==========================================================================================

create or replace function private.number_estimate() returns trigger
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
revoke all on function private.number_estimate() from public;

create trigger estimates_0_number before insert on public.estimates
for each row execute function private.number_estimate();

-- Holds status changes to the legal moves, with the possible ones in the hint.
create or replace function private.check_estimate_status() returns trigger
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
revoke all on function private.check_estimate_status() from public;

create trigger estimates_1_check_status before insert or update of status on public.estimates
for each row execute function private.check_estimate_status();

create trigger estimates_touch_updated_at before update on public.estimates
for each row execute function private.touch_updated_at();

-- Options and lines change only while their estimate is a draft: what the customer was sent
-- is what they approve.
create trigger estimate_options_0_draft_only before insert or update or delete on public.estimate_options
for each row execute function private.document_must_be_draft('estimates', 'estimate_id');
create trigger estimate_lines_0_draft_only before insert or update or delete on public.estimate_lines
for each row execute function private.document_must_be_draft('estimates', 'estimate_id');
create trigger estimate_lines_1_fill before insert on public.estimate_lines
for each row execute function private.fill_priced_line();
create trigger estimate_lines_2_totals after insert or update or delete on public.estimate_lines
for each row execute function private.refresh_document_totals('estimate_options', 'option_id');

select private.guard_tenant_table('public.estimates');
select private.guard_tenant_table('public.estimate_options');
select private.guard_tenant_table('public.estimate_lines');

select private.enable_audit('public.estimates', 'organization_id', array[
  'id', 'organization_id', 'number', 'customer_id', 'site_id', 'title', 'status', 'valid_until',
  'sent_at', 'approved_option_id', 'decided_at', 'decided_by', 'decline_reason', 'work_order_id',
  'created_by'
]);
select private.enable_audit('public.estimate_options', 'organization_id', array[
  'id', 'organization_id', 'estimate_id', 'name', 'position', 'total_cents'
]);
select private.enable_audit('public.estimate_lines', 'organization_id', array[
  'id', 'organization_id', 'estimate_id', 'option_id', 'price_book_item_id', 'description',
  'quantity', 'unit_price_cents', 'discount_percent', 'tax_rate'
]);

-- ==========================================================================================
-- Grants (policies: supabase/policies/estimates.sql; the RPCs are in the invoices migration,
-- since converting makes an invoice)
-- ==========================================================================================

alter table public.estimate_transitions enable row level security;
alter table public.estimates enable row level security;
alter table public.estimate_options enable row level security;
alter table public.estimate_lines enable row level security;
revoke all on table public.estimate_transitions, public.estimates, public.estimate_options,
public.estimate_lines from anon, authenticated, service_role;

grant select on table public.estimate_transitions to authenticated, service_role;

-- Statuses, numbers, decisions and totals are the database's: sending, deciding and
-- converting go through RPCs.
grant select on table public.estimates to authenticated;
grant insert (organization_id, customer_id, site_id, title, notes, valid_until)
on table public.estimates to authenticated;
grant update (customer_id, site_id, title, notes, valid_until) on table public.estimates to authenticated;

grant select, delete on table public.estimate_options to authenticated;
grant insert (organization_id, estimate_id, name, description, position)
on table public.estimate_options to authenticated;
grant update (name, description, position) on table public.estimate_options to authenticated;

grant select, delete on table public.estimate_lines to authenticated;
grant insert (
  organization_id, estimate_id, option_id, position, price_book_item_id, description, quantity, unit,
  unit_price_cents, discount_percent, taxable
) on table public.estimate_lines to authenticated;
grant update (position, description, quantity, unit, unit_price_cents, discount_percent)
on table public.estimate_lines to authenticated;

grant select, insert, update, delete on table public.estimates, public.estimate_options,
public.estimate_lines to service_role;
