-- Bulk import: a company's customers, sites, assemblies and test history from a CSV or XLSX file
-- an owner or admin uploaded to <organization_id>/imports/ in the documents bucket. Tables only:
-- the functions, triggers and policies are in supabase/current/17_bulk_import.sql and
-- supabase/policies/17_bulk_import.sql (the next migration).

create type public.import_kind as enum ('customers', 'sites', 'assemblies', 'test_history');
comment on type public.import_kind is
'What a file imports: customers (with a contact), sites (with their customer), assemblies (with '
'their customer and site), or test_history (past results of assemblies already here).';

create type public.import_status as enum (
  'queued', 'loading', 'validating', 'validated', 'committing', 'committed', 'failed', 'cancelled'
);
comment on type public.import_status is
'queued, then loading (the worker reads the file), validating, and validated (a dry run ends '
'here) or committing and committed; failed says why in error; cancelled by cancel_import.';

-- One import of one file -----------------------------------------------------------------------
create table public.imports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind public.import_kind not null,
  storage_path text not null,
  dry_run boolean not null default true,
  status public.import_status not null default 'queued',
  file_format text,
  encoding text,
  headers text[],
  mapping jsonb not null default '{}'::jsonb,
  unknown_columns text[] not null default '{}',
  total_rows integer,
  processed_rows integer not null default 0,
  summary jsonb not null default '{}'::jsonb,
  refused_rows_path text,
  error text,
  requested_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  validated_at timestamptz,
  committed_at timestamptz,
  constraint imports_organization_id_id_key unique (organization_id, id),
  constraint imports_path_in_organization check (
    storage_path like organization_id::text || '/imports/%' and storage_path !~ '(^|/)\.\.?(/|$)'
    and char_length(storage_path) <= 500
  ),
  constraint imports_refused_path_in_organization check (
    refused_rows_path like organization_id::text || '/imports/%'
  ),
  constraint imports_file_format_check check (file_format in ('csv', 'xlsx')),
  constraint imports_mapping_is_object check (jsonb_typeof(mapping) = 'object'),
  constraint imports_rows_not_negative check (total_rows >= 0 and processed_rows >= 0),
  constraint imports_error_length check (char_length(error) <= 1000)
);
create index imports_organization_idx on public.imports (organization_id, created_at desc);
create index imports_requested_by_idx on public.imports (requested_by);
alter table public.imports enable row level security;
revoke all on table public.imports from public, anon, authenticated, service_role;
grant select on table public.imports to authenticated, service_role;
alter publication supabase_realtime add table public.imports;
select private.install_organization_writable_guard('public.imports');

comment on table public.imports is
'A bulk import of a CSV or XLSX file (start_import): a dry run reports what would happen, then '
'commit_import applies it. Owners and admins read it; the worker keeps status, progress '
'(processed_rows of total_rows) and summary; published to Realtime.';
comment on column public.imports.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.imports.kind is 'What the file holds (import_kind).';
comment on column public.imports.storage_path is
'The file in the documents bucket, under <organization_id>/imports/.';
comment on column public.imports.dry_run is 'True: validate and report only; nothing is written.';
comment on column public.imports.status is 'Where the import stands (import_status).';
comment on column public.imports.file_format is 'csv or xlsx, as the worker read it.';
comment on column public.imports.encoding is
'How a CSV was decoded: utf-8, utf-8-sig (with a byte order mark) or cp1252 (Latin-1).';
comment on column public.imports.headers is 'The file''s header row, in order.';
comment on column public.imports.mapping is
'Which field each header fills ({"header": "field"}): the caller''s, then the organization''s '
'saved mapping, then fieldbase''s guesses from common header names.';
comment on column public.imports.unknown_columns is 'Headers that fill no field: reported, not imported.';
comment on column public.imports.total_rows is 'Data rows in the file (the header not counted).';
comment on column public.imports.processed_rows is 'Rows read, validated or committed so far (progress).';
comment on column public.imports.summary is
'Counts: rows (total, valid, refused) and, per entity (customers, contacts, sites, assemblies, '
'reports), new, matched and changed.';
comment on column public.imports.refused_rows_path is
'The refused rows as a CSV (the file''s columns and an error column), in the documents bucket.';
comment on column public.imports.error is 'Why the import failed, for a person.';
comment on column public.imports.requested_by is 'Who started it.';
comment on column public.imports.created_at is 'When it was started.';
comment on column public.imports.updated_at is 'When it last changed.';
comment on column public.imports.validated_at is 'When the last validation finished.';
comment on column public.imports.committed_at is 'When the commit finished.';

-- What each row of a file became -----------------------------------------------------------------
create table public.import_rows (
  organization_id uuid not null,
  import_id uuid not null,
  row_number integer not null,
  cells jsonb not null,
  extra_cells integer not null default 0,
  fields jsonb,
  cell_errors jsonb,
  errors jsonb not null default '[]'::jsonb,
  authority_id uuid,
  customer_action text,
  customer_id uuid,
  contact_action text,
  contact_id uuid,
  site_action text,
  site_id uuid,
  assembly_action text,
  assembly_id uuid,
  report_action text,
  report_id uuid,
  constraint import_rows_pkey primary key (import_id, row_number),
  constraint import_rows_import_fkey foreign key (organization_id, import_id)
  references public.imports (organization_id, id) on delete cascade,
  constraint import_rows_row_number_check check (row_number >= 2),
  constraint import_rows_cells_is_object check (jsonb_typeof(cells) = 'object'),
  constraint import_rows_actions_check check (
    customer_action in ('new', 'matched', 'changed')
    and contact_action in ('new', 'matched', 'changed')
    and site_action in ('new', 'matched', 'changed')
    and assembly_action in ('new', 'matched', 'changed')
    and report_action in ('new', 'matched', 'changed')
  )
);
-- Half-full pages and no index on what validation rewrites: its updates stay on the page (HOT),
-- so a 50,000-row import does not drag a dead copy of each row through every later step.
alter table public.import_rows set (fillfactor = 50);
-- Each loaded import analyzes this column (a sample of 3,000 rows) so plans know its size.
alter table public.import_rows alter column import_id set statistics 10;
create index import_rows_organization_idx on public.import_rows (organization_id, import_id);
alter table public.import_rows enable row level security;
revoke all on table public.import_rows from public, anon, authenticated, service_role;
grant select on table public.import_rows to authenticated, service_role;

comment on table public.import_rows is
'Each data row of an import''s file: its cells as read, the refusals (errors: [{column, '
'message}], the column as the file names it) and, per entity, whether it is new, matched to an '
'existing row (whose id it names) or changed. Written by the worker only; owners and admins read it.';
comment on column public.import_rows.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.import_rows.import_id is 'The import (public.imports).';
comment on column public.import_rows.row_number is 'The row''s line in the file (the header is 1).';
comment on column public.import_rows.cells is 'The row''s cells by header, as text; never evaluated.';
comment on column public.import_rows.extra_cells is
'Filled cells beyond the columns the header names (the row is refused).';
comment on column public.import_rows.fields is
'The row''s values by field, normalised as the tables store them (set by validation).';
comment on column public.import_rows.cell_errors is
'The refusals of the cells themselves (kept between a dry run and its commit: cells do not change).';
comment on column public.import_rows.errors is
'Why the row is refused: [{"column", "message"}]; empty when it is valid.';
comment on column public.import_rows.authority_id is 'The water authority the row names, by id.';
comment on column public.import_rows.customer_action is 'new, matched or changed.';
comment on column public.import_rows.customer_id is
'The customer it names (after a commit, or when matched).';
comment on column public.import_rows.contact_action is 'new, matched or changed.';
comment on column public.import_rows.contact_id is 'The contact it names.';
comment on column public.import_rows.site_action is 'new, matched or changed.';
comment on column public.import_rows.site_id is 'The site it names.';
comment on column public.import_rows.assembly_action is 'new, matched or changed.';
comment on column public.import_rows.assembly_id is 'The assembly it names.';
comment on column public.import_rows.report_action is 'new or matched (an imported test already here).';
comment on column public.import_rows.report_id is 'The test report it names.';

-- The fields a file can fill, for mapping screens and for validation --------------------------
create table public.import_fields (
  field text primary key,
  entity text not null,
  target_column text not null,
  label text not null,
  value_type text not null,
  max_length integer,
  kinds public.import_kind[] not null,
  required_for public.import_kind[] not null default '{}',
  guesses text[] not null default '{}',
  position integer not null unique,
  constraint import_fields_entity_check check (
    entity in ('customer', 'contact', 'site', 'assembly', 'report')
  ),
  constraint import_fields_value_type_check check (
    value_type in (
      'text', 'name', 'email', 'phone', 'time_zone', 'date', 'months', 'psid', 'country',
      'customer_kind', 'assembly_kind', 'hazard', 'result', 'authority'
    )
  ),
  constraint import_fields_required_allowed check (required_for <@ kinds)
);
alter table public.import_fields enable row level security;
revoke all on table public.import_fields from public, anon, authenticated, service_role;
grant select on table public.import_fields to authenticated, service_role;

insert into public.import_fields (
  position, field, entity, target_column, label, value_type, max_length, kinds, required_for, guesses
)
values
(
  1, 'customer_name', 'customer', 'name', 'Customer name', 'name', 200,
  '{customers,sites,assemblies}', '{customers,sites,assemblies}',
  '{customer,name,client,account name,customer full name,owner,owner name,property owner}'
),
(
  2, 'customer_kind', 'customer', 'kind', 'Customer type', 'customer_kind', null,
  '{customers,sites,assemblies}', '{}', '{customer type,account type,residential or commercial}'
),
(
  3, 'customer_email', 'customer', 'email', 'Customer email', 'email', 254,
  '{customers,sites,assemblies}', '{}', '{email,e-mail,email address,customer e-mail,owner email}'
),
(
  4, 'customer_phone', 'customer', 'phone', 'Customer phone', 'phone', 20,
  '{customers,sites,assemblies}', '{}', '{phone,telephone,phone number,tel,owner phone}'
),
(
  5, 'billing_line1', 'customer', 'billing_line1', 'Billing address', 'text', 200,
  '{customers,sites,assemblies}', '{}', '{billing address,mailing address,billing street,bill to}'
),
(
  6, 'billing_line2', 'customer', 'billing_line2', 'Billing address line 2', 'text', 200,
  '{customers,sites,assemblies}', '{}', '{billing address 2,mailing address 2}'
),
(
  7, 'billing_city', 'customer', 'billing_city', 'Billing city', 'text', 100,
  '{customers,sites,assemblies}', '{}', '{billing city,mailing city}'
),
(
  8, 'billing_region', 'customer', 'billing_region', 'Billing state or region', 'text', 100,
  '{customers,sites,assemblies}', '{}', '{billing state,mailing state}'
),
(
  9, 'billing_postal_code', 'customer', 'billing_postal_code', 'Billing ZIP or postal code', 'text', 20,
  '{customers,sites,assemblies}', '{}', '{billing zip,mailing zip,billing postal code}'
),
(
  10, 'billing_country', 'customer', 'billing_country', 'Billing country', 'country', 2,
  '{customers,sites,assemblies}', '{}', '{billing country}'
),
(
  11, 'water_account_number', 'customer', 'water_account_number', 'Water account number', 'text', 64,
  '{customers,sites,assemblies}', '{}', '{account number,water account,account no,account #}'
),
(
  12, 'customer_notes', 'customer', 'notes', 'Customer notes', 'text', 10000,
  '{customers}', '{}', '{notes,comments}'
),
(
  20, 'contact_name', 'contact', 'name', 'Contact name', 'name', 200, '{customers}', '{}',
  '{contact,contact person}'
),
(
  21, 'contact_role', 'contact', 'role', 'Contact role', 'text', 100, '{customers}', '{}',
  '{contact title,title,role}'
),
(
  22, 'contact_email', 'contact', 'email', 'Contact email', 'email', 254, '{customers}', '{}',
  '{contact e-mail}'
),
(
  23, 'contact_phone', 'contact', 'phone', 'Contact phone', 'phone', 20, '{customers}', '{}',
  '{contact telephone,mobile,cell}'
),
(
  30, 'site_name', 'site', 'name', 'Site name', 'name', 200, '{sites,assemblies}', '{}',
  '{site,property,property name,location name,facility}'
),
(
  31, 'site_line1', 'site', 'line1', 'Site address', 'text', 200, '{sites,assemblies}',
  '{sites,assemblies}',
  '{address,street,street address,service address,site address 1,property address,location address,address 1}'
),
(
  32, 'site_line2', 'site', 'line2', 'Site address line 2', 'text', 200, '{sites,assemblies}', '{}',
  '{address 2,suite,unit,apt}'
),
(33, 'site_city', 'site', 'city', 'Site city', 'text', 100, '{sites,assemblies}', '{}', '{city,town}'),
(
  34, 'site_region', 'site', 'region', 'Site state or region', 'text', 100, '{sites,assemblies}', '{}',
  '{state,region,province,st}'
),
(
  35, 'site_postal_code', 'site', 'postal_code', 'Site ZIP or postal code', 'text', 20,
  '{sites,assemblies}', '{}', '{zip,zip code,zipcode,postal code,postcode}'
),
(
  36, 'site_country', 'site', 'country', 'Site country', 'country', 2, '{sites,assemblies}', '{}',
  '{country}'
),
(
  37, 'site_time_zone', 'site', 'time_zone', 'Site time zone', 'time_zone', 64, '{sites,assemblies}',
  '{}', '{time zone,timezone,tz}'
),
(
  38, 'water_authority', 'site', 'water_authority_id', 'Water authority', 'authority', 200,
  '{sites,assemblies}', '{}', '{authority,water authority,water purveyor,purveyor,water district,utility}'
),
(
  39, 'access_notes', 'site', 'access_notes', 'Access notes', 'text', 2000, '{sites,assemblies}', '{}',
  '{access,gate code,access instructions}'
),
(
  50, 'serial_number', 'assembly', 'serial_number', 'Serial number', 'text', 100,
  '{assemblies,test_history}', '{assemblies,test_history}',
  '{serial,serial no,serial #,sn,device serial,assembly serial,serial num}'
),
(
  51, 'assembly_kind', 'assembly', 'kind', 'Assembly type', 'assembly_kind', null, '{assemblies}',
  '{assemblies}', '{type,kind,assembly type,device type,assembly kind}'
),
(
  52, 'make', 'assembly', 'make', 'Manufacturer', 'text', 100, '{assemblies}', '{}',
  '{manufacturer,brand,mfr,mfg}'
),
(53, 'model', 'assembly', 'model', 'Model', 'text', 100, '{assemblies}', '{}', '{model number,model no}'),
(
  54, 'size', 'assembly', 'size', 'Size', 'text', 20, '{assemblies}', '{}',
  '{device size,assembly size,size in}'
),
(
  55, 'location_at_site', 'assembly', 'location_at_site', 'Location at the site', 'text', 200,
  '{assemblies}', '{}', '{location,device location,assembly location,installed location}'
),
(
  56, 'hazard', 'assembly', 'hazard', 'Hazard', 'hazard', null, '{assemblies}', '{}',
  '{hazard level,degree of hazard}'
),
(
  57, 'service_type', 'assembly', 'service_type', 'Service type', 'text', 50, '{assemblies}', '{}',
  '{service,use,protection type}'
),
(
  58, 'installed_on', 'assembly', 'installed_on', 'Installed on', 'date', null, '{assemblies}', '{}',
  '{install date,installed,installation date,date installed}'
),
(
  59, 'test_interval_months', 'assembly', 'test_interval_months', 'Test interval (months)', 'months',
  null, '{assemblies}', '{}', '{test interval,interval,frequency months}'
),
(
  60, 'assembly_notes', 'assembly', 'notes', 'Assembly notes', 'text', 10000, '{assemblies}', '{}',
  '{notes,comments,device notes}'
),
(
  70, 'tested_on', 'report', 'tested_on', 'Test date', 'date', null, '{test_history}', '{test_history}',
  '{date,test date,date tested,tested,inspection date}'
),
(
  71, 'result', 'report', 'result', 'Result', 'result', null, '{test_history}', '{test_history}',
  '{test result,pass fail,pass/fail,outcome,status}'
),
(
  72, 'tester', 'report', 'imported_tester', 'Tester', 'text', 200, '{test_history}', '{}',
  '{tested by,technician,inspector,tester name}'
),
(
  73, 'gauge', 'report', 'imported_gauge', 'Gauge', 'text', 100, '{test_history}', '{}',
  '{gauge serial,test kit,test gauge}'
),
(
  74, 'check_valve_1_psid', 'report', 'check_valve_1_psid', 'Check valve 1 (psid)', 'psid', null,
  '{test_history}', '{}', '{check valve 1,cv1,check 1,first check}'
),
(
  75, 'check_valve_2_psid', 'report', 'check_valve_2_psid', 'Check valve 2 (psid)', 'psid', null,
  '{test_history}', '{}', '{check valve 2,cv2,check 2,second check}'
),
(
  76, 'relief_valve_opening_psid', 'report', 'relief_valve_opening_psid', 'Relief valve opening (psid)',
  'psid', null, '{test_history}', '{}', '{relief valve,rv,relief valve opening,rv opened at}'
),
(
  77, 'air_inlet_opening_psid', 'report', 'air_inlet_opening_psid', 'Air inlet opening (psid)', 'psid',
  null, '{test_history}', '{}', '{air inlet,air inlet opening,ai opened at}'
),
(
  78, 'repairs', 'report', 'repairs', 'Repairs', 'text', 2000, '{test_history}', '{}',
  '{repair,repairs made,repair notes}'
),
(
  79, 'test_notes', 'report', 'notes', 'Test notes', 'text', 2000, '{test_history}', '{}',
  '{notes,comments,remarks}'
);

comment on table public.import_fields is
'The fields an import file can fill: which entity and column each fills, its label, which kinds '
'take it and require it, and the header names fieldbase guesses it from. Reference data.';
comment on column public.import_fields.field is 'The field''s name, as a mapping names it.';
comment on column public.import_fields.entity is 'customer, contact, site, assembly or report.';
comment on column public.import_fields.target_column is 'The column it fills.';
comment on column public.import_fields.label is 'How a person calls it; messages use it.';
comment on column public.import_fields.value_type is 'How its value is read and checked.';
comment on column public.import_fields.max_length is 'The longest value the column takes.';
comment on column public.import_fields.kinds is 'The import kinds that take it.';
comment on column public.import_fields.required_for is 'The import kinds that need it on every row.';
comment on column public.import_fields.guesses is
'Header names (lower case, words separated by single spaces) it is guessed from.';
comment on column public.import_fields.position is 'Its place in a mapping screen.';

-- Matching an imported customer by email or phone, as the imports do it
create index customers_email_idx on public.customers (organization_id, email) where deleted_at is null;
create index customers_phone_idx on public.customers (organization_id, phone) where deleted_at is null;

-- Each organization's mapping per kind, saved from its last import -------------------------------
create table public.import_mappings (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind public.import_kind not null,
  mapping jsonb not null,
  updated_at timestamptz not null default now(),
  constraint import_mappings_pkey primary key (organization_id, kind),
  constraint import_mappings_is_object check (jsonb_typeof(mapping) = 'object')
);
alter table public.import_mappings enable row level security;
revoke all on table public.import_mappings from public, anon, authenticated, service_role;
grant select, delete on table public.import_mappings to authenticated;
grant insert (organization_id, kind, mapping) on table public.import_mappings to authenticated;
grant update (mapping) on table public.import_mappings to authenticated;
grant select, insert, update, delete on table public.import_mappings to service_role;
select private.install_organization_writable_guard('public.import_mappings');

comment on table public.import_mappings is
'An organization''s mapping from its files'' headers to fieldbase''s fields, per import kind: '
'saved by each import that validates, used by the next. Owners and admins edit it.';
comment on column public.import_mappings.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.import_mappings.kind is 'The import kind it maps.';
comment on column public.import_mappings.mapping is '{"header as the file names it": "field"}.';
comment on column public.import_mappings.updated_at is 'When it was last saved.';

-- Imported test reports: finalised history, never emailed or submitted --------------------------
alter table public.backflow_test_reports
add column import_id uuid,
add column imported boolean not null default false,
add column imported_tester text,
add column imported_gauge text,
add constraint backflow_test_reports_import_fkey foreign key (organization_id, import_id)
references public.imports (organization_id, id) on delete set null (import_id),
add constraint backflow_test_reports_imported_tester_length check (char_length(imported_tester) <= 200),
add constraint backflow_test_reports_imported_gauge_length check (char_length(imported_gauge) <= 100);
create index backflow_test_reports_import_idx on public.backflow_test_reports (organization_id, import_id);

comment on column public.backflow_test_reports.import_id is 'The import it came from, if any.';
comment on column public.backflow_test_reports.imported is
'A past result brought in by an import: finalised as recorded then, never emailed or submitted.';
comment on column public.backflow_test_reports.imported_tester is
'The tester as the imported file names them (not a member of the organization).';
comment on column public.backflow_test_reports.imported_gauge is 'The gauge as the imported file names it.';

-- Transactions whose row changes are audited as one entry (an import's commit) -----------------
create table private.quiet_audit_transactions (
  transaction_id bigint primary key
);
alter table private.quiet_audit_transactions enable row level security;
revoke all on table private.quiet_audit_transactions from public, anon, authenticated, service_role;
comment on table private.quiet_audit_transactions is
'Transactions whose row changes are audited as one entry by the function that registered them '
'(an import''s commit). Written only by our own functions, within the transaction itself.';

-- The documents bucket takes the files people import (CSV and XLSX) -----------------------------
update storage.buckets
set
  allowed_mime_types = array[
    'application/pdf', 'text/csv', 'application/zip',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
  ]
where id = 'documents';
