-- Customers and sites: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Archives a customer and its sites: they disappear for frontends and keep their history.
create or replace function private.archive_customer(customer_id uuid)
returns void
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
revoke all on function private.archive_customer(customer_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.archive_customer(customer_id uuid)
to authenticated;

-- Archives one site.
create or replace function private.archive_site(site_id uuid)
returns void
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
revoke all on function private.archive_site(site_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.archive_site(site_id uuid)
to authenticated;

-- Trims names, normalises email and phone, validates the time zone; one trigger function for
-- every table of this area (columns it does not have are left alone).
create or replace function private.normalize_contact_fields()
returns trigger
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
revoke all on function private.normalize_contact_fields()
from public, anon, authenticated, service_role;

-- A new site without a time zone takes its organization's (as the caller sees it: a site
-- for an organization the caller does not belong to is refused by RLS, and says nothing).
create or replace function private.default_site_time_zone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.time_zone := coalesce(
    nullif(btrim(new.time_zone), ''),
    (select o.time_zone from public.organizations as o where o.id = new.organization_id),
    'UTC'
  );
  return new;
end
$$;
revoke all on function private.default_site_time_zone()
from public, anon, authenticated, service_role;

-- The rule of normalize_phone, without the error: the number in E.164, or null when it is not
-- one (or empty).
create or replace function private.phone_or_null(phone text)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  digits text := regexp_replace(btrim(phone), '[\s().-]', '', 'g');
begin
  if digits ~ '^\+[1-9][0-9]{6,14}$' then
    return digits;
  end if;
  return null;
end
$$;
revoke all on function private.phone_or_null(phone text)
from public, anon, authenticated, service_role;
grant execute on function private.phone_or_null(phone text)
to authenticated, service_role;

-- A phone number in E.164 (+15551234567): spaces, dots, dashes and brackets are dropped;
-- anything else is refused (22023) with the expected form.
create or replace function private.normalize_phone(phone text)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  digits text := private.phone_or_null(phone);
begin
  if phone is null or btrim(phone) = '' then
    return null;
  end if;
  if digits is null then
    raise exception '"%" is not a phone number in international form', left(phone, 40)
    using errcode = '22023', hint = 'Use E.164, such as +15551234567.';
  end if;
  return digits;
end
$$;
revoke all on function private.normalize_phone(phone text)
from public, anon, authenticated, service_role;
grant execute on function private.normalize_phone(phone text)
to authenticated, service_role;

create or replace function public.archive_customer(customer_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.archive_customer(customer_id);
end
$$;
revoke all on function public.archive_customer(customer_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.archive_customer(customer_id uuid)
to authenticated;

create or replace function public.archive_site(site_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.archive_site(site_id);
end
$$;
revoke all on function public.archive_site(site_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.archive_site(site_id uuid)
to authenticated;

create or replace trigger assemblies_touch_updated_at before update
on public.assemblies
for each row
execute function private.touch_updated_at();

create or replace trigger audit_delete after delete
on public.assemblies
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.customer_contacts
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.customers
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.sites
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.water_authorities
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.assemblies
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.customer_contacts
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.customers
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.sites
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.water_authorities
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.assemblies
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.customer_contacts
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.customers
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.sites
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.water_authorities
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger customer_contacts_normalize before insert or update
on public.customer_contacts
for each row
execute function private.normalize_contact_fields();

create or replace trigger customer_contacts_touch_updated_at before update
on public.customer_contacts
for each row
execute function private.touch_updated_at();

create or replace trigger customers_normalize before insert or update
on public.customers
for each row
execute function private.normalize_contact_fields();

create or replace trigger customers_touch_updated_at before update
on public.customers
for each row
execute function private.touch_updated_at();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.assemblies
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.customer_contacts
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.customers
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.sites
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.water_authorities
for each row
execute function private.enforce_organization_writable();

create or replace trigger sites_normalize before insert or update
on public.sites
for each row
execute function private.normalize_contact_fields();

create or replace trigger sites_touch_updated_at before update
on public.sites
for each row
execute function private.touch_updated_at();

create or replace trigger water_authorities_normalize before insert or update
on public.water_authorities
for each row
execute function private.normalize_contact_fields();

create or replace trigger water_authorities_touch_updated_at before update
on public.water_authorities
for each row
execute function private.touch_updated_at();

create or replace trigger sites_0_time_zone before insert
on public.sites
for each row
execute function private.default_site_time_zone();
