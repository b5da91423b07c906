-- Customers, contacts, water authorities, sites and assemblies: who may do what (as every
-- actor, the way PostgREST runs it), composite keys that cannot name another tenant's rows,
-- normalisation and clear errors, archiving, due dates and the indexes behind search.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(32);
select tests.create_two_organizations();
select tests.create_field_operations();

-- The access matrix ---------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.customers where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members other than technicians read their organization''s customers'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.customers (organization_id, name) values ({a}, ''New Co'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers add customers'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.customers set notes = ''x'' where organization_id = {a} returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers edit customers'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.customers where organization_id = {a} returning 1')$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Customers are archived, never deleted, through the API'
);
select results_eq(
  $$select * from tests.access_matrix('select public.archive_customer({a_customer})')$$,
  $$values ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', 'PT404'), ('a_viewer', 'PT404'), ('b_owner', 'PT404'),
    ('staff', 'PT404'), ('service_role', '42501')$$,
  'Owners, admins and dispatchers archive customers; to anyone else they do not exist'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.customer_contacts (organization_id, customer_id, name) values ({a}, {a_customer}, ''Lee'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers add contacts'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.customer_contacts where organization_id = {a} returning 1')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers remove contacts'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.water_authorities (organization_id, name, email) values ({a}, ''County'', ''x@county.test'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners and admins add water authorities'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.water_authorities where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members other than technicians read the water authorities'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.sites (organization_id, customer_id, line1) values ({a}, {a_customer}, ''2 Oak Ave'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers add sites'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.sites where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members other than technicians read the sites'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.assemblies set location_at_site = ''Basement'' where organization_id = {a} returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers edit assemblies'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select c.name, s.line1, a.serial_number from public.customers as c
     inner join public.sites as s on s.customer_id = c.id inner join public.assemblies as a on a.site_id = s.id
     where c.organization_id = {a}'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'A customer with its sites and assemblies (as PostgREST embeds them) reads the same way'
);

-- Composite keys: another organization's rows cannot be named ---------------------------------
select tests.authenticate_as('b_owner');
select throws_ok(
  format(
    'insert into public.sites (organization_id, customer_id, line1) values (%L, %L, %L)',
    current_setting('tests.org_b'), current_setting('tests.a_customer'), '9 Elm St'
  ),
  '23503', null,
  'A site cannot belong to another organization''s customer'
);
select throws_ok(
  format(
    'update public.sites set water_authority_id = %L where id = %L',
    current_setting('tests.a_authority'), current_setting('tests.b_site')
  ),
  '23503', null,
  'A site cannot name another organization''s water authority'
);
select throws_ok(
  format(
    'insert into public.assemblies (organization_id, site_id, kind, serial_number) values (%L, %L, %L, %L)',
    current_setting('tests.org_b'), current_setting('tests.a_site'), 'dc', 'X1'
  ),
  '23503', null,
  'An assembly cannot be put at another organization''s site'
);
reset role;
select tests.clear_authentication();

-- Normalisation and clear errors -----------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select results_eq(
  $$insert into public.customers (organization_id, name, email, phone)
    values (current_setting('tests.org_a')::uuid, '  Jo   Smith ', ' Jo@Example.TEST ', '+1 (555) 123-4567')
    returning name, email, phone$$,
  $$values ('Jo Smith', 'jo@example.test', '+15551234567')$$,
  'Names, emails and phone numbers are stored normalised'
);
select throws_ok(
  $$insert into public.customers (organization_id, name, email)
    values (current_setting('tests.org_a')::uuid, 'X', 'not-an-address')$$,
  '22023', '"not-an-address" is not an email address',
  'A bad email is refused with a readable message'
);
select throws_ok(
  $$insert into public.customers (organization_id, name, phone) values (current_setting('tests.org_a')::uuid, 'X', '555-1234')$$,
  '22023', '"555-1234" is not a phone number in international form',
  'A phone number that is not E.164 is refused'
);
select throws_ok(
  $$update public.sites set time_zone = 'Mars/Olympus' where id = current_setting('tests.a_site')::uuid$$,
  '22023', 'time zone "Mars/Olympus" not recognized',
  'An unknown time zone is refused'
);
select throws_ok(
  $$insert into public.customers (organization_id, name, billing_postal_code)
    values (current_setting('tests.org_a')::uuid, 'DELI  a', '627 01')$$,
  '23505', null,
  'One live customer per organization by name and postal code, however typed'
);
select throws_ok(
  $$insert into public.assemblies (organization_id, site_id, kind, serial_number)
    values (current_setting('tests.org_a')::uuid, current_setting('tests.a_site')::uuid, 'rp', 'rp a 0001')$$,
  '23505', null,
  'Serial numbers are unique per organization, however typed'
);
select throws_ok(
  $$update public.assemblies set last_tested_on = current_date where id = current_setting('tests.a_assembly')::uuid$$,
  '42501', null,
  'The last test date comes from test reports, never by hand'
);
select throws_ok(
  $$insert into public.water_authorities (organization_id, name, submission_method)
    values (current_setting('tests.org_a')::uuid, 'Webhook City', 'webhook')$$,
  '42501', null,
  'Dispatchers do not add water authorities'
);
reset role;
select tests.clear_authentication();
select throws_ok(
  $$insert into public.water_authorities (organization_id, name, submission_method)
    values (current_setting('tests.org_a')::uuid, 'Webhook City', 'webhook')$$,
  '23514', null,
  'An authority that takes reports by webhook names an endpoint'
);

-- Due dates, distance, search ------------------------------------------------------------------
select is(
  (
    select next_due_on from public.assemblies
    where id = current_setting('tests.a_assembly')::uuid
  ),
  date '2027-03-15',
  'The next test is due one test interval after the last passing test'
);
select cmp_ok(
  (
    select
      extensions.st_distance(
        s.location, extensions.st_setsrid(extensions.st_makepoint(-89.60, 39.80), 4326)::extensions.geography
      )
    from public.sites as s
    where s.id = current_setting('tests.a_site')::uuid
  ),
  '>', 4000::float8,
  'Sites have a location, so distances between stops can be computed (metres)'
);
set local enable_seqscan = off;
select matches(
  (
    select string_agg(line, ' ') from tests.explain(
      $$select id from public.customers where search_text ilike '%deli%'$$
    ) as line
  ),
  'customers_search_idx',
  'Searching customers by any part of name, email, phone or address uses the trigram index'
);
reset enable_seqscan;

-- Archiving --------------------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select public.archive_customer(current_setting('tests.a_customer')::uuid);
select is_empty(
  $$select from public.customers where id = current_setting('tests.a_customer')::uuid$$,
  'An archived customer disappears for frontends'
);
select is_empty(
  $$select from public.sites where customer_id = current_setting('tests.a_customer')::uuid$$,
  '... and so do its sites'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::int from public.sites
    where deleted_at is not null
  ),
  1,
  'Archived rows keep their history in the database'
);

-- A suspended organization's data is read-only ------------------------------------------------------
update public.organizations set status = 'suspended'
where slug = 'tenant-a';
select tests.authenticate_as('a_owner');
select throws_ok(
  $$insert into public.customers (organization_id, name) values (current_setting('tests.org_a')::uuid, 'Late')$$,
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'A suspended organization adds no customers'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
