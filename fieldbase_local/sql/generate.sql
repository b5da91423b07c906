-- Benchmark data, set-based: %(organizations)s organizations, each with an owner, a dispatcher
-- and %(technicians)s technicians; %(customers)s customers per organization with a located site
-- each and assemblies; %(work_orders)s work orders per organization spread over those sites,
-- each with one assembly, an assignment and a visit. Run by the schema owner in one
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

alter table public.customers enable trigger user;
alter table public.sites enable trigger user;
alter table public.assemblies enable trigger user;
alter table public.work_orders enable trigger user;
alter table public.work_order_assemblies enable trigger user;
alter table public.work_order_assignments enable trigger user;
alter table public.visits enable trigger user;

analyze public.organizations;
analyze public.memberships;
analyze public.customers;
analyze public.sites;
analyze public.assemblies;
analyze public.work_orders;
analyze public.work_order_assemblies;
analyze public.work_order_assignments;
analyze public.visits;
