-- Field operations, part one: the customers a company serves, their contacts, the sites it
-- works at (with a location, so a technician's day can be ordered by distance), the water
-- authorities it files backflow reports with, and the assemblies and equipment at each site.
-- Every reference between tenant rows is a composite foreign key (organization_id, x_id), so
-- another organization's row cannot even be named. Technicians see nothing here yet: they will
-- see the customers, sites and assemblies of the work assigned to them (work orders come next).

create extension if not exists pg_trgm with schema extensions;
create extension if not exists postgis with schema extensions;

-- ==========================================================================================
-- Types
-- ==========================================================================================

create type public.customer_kind as enum ('residential', 'commercial');
-- How an authority takes test reports: by email (with the PDF), by webhook, or through its
-- own portal (filed by hand; fieldbase records the reference).
create type public.report_submission_method as enum ('email', 'webhook', 'portal');
-- Backflow prevention assemblies (reduced pressure, double check, pressure / spill-resistant
-- vacuum breakers, detector assemblies) and other equipment a company services.
create type public.assembly_kind as enum (
  'rp', 'dc', 'pvb', 'svb', 'dcda', 'rpda', 'hvac_unit', 'water_heater', 'boiler', 'other'
);
create type public.assembly_status as enum ('active', 'removed', 'replaced');

-- ==========================================================================================
-- Helpers
-- ==========================================================================================

-- A phone number in E.164 (+15551234567): spaces, dots, dashes and brackets are dropped;
-- anything else is refused (22023) with the expected form.
create or replace function private.normalize_phone(phone text) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  digits text := regexp_replace(btrim(phone), '[\s().-]', '', 'g');
begin
  if phone is null or btrim(phone) = '' then
    return null;
  end if;
  if digits !~ '^\+[1-9][0-9]{6,14}$' then
    raise exception '"%" is not a phone number in international form', left(phone, 40)
    using errcode = '22023', hint = 'Use E.164, such as +15551234567.';
  end if;
  return digits;
end
$$;
revoke all on function private.normalize_phone(text) from public, anon, authenticated, service_role;
grant execute on function private.normalize_phone(text) to authenticated, service_role;

-- The normalisation triggers below run as the caller.
grant execute on function private.normalize_email(text) to authenticated;

-- Trims names, normalises email and phone, validates the time zone; one trigger function for
-- every table of this area (columns it does not have are left alone).
create or replace function private.normalize_contact_fields() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  -- Read and written as jsonb: the same function serves tables with different columns.
  fields jsonb := to_jsonb(new);
  changes jsonb := '{}'::jsonb;
begin
  if fields ->> 'name' is not null then
    changes := changes || jsonb_build_object('name', btrim(regexp_replace(fields ->> 'name', '\s+', ' ', 'g')));
  end if;
  if fields ? 'email' then
    changes := changes || jsonb_build_object(
      'email',
      case when nullif(btrim(fields ->> 'email'), '') is not null then private.normalize_email(fields ->> 'email') end
    );
  end if;
  if fields ? 'phone' then
    changes := changes || jsonb_build_object('phone', private.normalize_phone(fields ->> 'phone'));
  end if;
  if fields ? 'time_zone' then
    -- Rejects unknown zones with SQLSTATE 22023: 'time zone "..." not recognized'.
    perform now() at time zone (fields ->> 'time_zone');
  end if;
  return jsonb_populate_record(new, changes);
end
$$;
revoke all on function private.normalize_contact_fields() from public;

-- The composite key other tenant rows reference webhook endpoints by, and deliveries moved
-- onto it (a delivery could otherwise name another organization's endpoint).
alter table public.webhook_endpoints
add constraint webhook_endpoints_organization_id_id_key unique (organization_id, id);
alter table public.webhook_deliveries drop constraint webhook_deliveries_endpoint_id_fkey;
alter table public.webhook_deliveries
add constraint webhook_deliveries_endpoint_fkey foreign key (organization_id, endpoint_id)
references public.webhook_endpoints (organization_id, id) on delete cascade;
create index webhook_deliveries_organization_endpoint_idx
on public.webhook_deliveries (organization_id, endpoint_id);

-- ==========================================================================================
-- Customers and their contacts
-- ==========================================================================================

-- Someone a company works for: a household or a business, with its billing address.
create table public.customers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind public.customer_kind not null default 'residential',
  name text not null check (char_length(name) between 1 and 200),
  email text,
  phone text,
  billing_line1 text check (char_length(billing_line1) <= 200),
  billing_line2 text check (char_length(billing_line2) <= 200),
  billing_city text check (char_length(billing_city) <= 100),
  billing_region text check (char_length(billing_region) <= 100),
  billing_postal_code text check (char_length(billing_postal_code) <= 20),
  billing_country text not null default 'US' check (billing_country ~ '^[A-Z]{2}$'),
  -- The customer's account number with their water utility (on test reports).
  water_account_number text check (char_length(water_account_number) <= 64),
  notes text check (char_length(notes) <= 10000),
  tags text[] not null default '{}' check (cardinality(tags) <= 50),
  -- One live customer per organization by name and postal code, however they are typed.
  match_key text generated always as (
    lower(name) || '|' || coalesce(lower(regexp_replace(billing_postal_code, '\s', '', 'g')), '')
  ) stored,
  -- What the search box matches (name, email, phone, address), lower-cased for the trigram index.
  search_text text generated always as (
    lower(
      name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' '
      || coalesce(billing_line1, '') || ' ' || coalesce(billing_city, '') || ' '
      || coalesce(billing_postal_code, '')
    )
  ) stored,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint customers_organization_id_id_key unique (organization_id, id)
);
create unique index customers_match_key_idx on public.customers (organization_id, match_key)
where deleted_at is null;
-- Lists page through live customers by name; search is "search_text ilike '%...%'".
create index customers_organization_name_idx on public.customers (organization_id, name)
where deleted_at is null;
create index customers_search_idx on public.customers
using gin (search_text extensions.gin_trgm_ops);
create index customers_created_by_idx on public.customers (created_by);

-- A person to call or write at a customer (the site manager, accounts payable).
create table public.customer_contacts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  customer_id uuid not null,
  name text not null check (char_length(name) between 1 and 200),
  role text check (char_length(role) <= 100),
  email text,
  phone text,
  is_primary boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint customer_contacts_organization_id_id_key unique (organization_id, id),
  constraint customer_contacts_customer_fkey foreign key (organization_id, customer_id)
  references public.customers (organization_id, id) on delete cascade
);
create index customer_contacts_customer_idx on public.customer_contacts (organization_id, customer_id);
-- At most one primary contact per customer.
create unique index customer_contacts_primary_idx on public.customer_contacts (customer_id)
where is_primary;

-- ==========================================================================================
-- Water authorities
-- ==========================================================================================

-- A water utility or authority an organization files backflow test reports with.
create table public.water_authorities (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  submission_method public.report_submission_method not null default 'email',
  -- Where reports go by email.
  email text,
  -- Where reports go by webhook: one of the organization's own endpoints.
  webhook_endpoint_id uuid,
  -- Fields the authority requires on every report (e.g. 'water_account_number', 'permit_number').
  required_fields text[] not null default '{}' check (cardinality(required_fields) <= 50),
  notes text check (char_length(notes) <= 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint water_authorities_organization_id_id_key unique (organization_id, id),
  constraint water_authorities_webhook_endpoint_fkey foreign key (organization_id, webhook_endpoint_id)
  references public.webhook_endpoints (organization_id, id) on delete set null (webhook_endpoint_id),
  constraint water_authorities_submission_target check (
    (submission_method <> 'email' or email is not null)
    and (submission_method <> 'webhook' or webhook_endpoint_id is not null)
  )
);
create index water_authorities_webhook_endpoint_idx
on public.water_authorities (organization_id, webhook_endpoint_id);
create unique index water_authorities_name_idx on public.water_authorities (organization_id, lower(name));

-- ==========================================================================================
-- Sites
-- ==========================================================================================

-- A place where the work is done: a customer's house, a restaurant, a campus building.
create table public.sites (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  customer_id uuid not null,
  name text check (char_length(name) <= 200),
  line1 text not null check (char_length(line1) between 1 and 200),
  line2 text check (char_length(line2) <= 200),
  city text check (char_length(city) <= 100),
  region text check (char_length(region) <= 100),
  postal_code text check (char_length(postal_code) <= 20),
  country text not null default 'US' check (country ~ '^[A-Z]{2}$'),
  -- Gate codes, the dog, where the meter is.
  access_notes text check (char_length(access_notes) <= 2000),
  -- IANA zone of the site, for appointment times.
  time_zone text not null default 'UTC',
  -- Where it is (WGS 84), for distances between stops.
  location extensions.geography (point, 4326),
  water_authority_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint sites_organization_id_id_key unique (organization_id, id),
  constraint sites_customer_fkey foreign key (organization_id, customer_id)
  references public.customers (organization_id, id) on delete cascade,
  constraint sites_water_authority_fkey foreign key (organization_id, water_authority_id)
  references public.water_authorities (organization_id, id) on delete set null (water_authority_id)
);
create index sites_customer_idx on public.sites (organization_id, customer_id);
create index sites_water_authority_idx on public.sites (organization_id, water_authority_id);
create index sites_location_idx on public.sites using gist (location);

-- ==========================================================================================
-- Assemblies and equipment
-- ==========================================================================================

-- A backflow assembly or other piece of equipment at a site, and when its next test is due.
create table public.assemblies (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  site_id uuid not null,
  kind public.assembly_kind not null,
  make text check (char_length(make) <= 100),
  model text check (char_length(model) <= 100),
  serial_number text not null check (char_length(serial_number) between 1 and 100),
  -- The serial as the uniqueness check sees it: "AB-12 34" and "ab1234" are the same assembly.
  serial_key text generated always as (upper(regexp_replace(serial_number, '[^A-Za-z0-9]', '', 'g'))) stored,
  -- Nominal size, e.g. '3/4"' or '2"'.
  size text check (char_length(size) <= 20),
  location_at_site text check (char_length(location_at_site) <= 200),
  -- Degree of hazard (high / low) and what it protects (domestic, irrigation, fire).
  hazard text check (hazard in ('high', 'low')),
  service_type text check (char_length(service_type) <= 50),
  installed_on date,
  status public.assembly_status not null default 'active',
  -- Months between required tests (yearly for most authorities).
  test_interval_months integer not null default 12 check (test_interval_months between 1 and 120),
  -- Set from the latest passing test report, never by hand; the due date follows from it.
  last_tested_on date,
  next_due_on date generated always as (
    (last_tested_on + make_interval(months => test_interval_months))::date
  ) stored,
  notes text check (char_length(notes) <= 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint assemblies_organization_id_id_key unique (organization_id, id),
  constraint assemblies_site_fkey foreign key (organization_id, site_id)
  references public.sites (organization_id, id) on delete cascade
);
create unique index assemblies_serial_key_idx on public.assemblies (organization_id, serial_key);
create index assemblies_site_idx on public.assemblies (organization_id, site_id);
-- Compliance lists: active assemblies by due date.
create index assemblies_due_idx on public.assemblies (organization_id, next_due_on)
where status = 'active';

-- ==========================================================================================
-- Triggers: normalisation, updated_at, writability guard, audit (allowlisted columns)
-- ==========================================================================================

create trigger customers_normalize before insert or update on public.customers
for each row execute function private.normalize_contact_fields();
create trigger customer_contacts_normalize before insert or update on public.customer_contacts
for each row execute function private.normalize_contact_fields();
create trigger water_authorities_normalize before insert or update on public.water_authorities
for each row execute function private.normalize_contact_fields();
create trigger sites_normalize before insert or update on public.sites
for each row execute function private.normalize_contact_fields();

create trigger customers_touch_updated_at before update on public.customers
for each row execute function private.touch_updated_at();
create trigger customer_contacts_touch_updated_at before update on public.customer_contacts
for each row execute function private.touch_updated_at();
create trigger water_authorities_touch_updated_at before update on public.water_authorities
for each row execute function private.touch_updated_at();
create trigger sites_touch_updated_at before update on public.sites
for each row execute function private.touch_updated_at();
create trigger assemblies_touch_updated_at before update on public.assemblies
for each row execute function private.touch_updated_at();

select private.guard_tenant_table('public.customers');
select private.guard_tenant_table('public.customer_contacts');
select private.guard_tenant_table('public.water_authorities');
select private.guard_tenant_table('public.sites');
select private.guard_tenant_table('public.assemblies');

select private.enable_audit('public.customers', 'organization_id', array[
  'id', 'organization_id', 'kind', 'name', 'email', 'phone', 'billing_line1', 'billing_line2',
  'billing_city', 'billing_region', 'billing_postal_code', 'billing_country',
  'water_account_number', 'tags', 'created_by', 'deleted_at'
]);
select private.enable_audit('public.customer_contacts', 'organization_id', array[
  'id', 'organization_id', 'customer_id', 'name', 'role', 'email', 'phone', 'is_primary'
]);
select private.enable_audit('public.water_authorities', 'organization_id', array[
  'id', 'organization_id', 'name', 'submission_method', 'email', 'webhook_endpoint_id',
  'required_fields'
]);
select private.enable_audit('public.sites', 'organization_id', array[
  'id', 'organization_id', 'customer_id', 'name', 'line1', 'line2', 'city', 'region',
  'postal_code', 'country', 'time_zone', 'water_authority_id', 'deleted_at'
]);
select private.enable_audit('public.assemblies', 'organization_id', array[
  'id', 'organization_id', 'site_id', 'kind', 'make', 'model', 'serial_number', 'size',
  'location_at_site', 'hazard', 'service_type', 'installed_on', 'status', 'test_interval_months',
  'last_tested_on'
]);

-- ==========================================================================================
-- RPCs: archiving (soft delete) goes through the guard
-- ==========================================================================================

-- Archives a customer and its sites: they disappear for frontends and keep their history.
create or replace function private.archive_customer(customer_id uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  organization uuid;
begin
  select c.organization_id into organization from public.customers as c
  where c.id = customer_id and c.deleted_at is null
    and c.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'));
  if organization is null then
    raise exception 'Customer % was not found', customer_id using errcode = 'PT404';
  end if;
  perform private.authorize(
    organization, '{owner,admin,dispatcher}', 'Only owners, admins and dispatchers can archive customers'
  );
  update public.sites as s set deleted_at = now()
  where s.organization_id = organization and s.customer_id = archive_customer.customer_id
    and s.deleted_at is null;
  update public.customers as c set deleted_at = now() where c.id = customer_id;
end
$$;
revoke all on function private.archive_customer(uuid) from public, anon, authenticated, service_role;
grant execute on function private.archive_customer(uuid) to authenticated;

create function public.archive_customer(customer_id uuid) returns void
language sql volatile
set search_path = ''
as $$
  select private.archive_customer(customer_id)
$$;
revoke all on function public.archive_customer(uuid) from public, anon, authenticated, service_role;
grant execute on function public.archive_customer(uuid) to authenticated;

-- Archives one site.
create or replace function private.archive_site(site_id uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  organization uuid;
begin
  select s.organization_id into organization from public.sites as s
  where s.id = site_id and s.deleted_at is null
    and s.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'));
  if organization is null then
    raise exception 'Site % was not found', site_id using errcode = 'PT404';
  end if;
  perform private.authorize(
    organization, '{owner,admin,dispatcher}', 'Only owners, admins and dispatchers can archive sites'
  );
  update public.sites as s set deleted_at = now() where s.id = site_id;
end
$$;
revoke all on function private.archive_site(uuid) from public, anon, authenticated, service_role;
grant execute on function private.archive_site(uuid) to authenticated;

create function public.archive_site(site_id uuid) returns void
language sql volatile
set search_path = ''
as $$
  select private.archive_site(site_id)
$$;
revoke all on function public.archive_site(uuid) from public, anon, authenticated, service_role;
grant execute on function public.archive_site(uuid) to authenticated;

-- ==========================================================================================
-- Grants (policies: supabase/policies/customers_and_sites.sql)
-- ==========================================================================================

alter table public.customers enable row level security;
alter table public.customer_contacts enable row level security;
alter table public.water_authorities enable row level security;
alter table public.sites enable row level security;
alter table public.assemblies enable row level security;

revoke all on table public.customers, public.customer_contacts, public.water_authorities,
public.sites, public.assemblies from anon, authenticated, service_role;

-- Members read; owners, admins and dispatchers add and edit (the policies say which rows).
-- Archiving is an RPC; deleting is for contacts and authorities only.
grant select on table public.customers to authenticated;
grant insert (
  organization_id, kind, name, email, phone, billing_line1, billing_line2, billing_city,
  billing_region, billing_postal_code, billing_country, water_account_number, notes, tags
) on table public.customers to authenticated;
grant update (
  kind, name, email, phone, billing_line1, billing_line2, billing_city, billing_region,
  billing_postal_code, billing_country, water_account_number, notes, tags
) on table public.customers to authenticated;

grant select, delete on table public.customer_contacts to authenticated;
grant insert (organization_id, customer_id, name, role, email, phone, is_primary)
on table public.customer_contacts to authenticated;
grant update (name, role, email, phone, is_primary) on table public.customer_contacts to authenticated;

grant select, delete on table public.water_authorities to authenticated;
grant insert (
  organization_id, name, submission_method, email, webhook_endpoint_id, required_fields, notes
) on table public.water_authorities to authenticated;
grant update (name, submission_method, email, webhook_endpoint_id, required_fields, notes)
on table public.water_authorities to authenticated;

grant select on table public.sites to authenticated;
grant insert (
  organization_id, customer_id, name, line1, line2, city, region, postal_code, country,
  access_notes, time_zone, location, water_authority_id
) on table public.sites to authenticated;
grant update (
  name, line1, line2, city, region, postal_code, country, access_notes, time_zone, location,
  water_authority_id
) on table public.sites to authenticated;

grant select on table public.assemblies to authenticated;
grant insert (
  organization_id, site_id, kind, make, model, serial_number, size, location_at_site, hazard,
  service_type, installed_on, status, test_interval_months, notes
) on table public.assemblies to authenticated;
grant update (
  kind, make, model, serial_number, size, location_at_site, hazard, service_type, installed_on,
  status, test_interval_months, notes
) on table public.assemblies to authenticated;

-- The backend (imports, billing, admin scripts).
grant select, insert, update, delete on table public.customers, public.customer_contacts,
public.water_authorities, public.sites, public.assemblies to service_role;
