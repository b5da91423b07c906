-- Field operations, part six: service agreements (maintenance contracts). A customer's site and
-- some of its assemblies are serviced every N months from a start date, at a price for later
-- invoicing; pg_cron creates each period's work order ahead of time, once per period, however
-- often it runs.

create table public.service_agreements (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  customer_id uuid not null,
  site_id uuid not null,
  name text not null check (char_length(name) between 1 and 200),
  -- Every N months from starts_on (12: yearly, 3: quarterly).
  every_months integer not null default 12 check (every_months between 1 and 24),
  starts_on date not null,
  ends_on date check (ends_on >= starts_on),
  -- How many days before a period starts its work order is created.
  lead_days integer not null default 30 check (lead_days between 0 and 180),
  -- What a period costs, in minor units of the organization's currency (invoiced later).
  price_cents bigint not null default 0 check (price_cents >= 0),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint service_agreements_organization_id_id_key unique (organization_id, id),
  constraint service_agreements_site_fkey foreign key (organization_id, customer_id, site_id)
  references public.sites (organization_id, customer_id, id)
);
create index service_agreements_site_idx on public.service_agreements (organization_id, customer_id, site_id);
-- The scheduler looks at active agreements only.
create index service_agreements_active_idx on public.service_agreements (organization_id)
where active;

-- The assemblies an agreement covers (at its site).
create table public.service_agreement_assemblies (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  agreement_id uuid not null,
  assembly_id uuid not null,
  id uuid not null default gen_random_uuid() unique,
  primary key (agreement_id, assembly_id),
  constraint service_agreement_assemblies_agreement_fkey foreign key (organization_id, agreement_id)
  references public.service_agreements (organization_id, id) on delete cascade,
  constraint service_agreement_assemblies_assembly_fkey foreign key (organization_id, assembly_id)
  references public.assemblies (organization_id, id) on delete cascade
);
create index service_agreement_assemblies_agreement_idx
on public.service_agreement_assemblies (organization_id, agreement_id);
create index service_agreement_assemblies_assembly_idx
on public.service_agreement_assemblies (organization_id, assembly_id);

-- A work order made for an agreement's period knows both: one work order per period.
alter table public.work_orders
add column agreement_id uuid,
add column period_start date,
add constraint work_orders_agreement_fkey foreign key (organization_id, agreement_id)
references public.service_agreements (organization_id, id),
add constraint work_orders_agreement_period_key unique (agreement_id, period_start),
add constraint work_orders_agreement_period check ((agreement_id is null) = (period_start is null));
create index work_orders_agreement_idx on public.work_orders (organization_id, agreement_id);

create trigger service_agreements_touch_updated_at before update on public.service_agreements
for each row execute function private.touch_updated_at();

select private.guard_tenant_table('public.service_agreements');
select private.guard_tenant_table('public.service_agreement_assemblies');
select private.enable_audit('public.service_agreements', 'organization_id', array[
  'id', 'organization_id', 'customer_id', 'site_id', 'name', 'every_months', 'starts_on', 'ends_on',
  'lead_days', 'price_cents', 'active'
]);
select private.enable_audit('public.service_agreement_assemblies', 'organization_id', array[
  'id', 'organization_id', 'agreement_id', 'assembly_id'
]);

-- Creates the work orders of every agreement period that starts within its lead time from
-- `today` (set-based; periods already made are skipped, so running twice is harmless), with the
-- agreement's assemblies. Agreements of suspended, cancelled or deleted organizations, of
-- archived customers or sites, and inactive or ended ones make nothing. Returns how many.
create or replace function private.create_agreement_work_orders(today date default current_date)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  created integer;
begin
  with due as (
    select
      a.id as agreement_id, a.organization_id, a.customer_id, a.site_id, a.name,
      p.period_start::date as period_start
    from public.service_agreements as a
    inner join public.organizations as o on a.organization_id = o.id
    inner join public.sites as s on a.site_id = s.id
    inner join public.customers as c on a.customer_id = c.id
    cross join lateral generate_series(
      a.starts_on::timestamp, (today + a.lead_days)::timestamp, make_interval(months => a.every_months)
    ) as p (period_start)
    where
      a.active and o.deleted_at is null and o.status not in ('suspended', 'cancelled')
      and s.deleted_at is null and c.deleted_at is null
      and p.period_start >= today and (a.ends_on is null or p.period_start <= a.ends_on)
      and not exists (
        select from public.work_orders as w
        where w.agreement_id = a.id and w.period_start = p.period_start::date
      )
  ),
  made as (
    insert into public.work_orders (
      organization_id, customer_id, site_id, status, source, title, agreement_id, period_start
    )
    select
      d.organization_id, d.customer_id, d.site_id, 'draft', 'agreement',
      left(d.name, 180) || ' (' || to_char(d.period_start, 'Mon YYYY') || ')', d.agreement_id,
      d.period_start
    from due as d
    on conflict (agreement_id, period_start) do nothing
    returning id, organization_id, agreement_id
  ),
  linked as (
    insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id)
    select m.organization_id, m.id, sa.assembly_id
    from made as m
    inner join public.service_agreement_assemblies as sa on m.agreement_id = sa.agreement_id
    returning 1
  )
  select count(*) into created from made;
  return created;
end
$$;
revoke all on function private.create_agreement_work_orders(date)
from public, anon, authenticated, service_role;

select cron.schedule(
  'fieldbase-agreement-work-orders', '17 5 * * *', 'select private.create_agreement_work_orders()'
);

alter table public.service_agreements enable row level security;
alter table public.service_agreement_assemblies enable row level security;
revoke all on table public.service_agreements, public.service_agreement_assemblies
from anon, authenticated, service_role;

-- Members other than technicians read agreements; owners and admins (billing) keep them.
grant select on table public.service_agreements, public.service_agreement_assemblies to authenticated;
grant insert (
  organization_id, customer_id, site_id, name, every_months, starts_on, ends_on, lead_days,
  price_cents, active
) on table public.service_agreements to authenticated;
grant update (name, every_months, starts_on, ends_on, lead_days, price_cents, active)
on table public.service_agreements to authenticated;
grant insert, delete on table public.service_agreement_assemblies to authenticated;
grant select, insert, update, delete on table public.service_agreements,
public.service_agreement_assemblies to service_role;
