-- Benchmark data, set-based: %(organizations)s organizations, each with an owner, a dispatcher
-- and %(technicians)s technicians; %(customers)s customers per organization with a located site
-- each and assemblies; %(work_orders)s work orders per organization spread over those sites,
-- each with one assembly, an assignment and a visit; an invoice for every completed work
-- order, most of them paid. Run by the schema owner in one
-- transaction (fieldbase_local.generate); the per-row triggers that only normalise, number,
-- audit and guard frontend writes are off while it runs, and the numbering counters are set
-- afterwards, so the data is what the application would have made, in minutes.

-- sqlfluff:templater:placeholder:organizations:1000
-- sqlfluff:templater:placeholder:work_orders:1000
-- sqlfluff:templater:placeholder:customers:200
-- sqlfluff:templater:placeholder:technicians:5

alter table public.customers disable trigger user;
alter table public.sites disable trigger user;
alter table public.assemblies disable trigger user;
alter table public.work_orders disable trigger user;
alter table public.work_order_assemblies disable trigger user;
alter table public.work_order_assignments disable trigger user;
alter table public.visits disable trigger user;
alter table public.invoices disable trigger user;
alter table public.invoice_lines disable trigger user;
alter table public.payments disable trigger user;

create temporary table gen_orgs on commit drop as
select
  gen_random_uuid() as id,
  n,
  'Bench ' || n as name,
  'bench-' || n || '-' || substr(md5(random()::text), 1, 6) as slug
from generate_series(1, %(organizations)s) as n;

insert into public.organizations (id, name, slug, plan_id, status, time_zone)
select
  o.id,
  o.name,
  o.slug,
  'enterprise' as plan_id,
  'active'::public.organization_status as status,
  'America/Chicago' as time_zone
from gen_orgs as o;

-- People: one owner, one dispatcher and the technicians of each organization.
create temporary table gen_roles on commit drop as
select
  'owner'::public.member_role as role,
  0 as k
union all
select
  'dispatcher'::public.member_role as role,
  0 as k
union all
select
  'technician'::public.member_role as role,
  t.k
from generate_series(1, %(technicians)s) as t (k);

create temporary table gen_people on commit drop as
select
  gen_random_uuid() as user_id,
  o.id as organization_id,
  o.n,
  r.role,
  r.k
from gen_orgs as o
cross join gen_roles as r;

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
  raw_user_meta_data, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000'::uuid as instance_id,
  p.user_id as id,
  'authenticated' as aud,
  'authenticated' as role,
  p.role::text || p.k || '@bench-' || p.n || '.test' as email,
  '' as encrypted_password,
  now() as email_confirmed_at,
  '{"provider": "email", "providers": ["email"]}'::jsonb as raw_app_meta_data,
  jsonb_build_object('full_name', initcap(p.role::text) || ' ' || p.k || ' of ' || p.n) as raw_user_meta_data,
  now() as created_at,
  now() as updated_at
from gen_people as p;

insert into public.memberships (organization_id, user_id, role)
select
  p.organization_id,
  p.user_id,
  p.role
from gen_people as p;

insert into public.customers (
  id, organization_id, kind, name, email, billing_line1, billing_city, billing_postal_code
)
select
  gen_random_uuid() as id,
  o.id as organization_id,
  (case when mod(c.n, 4) = 0 then 'commercial' else 'residential' end)::public.customer_kind as kind,
  'Customer ' || c.n || ' of ' || o.n as name,
  'customer' || c.n || '@bench-' || o.n || '.test' as email,
  c.n || ' Main St' as billing_line1,
  'Springfield' as billing_city,
  lpad((62700 + mod(c.n, 100))::text, 5, '0') as billing_postal_code
from gen_orgs as o
cross join generate_series(1, %(customers)s) as c (n);

insert into public.sites (
  id, organization_id, customer_id, line1, city, postal_code, time_zone, location
)
select
  gen_random_uuid() as id,
  c.organization_id,
  c.id as customer_id,
  c.billing_line1 as line1,
  'Springfield' as city,
  c.billing_postal_code as postal_code,
  'America/Chicago' as time_zone,
  extensions.st_setsrid(
    extensions.st_makepoint(-89.65 + random() * 0.2 - 0.1, 39.80 + random() * 0.2 - 0.1), 4326
  )::extensions.geography as location
from public.customers as c
inner join gen_orgs as o on c.organization_id = o.id;

insert into public.assemblies (id, organization_id, site_id, kind, serial_number, last_tested_on)
select
  gen_random_uuid() as id,
  s.organization_id,
  s.id as site_id,
  (array['rp', 'dc', 'pvb', 'dcda']::public.assembly_kind[])[1 + mod(abs(hashtext(s.id::text)), 4)] as kind,
  'SN-' || replace(s.id::text, '-', '') as serial_number,
  current_date - mod(abs(hashtext(s.id::text)), 420) as last_tested_on
from public.sites as s
inner join gen_orgs as o on s.organization_id = o.id;

-- Each organization's sites numbered 0, 1, 2, ... with their one assembly, for an even spread.
create temporary table gen_sites on commit drop as
select
  s.organization_id,
  row_number() over (partition by s.organization_id order by s.id) - 1 as k,
  s.id as site_id,
  s.customer_id,
  a.id as assembly_id
from public.sites as s
inner join gen_orgs as o on s.organization_id = o.id
inner join public.assemblies as a on s.id = a.site_id;

-- Work orders, numbered per organization; statuses spread like a real backlog.
create temporary table gen_work_orders on commit drop as
select
  gen_random_uuid() as id,
  o.id as organization_id,
  w as number,
  s.site_id,
  s.customer_id,
  s.assembly_id,
  (array[
    'draft', 'scheduled', 'dispatched', 'in_progress', 'completed', 'completed', 'completed',
    'on_hold', 'cancelled', 'scheduled'
  ]::public.work_order_status[])[1 + mod(w, 10
  )::int] as status
from gen_orgs as o
cross join generate_series(1, %(work_orders)s) as w
inner join gen_sites as s on o.id = s.organization_id and s.k = mod(w, %(customers)s);

insert into public.work_orders (id, organization_id, number, customer_id, site_id, status, title)
select
  w.id,
  w.organization_id,
  w.number,
  w.customer_id,
  w.site_id,
  w.status,
  'Work order ' || w.number as title
from gen_work_orders as w;

insert into private.work_order_counters (organization_id, last_number)
select
  w.organization_id,
  max(w.number) as last_number
from gen_work_orders as w
group by w.organization_id;

insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id)
select
  w.organization_id,
  w.id as work_order_id,
  w.assembly_id
from gen_work_orders as w;

-- Each work order goes to one of its organization's technicians, with one visit: technicians'
-- visits follow each other in one-hour slots, so no technician is double-booked.
create temporary table gen_visits on commit drop as
select
  w.organization_id,
  w.id as work_order_id,
  p.user_id,
  date_trunc('day', now()) - interval '180 days'
  + make_interval(hours => (w.number / %(technicians)s)::int) as starts_at
from gen_work_orders as w
inner join gen_people as p
on
  w.organization_id = p.organization_id and p.role = 'technician'
  and p.k = 1 + mod(w.number, %(technicians)s)
where w.status <> 'draft';

insert into public.work_order_assignments (organization_id, work_order_id, user_id)
select
  v.organization_id,
  v.work_order_id,
  v.user_id
from gen_visits as v;

insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
select
  v.organization_id,
  v.work_order_id,
  v.user_id,
  v.starts_at,
  v.starts_at + interval '55 minutes' as ends_at
from gen_visits as v;

-- Invoices: every completed work order, one line of 95.00 plus 6.25%% tax (5.94), issued over
-- the last half year and due 30 days later, numbered per organization; four in six paid, one
-- in six paid in part, one in six not at all (overdue once past due).
create temporary table gen_invoices on commit drop as
with completed as (
  select
    w.organization_id,
    w.customer_id,
    w.site_id,
    w.id as work_order_id,
    row_number() over (partition by w.organization_id order by w.number) as number
  from gen_work_orders as w
  where w.status = 'completed'
)

select
  gen_random_uuid() as id,
  c.organization_id,
  c.customer_id,
  c.site_id,
  c.work_order_id,
  c.number,
  (current_date - 180 + mod(c.number * 7, 180)::int) as issued_on,
  mod(c.number, 6)::int as paid_kind
from completed as c;

insert into public.invoices (
  id, organization_id, number, customer_id, site_id, work_order_id, title, currency, status,
  payment_terms_days, issued_on, due_on, subtotal_cents, tax_cents, paid_cents, sent_at, paid_at
)
select
  i.id,
  i.organization_id,
  i.number,
  i.customer_id,
  i.site_id,
  i.work_order_id,
  'Work order invoice' as title,
  'USD' as currency,
  (case
    when i.paid_kind < 4 then 'paid'
    when i.issued_on + 30 < current_date then 'overdue'
    when i.paid_kind = 4 then 'partially_paid'
    else 'sent'
  end)::public.invoice_status as status,
  30 as payment_terms_days,
  i.issued_on,
  i.issued_on + 30 as due_on,
  9500 as subtotal_cents,
  594 as tax_cents,
  (case when i.paid_kind < 4 then 10094 when i.paid_kind = 4 then 5000 else 0 end) as paid_cents,
  i.issued_on::timestamptz as sent_at,
  (case when i.paid_kind < 4 then i.issued_on + 10 end)::timestamptz as paid_at
from gen_invoices as i;

insert into public.invoice_lines (
  organization_id, invoice_id, position, description, quantity, unit, unit_price_cents, tax_rate
)
select
  i.organization_id,
  i.id as invoice_id,
  1 as position,
  'Annual backflow test' as description,
  1 as quantity,
  'each' as unit,
  9500 as unit_price_cents,
  0.0625 as tax_rate
from gen_invoices as i;

insert into public.payments (
  organization_id, invoice_id, amount_cents, method, received_at, idempotency_key
)
select
  i.organization_id,
  i.id as invoice_id,
  (case when i.paid_kind < 4 then 10094 else 5000 end) as amount_cents,
  (array['card', 'check', 'bank_transfer', 'cash']::public.payment_method[])[1 + mod(i.number, 4)::int]
    as method,
  (i.issued_on + 10)::timestamptz as received_at,
  'generated:' || i.id as idempotency_key
from gen_invoices as i
where i.paid_kind < 5;

insert into private.document_counters (organization_id, kind, last_number)
select
  i.organization_id,
  'invoice' as kind,
  max(i.number) as last_number
from gen_invoices as i
group by i.organization_id;

alter table public.customers enable trigger user;
alter table public.sites enable trigger user;
alter table public.assemblies enable trigger user;
alter table public.work_orders enable trigger user;
alter table public.work_order_assemblies enable trigger user;
alter table public.work_order_assignments enable trigger user;
alter table public.visits enable trigger user;
alter table public.invoices enable trigger user;
alter table public.invoice_lines enable trigger user;
alter table public.payments enable trigger user;

analyze public.organizations;
analyze public.memberships;
analyze public.customers;
analyze public.sites;
analyze public.assemblies;
analyze public.work_orders;
analyze public.work_order_assemblies;
analyze public.work_order_assignments;
analyze public.visits;
analyze public.invoices;
analyze public.invoice_lines;
analyze public.payments;
