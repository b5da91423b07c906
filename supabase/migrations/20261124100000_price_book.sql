-- Money, part one: an organization's billing settings, tax rates and price book. Prices are
-- integer minor units of the organization's currency (never float). A price change keeps its
-- history, and documents copy the price and tax rate onto their lines, so an issued document
-- never changes when the price book does.

-- ==========================================================================================
-- Billing settings
-- ==========================================================================================

-- One row per organization, made with defaults on first use.
create table public.billing_settings (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  -- Days from issue to due date.
  payment_terms_days integer not null default 30 check (payment_terms_days between 0 and 365),
  -- Days after the due date on which a reminder goes out (each step at most once).
  reminder_days integer[] not null default '{1,7,14,30}' check (
    cardinality(reminder_days) <= 10 and 0 < all(reminder_days) and 366 > all(reminder_days)
  ),
  -- Days an estimate stays valid when sent without a date.
  estimate_valid_days integer not null default 30 check (estimate_valid_days between 1 and 365),
  -- Whether technicians see the prices of the work assigned to them.
  technicians_see_prices boolean not null default false,
  -- The organization's connected Stripe account (acct_...): Stripe events from any other
  -- account never touch its invoices.
  stripe_account_id text check (stripe_account_id ~ '^acct_[A-Za-z0-9]{1,64}$'),
  -- Where customers pay an invoice; {payment_reference} is replaced by the invoice's.
  pay_url_template text check (
    pay_url_template ~ '^https://[^\s<>"]+$' and char_length(pay_url_template) <= 500
  ),
  id uuid not null default gen_random_uuid() unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create trigger billing_settings_touch_updated_at before update on public.billing_settings
for each row execute function private.touch_updated_at();

-- An organization's billing settings, its defaults when it has saved none.
create or replace function private.billing_settings_of(organization uuid)
returns public.billing_settings
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select b from public.billing_settings as b where b.organization_id = organization),
    row(organization, 30, '{1,7,14,30}', 30, false, null, null, null, now(), now())::public.billing_settings
  )
$$;
revoke all on function private.billing_settings_of(uuid) from public, anon, authenticated, service_role;

-- ==========================================================================================
-- Tax rates
-- ==========================================================================================

-- A named tax rate (e.g. "State sales tax 6.25%"); one per organization is the default.
create table public.tax_rates (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  -- A fraction: 0.0625 is 6.25%.
  rate numeric(6, 4) not null check (rate >= 0 and rate < 1),
  is_default boolean not null default false,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tax_rates_organization_id_id_key unique (organization_id, id),
  constraint tax_rates_name_key unique (organization_id, name),
  constraint tax_rates_default_is_active check (not is_default or active)
);
-- At most one default per organization.
create unique index tax_rates_default_idx on public.tax_rates (organization_id) where is_default;

create trigger tax_rates_touch_updated_at before update on public.tax_rates
for each row execute function private.touch_updated_at();

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
revoke all on function private.tax_rate_for(uuid, uuid) from public, anon, authenticated, service_role;

-- ==========================================================================================
-- Price book
-- ==========================================================================================

create type public.price_book_item_kind as enum ('service', 'part', 'labour');

-- What the organization sells: a service (an annual backflow test), a part (a repair kit) or
-- labour (an hourly rate).
create table public.price_book_items (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind public.price_book_item_kind not null default 'service',
  -- The organization's own code (SKU), optional.
  code text check (char_length(code) between 1 and 64),
  name text not null check (char_length(name) between 1 and 200),
  description text check (char_length(description) <= 2000),
  unit text not null default 'each' check (char_length(unit) between 1 and 20),
  unit_price_cents bigint not null check (unit_price_cents between 0 and 100000000000),
  -- Null: the organization's default tax rate.
  tax_rate_id uuid,
  taxable boolean not null default true,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint price_book_items_organization_id_id_key unique (organization_id, id),
  constraint price_book_items_code_key unique (organization_id, code),
  constraint price_book_items_tax_rate_fkey foreign key (organization_id, tax_rate_id)
  references public.tax_rates (organization_id, id) on delete set null (tax_rate_id)
);
-- The picker lists active items by name.
create index price_book_items_list_idx on public.price_book_items (organization_id, active, name);
create index price_book_items_tax_rate_idx on public.price_book_items (organization_id, tax_rate_id);

-- Every price an item has had, and since when: made by the database on every change.
create table public.price_book_prices (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  item_id uuid not null,
  unit_price_cents bigint not null,
  effective_at timestamptz not null default now(),
  changed_by uuid references auth.users (id) on delete set null,
  constraint price_book_prices_organization_id_id_key unique (organization_id, id),
  constraint price_book_prices_item_fkey foreign key (organization_id, item_id)
  references public.price_book_items (organization_id, id) on delete cascade
);
create index price_book_prices_item_idx on public.price_book_prices (
  organization_id, item_id, effective_at desc
);
create index price_book_prices_changed_by_idx on public.price_book_prices (changed_by);

create trigger price_book_items_touch_updated_at before update on public.price_book_items
for each row execute function private.touch_updated_at();

-- What an item costs the organization (parts bought in): for owners and admins only, so it
-- lives beside the item rather than in a column others could select.
create table public.price_book_item_costs (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  item_id uuid primary key,
  unit_cost_cents bigint not null check (unit_cost_cents between 0 and 100000000000),
  updated_at timestamptz not null default now(),
  id uuid not null default gen_random_uuid() unique,
  constraint price_book_item_costs_item_fkey foreign key (organization_id, item_id)
  references public.price_book_items (organization_id, id) on delete cascade
);
create index price_book_item_costs_organization_idx on public.price_book_item_costs (
  organization_id, item_id
);

create trigger price_book_item_costs_touch_updated_at before update on public.price_book_item_costs
for each row execute function private.touch_updated_at();

-- Records the new price whenever an item is made or its price changes.
create or replace function private.record_price_history() returns trigger
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
revoke all on function private.record_price_history() from public;

create trigger price_book_items_price_history
after insert or update of unit_price_cents on public.price_book_items
for each row execute function private.record_price_history();

select private.guard_tenant_table('public.billing_settings');
select private.guard_tenant_table('public.tax_rates');
select private.guard_tenant_table('public.price_book_items');
select private.guard_tenant_table('public.price_book_prices');
select private.guard_tenant_table('public.price_book_item_costs');

select private.enable_audit('public.billing_settings', 'organization_id', array[
  'id', 'organization_id', 'payment_terms_days', 'reminder_days', 'estimate_valid_days',
  'technicians_see_prices', 'stripe_account_id', 'pay_url_template'
]);
select private.enable_audit('public.tax_rates', 'organization_id', array[
  'id', 'organization_id', 'name', 'rate', 'is_default', 'active'
]);
select private.enable_audit('public.price_book_items', 'organization_id', array[
  'id', 'organization_id', 'kind', 'code', 'name', 'unit', 'unit_price_cents', 'tax_rate_id',
  'taxable', 'active'
]);
select private.enable_audit('public.price_book_item_costs', 'organization_id', array[
  'id', 'organization_id', 'item_id', 'unit_cost_cents'
]);

-- ==========================================================================================
-- Grants (policies: supabase/policies/price_book.sql)
-- ==========================================================================================

alter table public.billing_settings enable row level security;
alter table public.tax_rates enable row level security;
alter table public.price_book_items enable row level security;
alter table public.price_book_prices enable row level security;
alter table public.price_book_item_costs enable row level security;
revoke all on table public.billing_settings, public.tax_rates, public.price_book_items,
public.price_book_prices, public.price_book_item_costs from anon, authenticated, service_role;

-- Owners and admins keep billing; members other than technicians read the price book, so a
-- dispatcher can draft an estimate. Costs are for owners and admins.
grant select on table public.billing_settings to authenticated;
grant insert (
  organization_id, payment_terms_days, reminder_days, estimate_valid_days, technicians_see_prices,
  stripe_account_id, pay_url_template
) on table public.billing_settings to authenticated;
grant update (
  payment_terms_days, reminder_days, estimate_valid_days, technicians_see_prices, stripe_account_id,
  pay_url_template
) on table public.billing_settings to authenticated;

grant select on table public.tax_rates to authenticated;
grant insert (organization_id, name, rate, is_default, active) on table public.tax_rates to authenticated;
grant update (name, rate, is_default, active) on table public.tax_rates to authenticated;

grant select on table public.price_book_items to authenticated;
grant insert (
  organization_id, kind, code, name, description, unit, unit_price_cents, tax_rate_id, taxable, active
) on table public.price_book_items to authenticated;
grant update (kind, code, name, description, unit, unit_price_cents, tax_rate_id, taxable, active)
on table public.price_book_items to authenticated;
grant select, delete on table public.price_book_item_costs to authenticated;
grant insert (organization_id, item_id, unit_cost_cents) on table public.price_book_item_costs
to authenticated;
grant update (unit_cost_cents) on table public.price_book_item_costs to authenticated;

grant select on table public.price_book_prices to authenticated;

grant select, insert, update, delete on table public.billing_settings, public.tax_rates,
public.price_book_items, public.price_book_prices, public.price_book_item_costs to service_role;
