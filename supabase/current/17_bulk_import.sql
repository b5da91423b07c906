-- Bulk import: the functions and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.
--
-- An owner or admin uploads a file to <organization_id>/imports/ and calls start_import. The
-- worker (import.run) reads it into import_rows in batches, then validate_import checks every
-- row set-based with the tables' own normalisation functions and matches it to existing rows by
-- natural keys. A dry run stops there; a commit then writes the valid rows chunk by chunk, each
-- chunk inserting only what is not there yet, so a crash resumes and a second run changes nothing.

-- A header as guesses compare it: lower case, words separated by single spaces.
create or replace function private.import_header_key(header text)
returns text
language sql immutable
set search_path = ''
as $$
  select btrim(regexp_replace(lower(header), '[^a-z0-9#]+', ' ', 'g'))
$$;
revoke all on function private.import_header_key(header text)
from public, anon, authenticated, service_role;

-- Reads one cell (trimmed, not empty) of a type a cell can be refused for: the normalised value,
-- or why it cannot be stored. Uses the functions the tables' triggers use (normalize_email,
-- normalize_phone, the time zone check), so an import accepts exactly what a direct insert
-- would. Text, names and authority names are read inline by read_import_cells.
create or replace function private.import_read(value_type text, cell text, out normalized text, out problem text)
returns record
language plpgsql stable
set search_path = ''
as $$
declare
  hint text;
begin
  normalized := case value_type
    when 'email' then private.normalize_email(cell)
    when 'phone' then private.normalize_phone(cell)
    when 'time_zone' then private.import_time_zone(cell)
    when 'date' then private.import_date(cell)::text
    when 'months' then private.import_months(cell)::text
    when 'psid' then private.import_psid(cell)::text
    when 'country' then private.import_choice(upper(cell), '^[A-Z]{2}$', 'a two-letter country code such as US')
    when 'customer_kind' then private.import_choice(lower(cell), '^(residential|commercial)$', 'residential or commercial')
    when 'assembly_kind' then private.import_assembly_kind(cell)
    when 'hazard' then private.import_choice(lower(cell), '^(high|low)$', 'high or low')
    when 'result' then private.import_result(cell)
  end;
exception when others then
  get stacked diagnostics problem = message_text, hint = pg_exception_hint;
  normalized := null;
  problem := concat_ws(' ', problem || case when problem ~ '[.!?]$' then '' else '.' end, nullif(hint, ''));
end
$$;
revoke all on function private.import_read(value_type text, cell text)
from public, anon, authenticated, service_role;

-- A time zone as the sites' trigger checks it (22023 for an unknown one).
create or replace function private.import_time_zone(zone text)
returns text
language plpgsql stable
set search_path = ''
as $$
begin
  perform now() at time zone zone;
  return zone;
end
$$;
revoke all on function private.import_time_zone(zone text)
from public, anon, authenticated, service_role;

-- A date written as 2024-03-31, 3/31/2024 or 03/31/24 (months first, as American files write them).
create or replace function private.import_date(value text)
returns date
language plpgsql immutable
set search_path = ''
as $$
begin
  if value ~ '^\d{4}-\d{1,2}-\d{1,2}$' then
    return value::date;
  elsif value ~ '^\d{1,2}/\d{1,2}/\d{4}$' then
    return make_date(split_part(value, '/', 3)::integer, split_part(value, '/', 1)::integer, split_part(value, '/', 2)::integer);
  elsif value ~ '^\d{1,2}/\d{1,2}/\d{2}$' then
    return make_date(2000 + split_part(value, '/', 3)::integer, split_part(value, '/', 1)::integer, split_part(value, '/', 2)::integer);
  end if;
  raise exception '"%" is not a date', left(value, 40) using errcode = '22007',
  hint = 'Write dates as 2024-03-31 or 3/31/2024.';
end
$$;
revoke all on function private.import_date(value text)
from public, anon, authenticated, service_role;

-- A test interval in whole months, as assemblies take it (1 to 120).
create or replace function private.import_months(value text)
returns integer
language plpgsql immutable
set search_path = ''
as $$
begin
  if value !~ '^\+?\d{1,3}$' or value::integer not between 1 and 120 then
    raise exception '"%" is not a test interval', left(value, 40) using errcode = '22023',
    hint = 'Give whole months from 1 to 120.';
  end if;
  return value::integer;
end
$$;
revoke all on function private.import_months(value text)
from public, anon, authenticated, service_role;

-- A reading in psid, as reports store them (0 to 99, one decimal).
create or replace function private.import_psid(value text)
returns numeric
language plpgsql immutable
set search_path = ''
as $$
begin
  if value !~ '^\d{1,2}(\.\d+)?$' then
    raise exception '"%" is not a reading in psid', left(value, 40) using errcode = '22023',
    hint = 'Give a number from 0 to 99, such as 5.2.';
  end if;
  return round(value::numeric, 1);
end
$$;
revoke all on function private.import_psid(value text)
from public, anon, authenticated, service_role;

-- A value from a fixed list.
create or replace function private.import_choice(value text, allowed text, expected text)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if value !~ allowed then
    raise exception '"%" is not one of the choices', left(value, 40) using errcode = '22023',
    hint = 'Use ' || expected || '.';
  end if;
  return value;
end
$$;
revoke all on function private.import_choice(value text, allowed text, expected text)
from public, anon, authenticated, service_role;

-- An assembly type as other tools write it: RP, RPZ, RPBA, DC, DCVA, PVB, SVB, DCDA, RPDA...
create or replace function private.import_assembly_kind(value text)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  key text := regexp_replace(lower(value), '[^a-z]', '', 'g');
  kind text;
begin
  kind := case
    when key in ('rp', 'rpz', 'rpba', 'rpa', 'rpbp', 'reducedpressure', 'reducedpressurezone') then 'rp'
    when key in ('dc', 'dcva', 'dca', 'dcv', 'doublecheck', 'doublecheckvalve') then 'dc'
    when key in ('pvb', 'pressurevacuumbreaker') then 'pvb'
    when key in ('svb', 'spillresistantvacuumbreaker', 'spillresistant') then 'svb'
    when key in ('dcda', 'doublecheckdetector') then 'dcda'
    when key in ('rpda', 'rpzda', 'reducedpressuredetector') then 'rpda'
    when key in (
      select e.enumlabel from pg_catalog.pg_enum as e where e.enumtypid = 'public.assembly_kind'::regtype
    ) then key
    when lower(value) in (
      select e.enumlabel from pg_catalog.pg_enum as e where e.enumtypid = 'public.assembly_kind'::regtype
    ) then lower(value)
  end;
  if kind is null then
    raise exception '"%" is not an assembly type', left(value, 40) using errcode = '22023',
    hint = 'Use RP, DC, PVB, SVB, DCDA, RPDA, or hvac_unit, water_heater, boiler, other.';
  end if;
  return kind;
end
$$;
revoke all on function private.import_assembly_kind(value text)
from public, anon, authenticated, service_role;

-- A recorded test result: pass or fail (also passed, failed, p, f).
create or replace function private.import_result(value text)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  case lower(value)
    when 'pass', 'passed', 'p', 'ok' then return 'pass';
    when 'fail', 'failed', 'f' then return 'fail';
    else
      raise exception '"%" is not a test result', left(value, 40) using errcode = '22023',
      hint = 'Use pass or fail.';
  end case;
end
$$;
revoke all on function private.import_result(value text)
from public, anon, authenticated, service_role;

-- The customer a row names, as customers.match_key computes it (name and billing postal code).
create or replace function private.import_customer_key(fields jsonb)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return lower(fields ->> 'customer_name') || '|'
    || coalesce(lower(regexp_replace(fields ->> 'billing_postal_code', '\s', '', 'g')), '');
end
$$;
revoke all on function private.import_customer_key(fields jsonb)
from public, anon, authenticated, service_role;

-- A site's address as imports compare it: street and postal code, case and spacing ignored.
create or replace function private.import_site_key(line1 text, postal_code text)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return lower(btrim(regexp_replace(line1, '\s+', ' ', 'g'))) || '|'
    || coalesce(lower(regexp_replace(postal_code, '\s', '', 'g')), '');
end
$$;
revoke all on function private.import_site_key(line1 text, postal_code text)
from public, anon, authenticated, service_role;

-- True when a row gives a value for one of the entity's columns that differs from the stored
-- row's. Identity columns (a customer's name and postal code, a contact's name, a site's street
-- and postal code, a serial number) are how the row was matched and are never changed by an
-- import.
create or replace function private.import_differs(fields jsonb, entity text, stored jsonb)
returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return exists (
    select from public.import_fields as f
    where f.entity = import_differs.entity and fields ? f.field
      and f.field not in (
        'customer_name', 'billing_postal_code', 'contact_name', 'site_line1', 'site_postal_code', 'serial_number'
      )
      and (fields ->> f.field) is distinct from (stored ->> f.target_column)
  );
end
$$;
revoke all on function private.import_differs(fields jsonb, entity text, stored jsonb)
from public, anon, authenticated, service_role;

-- Which field each header fills: the caller's mapping, then the organization's saved one, then
-- the guesses. A header the caller maps to null is left out on purpose.
create or replace function private.import_mapping(
  kind import_kind,
  headers text[],
  given jsonb,
  saved jsonb
)
returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(h.header, chosen.field) filter (where chosen.field is not null), '{}'::jsonb)
  from unnest(headers) as h (header)
  cross join lateral (
    select case
      when given ? h.header then given ->> h.header
      when saved ? h.header then saved ->> h.header
      else (
        select f.field from public.import_fields as f
        where kind = any(f.kinds)
          and (
            private.import_header_key(h.header) = private.import_header_key(f.field)
            or private.import_header_key(h.header) in (
              select private.import_header_key(g) from unnest(f.guesses) as g
            )
          )
        order by private.import_header_key(h.header) = private.import_header_key(f.field) desc, f.position
        limit 1
      )
    end as field
  ) as chosen
$$;
revoke all on function private.import_mapping(kind import_kind, headers text[], given jsonb, saved jsonb)
from public, anon, authenticated, service_role;

-- Refuses a mapping that names a field the kind does not take (22023, naming it).
create or replace function private.check_import_mapping(kind import_kind, mapping jsonb)
returns void
language plpgsql stable
set search_path = ''
as $$
declare
  unknown text;
begin
  if mapping is null then
    return;
  elsif jsonb_typeof(mapping) <> 'object' then
    raise exception 'A mapping is an object of {"header": "field"}' using errcode = '22023';
  end if;
  select m.value #>> '{}' into unknown from jsonb_each(mapping) as m
  where m.value <> 'null'::jsonb and (
    jsonb_typeof(m.value) <> 'string'
    or not exists (
      select from public.import_fields as f where f.field = m.value ->> 0 and kind = any(f.kinds)
    )
  )
  limit 1;
  if unknown is not null then
    raise exception '% is not a field of a % import', unknown, kind using errcode = '22023',
    hint = 'The fields are listed in import_fields.';
  end if;
end
$$;
revoke all on function private.check_import_mapping(kind import_kind, mapping jsonb)
from public, anon, authenticated, service_role;
grant execute on function private.check_import_mapping(kind import_kind, mapping jsonb)
to authenticated, service_role;

-- Starts an import of a file already uploaded to <organization_id>/imports/ in the documents
-- bucket: owners and admins, aal2 where MFA is required, one import at a time per organization.
create or replace function private.start_import(
  organization_id uuid,
  kind import_kind,
  storage_path text,
  mapping jsonb default null::jsonb,
  dry_run boolean default true
)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports;
begin
  perform private.authorize(
    start_import.organization_id, '{owner,admin}', 'Only owners and admins import data', sensitive => true
  );
  perform private.check_import_mapping(kind, mapping);
  if storage_path is null or storage_path not like start_import.organization_id::text || '/imports/%'
     or storage_path ~ '(^|/)\.\.?(/|$)' then
    raise exception 'Upload the file to %/imports/ first', start_import.organization_id
    using errcode = '22023';
  end if;
  if not exists (
    select from storage.objects as o where o.bucket_id = 'documents' and o.name = storage_path
  ) then
    raise exception 'There is no uploaded file at %', storage_path using errcode = 'PT404',
    hint = 'Upload it to the documents bucket first.';
  end if;
  perform 1 from public.organizations as o where o.id = start_import.organization_id for update;
  if exists (
    select from public.imports as i
    where i.organization_id = start_import.organization_id
      and i.status in ('queued', 'loading', 'validating', 'committing')
  ) then
    raise exception 'An import is already running for this organization' using errcode = 'PT409',
    hint = 'Wait for it to finish, or cancel it.';
  end if;
  insert into public.imports (organization_id, kind, storage_path, mapping, dry_run, requested_by)
  values (
    start_import.organization_id, kind, storage_path, coalesce(mapping, '{}'::jsonb), dry_run,
    (select auth.uid())
  )
  returning * into import;
  perform queue.enqueue(
    'import.run', jsonb_build_object('import_id', import.id), import.organization_id,
    'import:' || import.id || case when dry_run then ':dry_run' else ':commit' end
  );
  return import;
end
$$;
revoke all on function private.start_import(
  organization_id uuid, kind import_kind, storage_path text, mapping jsonb, dry_run boolean
)
from public, anon, authenticated, service_role;
grant execute on function private.start_import(
  organization_id uuid, kind import_kind, storage_path text, mapping jsonb, dry_run boolean
)
to authenticated;

-- An import the caller may manage (owners and admins of its organization), locked; to anyone
-- else it does not exist (PT404). Called by definer functions only.
create or replace function private.locked_import_of_caller(import_id uuid)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports;
begin
  select * into import from public.imports as i
  where i.id = import_id and i.organization_id in (select private.organization_ids_for('{owner,admin}'))
  for update;
  if import.id is null then
    raise exception 'Import % was not found', import_id using errcode = 'PT404';
  end if;
  return import;
end
$$;
revoke all on function private.locked_import_of_caller(import_id uuid)
from public, anon, authenticated, service_role;

-- Commits an import whose dry run has finished: the same rows (not read again), validated again
-- against what the database holds now, then written.
create or replace function private.commit_import(import_id uuid)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := private.locked_import_of_caller(import_id);
begin
  perform private.authorize(
    import.organization_id, '{owner,admin}', 'Only owners and admins import data', sensitive => true
  );
  if import.status <> 'validated' or not import.dry_run then
    raise exception 'Only a finished dry run can be committed; this import is %', import.status
    using errcode = 'PT409';
  end if;
  -- The rows are loaded and read already: the worker validates them again, then commits.
  update public.imports as i set dry_run = false, status = 'validating', error = null
  where i.id = import.id
  returning * into import;
  perform queue.enqueue(
    'import.run', jsonb_build_object('import_id', import.id), import.organization_id,
    'import:' || import.id || ':commit'
  );
  return import;
end
$$;
revoke all on function private.commit_import(import_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.commit_import(import_id uuid)
to authenticated;

-- Cancels a running import: the worker stops at its next batch. Rows a commit has written stay
-- (each chunk is whole); the import says how far it got.
create or replace function private.cancel_import(import_id uuid)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := private.locked_import_of_caller(import_id);
begin
  perform private.authorize(
    import.organization_id, '{owner,admin}', 'Only owners and admins import data', writing => false
  );
  if import.status not in ('queued', 'loading', 'validating', 'committing') then
    raise exception 'This import is % and cannot be cancelled', import.status using errcode = 'PT409';
  end if;
  update public.imports as i set status = 'cancelled' where i.id = import.id returning * into import;
  return import;
end
$$;
revoke all on function private.cancel_import(import_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.cancel_import(import_id uuid)
to authenticated;

create or replace function public.start_import(
  organization_id uuid,
  kind import_kind,
  storage_path text,
  mapping jsonb default null::jsonb,
  dry_run boolean default true
)
returns imports
language plpgsql
set search_path = ''
as $$
begin
  return private.start_import(organization_id, kind, storage_path, mapping, dry_run);
end
$$;
revoke all on function public.start_import(
  organization_id uuid, kind import_kind, storage_path text, mapping jsonb, dry_run boolean
)
from public, anon, authenticated, service_role;
grant execute on function public.start_import(
  organization_id uuid, kind import_kind, storage_path text, mapping jsonb, dry_run boolean
)
to authenticated;

create or replace function public.commit_import(import_id uuid)
returns imports
language plpgsql
set search_path = ''
as $$
begin
  return private.commit_import(import_id);
end
$$;
revoke all on function public.commit_import(import_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.commit_import(import_id uuid)
to authenticated;

create or replace function public.cancel_import(import_id uuid)
returns imports
language plpgsql
set search_path = ''
as $$
begin
  return private.cancel_import(import_id);
end
$$;
revoke all on function public.cancel_import(import_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.cancel_import(import_id uuid)
to authenticated;

-- The import a worker's job carries, locked: only the job's lease holder gets it, and only while
-- the job runs. Refuses an organization that has become read-only.
create or replace function queue.import_of_job(worker_id text, job_id bigint)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports;
begin
  select i.* into import
  from queue.job_queue as j
  inner join public.imports as i
    on i.id = (j.payload ->> 'import_id')::uuid and i.organization_id = j.organization_id
  where j.id = import_of_job.job_id and j.lease_owner = import_of_job.worker_id
    and j.status = 'running' and j.kind = 'import.run'
  for update of i;
  if import.id is null then
    raise exception 'Job % carries no import this worker holds', job_id using errcode = 'PT404';
  end if;
  return import;
end
$$;
revoke all on function queue.import_of_job(worker_id text, job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function queue.import_of_job(worker_id text, job_id bigint)
to fieldbase_worker;

-- The worker read the header: records it, chooses the mapping, and starts loading. Returns the
-- import; a file the import cannot use (no column for a required field, two columns for one
-- field) fails it with the reason.
create or replace function queue.begin_import(
  worker_id text,
  job_id bigint,
  file_format text,
  encoding text,
  headers text[]
)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
  chosen jsonb;
  problem text;
begin
  -- A load a crash interrupted starts over (its rows are removed below).
  if import.status not in ('queued', 'loading') then
    return import;
  end if;
  chosen := private.import_mapping(
    import.kind, headers, import.mapping,
    (select m.mapping from public.import_mappings as m where m.organization_id = import.organization_id and m.kind = import.kind)
  );
  select string_agg(format('%s and %s both fill %s', d.first_header, d.second_header, f.label), '; ')
  into problem
  from (
    select m.value as field, min(m.key) as first_header, max(m.key) as second_header
    from jsonb_each_text(chosen) as m group by m.value having count(*) > 1
  ) as d
  inner join public.import_fields as f on d.field = f.field;
  if problem is null then
    select 'No column fills ' || string_agg(f.label, ', ' order by f.position) || '; map a column to each'
    into problem
    from public.import_fields as f
    where import.kind = any(f.required_for)
      and not exists (select from jsonb_each_text(chosen) as m where m.value = f.field);
  end if;
  update public.imports as i set
    file_format = begin_import.file_format, encoding = begin_import.encoding,
    headers = begin_import.headers, mapping = chosen,
    unknown_columns = array(select h from unnest(begin_import.headers) as h where not chosen ? h),
    status = case when problem is null then 'loading' else 'failed' end::public.import_status,
    error = problem, processed_rows = 0, total_rows = null
  where i.id = import.id
  returning * into import;
  delete from public.import_rows as r where r.import_id = import.id;
  return import;
end
$$;
revoke all on function queue.begin_import(worker_id text, job_id bigint, file_format text, encoding text, headers text[])
from public, anon, authenticated, service_role;
grant execute on function queue.begin_import(worker_id text, job_id bigint, file_format text, encoding text, headers text[])
to fieldbase_worker;

-- A batch of rows as read: [{"n": row number, "cells": {header: text}, "extra": cells beyond
-- the header}]. Loading again is harmless (a row number is loaded once). Returns the status, so
-- the worker stops when the import was cancelled.
create or replace function queue.load_import_rows(worker_id text, job_id bigint, batch jsonb)
returns import_status
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
  loaded integer;
begin
  if import.status <> 'loading' then
    return import.status;
  end if;
  insert into public.import_rows (organization_id, import_id, row_number, cells, extra_cells)
  select import.organization_id, import.id, (b ->> 'n')::integer, b -> 'cells', coalesce((b ->> 'extra')::integer, 0)
  from jsonb_array_elements(batch) as b
  on conflict on constraint import_rows_pkey do nothing;
  get diagnostics loaded = row_count;
  update public.imports as i set processed_rows = i.processed_rows + loaded where i.id = import.id;
  return import.status;
end
$$;
revoke all on function queue.load_import_rows(worker_id text, job_id bigint, batch jsonb)
from public, anon, authenticated, service_role;
grant execute on function queue.load_import_rows(worker_id text, job_id bigint, batch jsonb)
to fieldbase_worker;

-- Every row is loaded (or the file had none): validate.
create or replace function queue.finish_loading_import(worker_id text, job_id bigint, total_rows integer)
returns import_status
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
begin
  if import.status <> 'loading' then
    return import.status;
  end if;
  -- Fresh statistics: the validation's plans depend on how many rows there now are (a small
  -- sample of one column is enough to count them).
  analyze public.import_rows (import_id);
  update public.imports as i
  set
    total_rows = finish_loading_import.total_rows,
    status = case when finish_loading_import.total_rows = 0 then 'failed' else 'validating' end::public.import_status,
    error = case when finish_loading_import.total_rows = 0 then 'The file has a header but no rows' end
  where i.id = import.id
  returning * into import;
  return import.status;
end
$$;
revoke all on function queue.finish_loading_import(worker_id text, job_id bigint, total_rows integer)
from public, anon, authenticated, service_role;
grant execute on function queue.finish_loading_import(worker_id text, job_id bigint, total_rows integer)
to fieldbase_worker;

-- Reads every cell of an import as its field's type, in one pass over the rows with a statement
-- written for its mapping: text inline, emails and phones through the rule their normalisation
-- functions use (the error path only for a cell that breaks it), every other type once per
-- distinct value (a file repeats its types, dates and time zones), and what each kind requires.
-- Sets fields and cell_errors. Without JIT: compiling these long statements costs seconds and
-- saves nothing on 50,000 rows.
create or replace function private.read_import_cells(import imports)
returns void
language plpgsql security definer
set search_path = ''
set jit = off
as $$
declare
  field record;
  trimmed text;
  cells text[] := '{}'::text[];
  reads text[] := '{}'::text[];
  problems text[] := '{}'::text[];
  pairs text[] := '{}'::text[];
  errors text[] := '{}'::text[];
  lookups text[] := '{}'::text[];
  n integer := 0;
begin
  create temporary table if not exists import_reads (
    field text, value text, normalized text, problem text, primary key (field, value)
  ) on commit drop;
  truncate pg_temp.import_reads;
  for field in
    select m.key as header, f.* from jsonb_each_text(import.mapping) as m
    inner join public.import_fields as f on m.value = f.field
    order by f.position
  loop
    n := n + 1;
    -- The cell without the blanks around it (spaces, tabs, line breaks); null when nothing is left.
    trimmed := format('nullif(btrim(r.cells ->> %L, e'' \t\n\r\f\013''), '''')', field.header);
    cells := cells || format('%s as c%s', trimmed, n);
    if field.value_type in ('text', 'authority', 'name') then
      -- A name as normalize_contact_fields stores it: runs of blanks become one space.
      reads := reads || format(
        case when field.value_type = 'name' then 'btrim(regexp_replace(s.c%s, ''\s+'', '' '', ''g'')) as v%s'
          else 's.c%s as v%s' end,
        n, n
      );
      problems := problems || format(
        'case when char_length(v.v%s) > %s then %L end as p%s', n, field.max_length,
        format('%s is longer than %s characters.', field.label, field.max_length), n
      );
    elsif field.value_type in ('email', 'phone') then
      reads := reads || format('private.%s_or_null(s.c%s) as v%s', field.value_type, n, n);
      problems := problems || format(
        'case when s.c%s is not null and v.v%s is null then (select t.problem from '
        'private.import_read(%L, s.c%s) as t) end as p%s',
        n, n, field.value_type, n, n
      );
    else
      execute format(
        'insert into pg_temp.import_reads (field, value, normalized, problem) '
        'select %L, d.c, t.normalized, t.problem from ('
        '  select distinct %s as c from public.import_rows as r where r.import_id = $1'
        ') as d cross join lateral private.import_read(%L, d.c) as t where d.c is not null',
        field.field, trimmed, field.value_type
      ) using import.id;
      lookups := lookups || format(
        'left join pg_temp.import_reads as d%s on d%s.field = %L and s.c%s = d%s.value', n, n, field.field, n, n
      );
      reads := reads || format('d%s.normalized as v%s', n, n);
      problems := problems || format('d%s.problem as p%s', n, n);
    end if;
    pairs := pairs || format('%L, case when p.p%s is null then v.v%s end', field.field, n, n);
    errors := errors || format(
      'case when p.p%s is not null then jsonb_build_object(''column'', %L, ''message'', p.p%s) end',
      n, field.header, n
    );
    if import.kind = any(field.required_for) then
      errors := errors || format(
        'case when s.c%s is null then jsonb_build_object(''column'', %L, ''message'', %L) end',
        n, field.header, field.label || ' is required'
      );
    end if;
  end loop;
  analyze pg_temp.import_reads;
  execute format(
    $sql$
    update public.import_rows as r
    set
      fields = x.fields || case when x.fields ? 'serial_number' then jsonb_build_object(
        'serial_key', upper(regexp_replace(x.fields ->> 'serial_number', '[^A-Za-z0-9]', '', 'g'))
      ) else '{}'::jsonb end,
      cell_errors = x.errors
    from (
      select
        s.row_number, f.fields,
        to_jsonb(array_remove(array[%s]::jsonb [], null))
        || case when $2 = 'customers' and not f.fields ? 'contact_name'
            and f.fields ?| array['contact_email', 'contact_phone', 'contact_role']
          then jsonb_build_array(jsonb_build_object('column', $3, 'message', 'A contact needs a name'))
          else '[]'::jsonb end
        || case when s.extra_cells > 0 then jsonb_build_array(jsonb_build_object(
          'column', '', 'message', format('This row has %%s filled cells beyond the header''s columns', s.extra_cells)
        )) else '[]'::jsonb end as errors
      from (
        select r.row_number, r.extra_cells, %s from public.import_rows as r where r.import_id = $1
      ) as s
      %s
      -- offset 0: each value and problem is computed once per row, not once per use.
      cross join lateral (select %s offset 0) as v
      cross join lateral (select %s offset 0) as p
      cross join lateral (select jsonb_strip_nulls(jsonb_build_object(%s)) as fields offset 0) as f
    ) as x
    where r.import_id = $1 and r.row_number = x.row_number
    $sql$,
    array_to_string(errors, ', '), array_to_string(cells, ', '), array_to_string(lookups, ' '),
    array_to_string(reads, ', '), array_to_string(problems, ', '), array_to_string(pairs, ', ')
  ) using import.id, import.kind::text, (
    select m.key from jsonb_each_text(import.mapping) as m where m.value = 'contact_name'
  );
end
$$;
revoke all on function private.read_import_cells(import imports)
from public, anon, authenticated, service_role;

-- Validates every row of an import, set-based: reads each mapped cell as its field's type,
-- checks what each kind requires, refuses repeats inside the file, and matches the rest to the
-- organization's rows by natural keys (a customer by email, then phone, then name and postal
-- code; a site by its customer and street address; an assembly by serial number; a test by
-- assembly and date). Returns the summary.
create or replace function private.validate_import(import imports)
returns jsonb
language plpgsql security definer
set search_path = ''
set jit = off
as $$
declare
  organization uuid := import.organization_id;
  header_of jsonb;
  today date := private.organization_today(import.organization_id);
  summary jsonb;
begin
  -- field -> header, for messages about a field that is missing or wrong.
  select coalesce(jsonb_object_agg(m.value, m.key), '{}'::jsonb) into header_of
  from jsonb_each_text(import.mapping) as m;

  -- Each cell read as its field's type, once: cells and mapping do not change between a dry run
  -- and its commit.
  if exists (select from public.import_rows as r where r.import_id = import.id and r.fields is null) then
    perform private.read_import_cells(import);
  end if;

  -- Everything else in one statement, then one write: each step a CTE over the last (an UPDATE
  -- per step leaves a dead version of every row per step). Rows are refused by what depends on
  -- the database and the day (a test in the future, an authority not added yet, an assembly not
  -- imported yet), repeats inside the file, or an assembly already at another site; the rest are
  -- matched by natural keys: a customer by email, then phone, then name and postal code
  -- (customers.match_key, the oldest live customer where several share an email or phone); a
  -- contact by its customer and email, else name; a site by its customer and street address; an
  -- assembly by serial number; a test by assembly and date.
  with base as materialized (
    select
      r.row_number, r.fields, w.id as authority_id,
      r.cell_errors || to_jsonb(array_remove(array[
        case when (r.fields ->> 'tested_on')::date > today then jsonb_build_object(
          'column', header_of ->> 'tested_on', 'message', format('The test date %s is in the future', r.fields ->> 'tested_on')
        ) end,
        case when r.fields ? 'water_authority' and w.id is null then jsonb_build_object(
          'column', header_of ->> 'water_authority',
          'message', format('There is no water authority named "%s"; add it first', r.fields ->> 'water_authority')
        ) end
      ]::jsonb [], null)) as errors
    from public.import_rows as r
    left join lateral (
      select w2.id from public.water_authorities as w2
      where w2.organization_id = organization and lower(w2.name) = lower(r.fields ->> 'water_authority')
      limit 1
    ) as w on r.fields ? 'water_authority'
    where r.import_id = import.id
  ),

  history as materialized (
    select b.row_number, a.id as assembly_id
    from base as b
    inner join public.assemblies as a on a.organization_id = organization and a.serial_key = b.fields ->> 'serial_key'
    where import.kind = 'test_history' and b.errors = '[]'
  ),

  named as materialized (
    select
      b.row_number, b.fields, b.authority_id, h.assembly_id as history_assembly_id,
      b.errors || case when import.kind = 'test_history' and b.errors = '[]' and h.assembly_id is null
        then jsonb_build_array(jsonb_build_object(
          'column', header_of ->> 'serial_number',
          'message', format('There is no assembly with serial number %s; import the assemblies first', b.fields ->> 'serial_number')
        ))
        else '[]'::jsonb end as errors
    from base as b
    left join history as h on b.row_number = h.row_number
  ),

  repeats as materialized (
    select
      n.row_number,
      first_value(n.row_number) over (
        partition by n.fields ->> 'serial_key', case when import.kind = 'test_history' then n.fields ->> 'tested_on' end
        order by n.row_number
      ) as first_row
    from named as n
    where n.errors = '[]' and import.kind in ('assemblies', 'test_history')
  ),

  checked as materialized (
    select
      n.row_number, n.fields, n.authority_id, n.history_assembly_id,
      n.errors || case when rp.first_row <> n.row_number then jsonb_build_array(jsonb_build_object(
        'column', header_of ->> 'serial_number',
        'message', case import.kind
          when 'assemblies' then format('Serial number %s repeats row %s', n.fields ->> 'serial_number', rp.first_row)
          else format('The test of %s on %s repeats row %s', n.fields ->> 'serial_number', n.fields ->> 'tested_on', rp.first_row)
        end
      )) else '[]'::jsonb end as errors
    from named as n
    left join repeats as rp on n.row_number = rp.row_number
  ),

  by_email as (
    select distinct on (c.email) c.email, c.id from public.customers as c
    where c.organization_id = organization and c.deleted_at is null and c.email is not null
      and import.kind in ('customers', 'sites', 'assemblies')
    order by c.email, c.created_at, c.id
  ),

  by_phone as (
    select distinct on (c.phone) c.phone, c.id from public.customers as c
    where c.organization_id = organization and c.deleted_at is null and c.phone is not null
      and import.kind in ('customers', 'sites', 'assemblies')
    order by c.phone, c.created_at, c.id
  ),

  customer_of as materialized (
    select ch.row_number, coalesce(e.id, p.id, k.id) as customer_id
    from checked as ch
    left join by_email as e on ch.fields ->> 'customer_email' = e.email
    left join by_phone as p on ch.fields ->> 'customer_phone' = p.phone
    left join public.customers as k
      on k.organization_id = organization and k.deleted_at is null
      and private.import_customer_key(ch.fields) = k.match_key
    where ch.errors = '[]' and import.kind in ('customers', 'sites', 'assemblies')
  ),

  site_candidates as materialized (
    select distinct on (s.customer_id, private.import_site_key(s.line1, s.postal_code))
      s.customer_id, private.import_site_key(s.line1, s.postal_code) as address, s.id
    from public.sites as s
    where s.organization_id = organization and s.deleted_at is null and import.kind in ('sites', 'assemblies')
      and s.customer_id in (select co.customer_id from customer_of as co)
    order by s.customer_id, private.import_site_key(s.line1, s.postal_code), s.created_at, s.id
  ),

  site_of as materialized (
    select co.row_number, sc.id as site_id
    from customer_of as co
    inner join checked as ch on co.row_number = ch.row_number
    inner join site_candidates as sc
      on co.customer_id = sc.customer_id
      and private.import_site_key(ch.fields ->> 'site_line1', ch.fields ->> 'site_postal_code') = sc.address
  ),

  assembly_of as materialized (
    select ch.row_number, a.id as assembly_id, a.site_id as registered_site_id, s.line1 as registered_at
    from checked as ch
    inner join public.assemblies as a on a.organization_id = organization and ch.fields ->> 'serial_key' = a.serial_key
    inner join public.sites as s on a.site_id = s.id
    where ch.errors = '[]' and import.kind = 'assemblies'
  ),

  report_of as materialized (
    select distinct on (ch.row_number) ch.row_number, t.id as report_id
    from checked as ch
    inner join public.backflow_test_reports as t
      on t.organization_id = organization and ch.history_assembly_id = t.assembly_id
      and (ch.fields ->> 'tested_on')::date = t.tested_on
    where ch.errors = '[]' and import.kind = 'test_history'
    order by ch.row_number, t.created_at, t.id
  ),

  placed as materialized (
    select
      ch.row_number, ch.fields, ch.authority_id, co.customer_id, so.site_id, r.report_id,
      coalesce(ao.assembly_id, ch.history_assembly_id) as assembly_id,
      ch.errors || case when ao.assembly_id is not null and ao.registered_site_id is distinct from so.site_id
        then jsonb_build_array(jsonb_build_object(
          'column', header_of ->> 'serial_number',
          'message', format(
            'Serial number %s is already registered at %s; move it in fieldbase, not by an import',
            ch.fields ->> 'serial_number', ao.registered_at
          )
        ))
        else '[]'::jsonb end as errors
    from checked as ch
    left join customer_of as co on ch.row_number = co.row_number
    left join site_of as so on ch.row_number = so.row_number
    left join assembly_of as ao on ch.row_number = ao.row_number
    left join report_of as r on ch.row_number = r.row_number
  ),

  contact_of as (
    select
      p.row_number,
      (
        select k.id from public.customer_contacts as k
        where k.organization_id = organization and k.customer_id = p.customer_id
          and (k.email = p.fields ->> 'contact_email' or lower(k.name) = lower(p.fields ->> 'contact_name'))
        order by k.email = p.fields ->> 'contact_email' desc nulls last, k.created_at, k.id limit 1
      ) as contact_id
    from placed as p
    where import.kind = 'customers' and p.errors = '[]' and p.customer_id is not null and p.fields ? 'contact_name'
  ),

  decided as (
    select
      p.row_number, p.errors, p.authority_id,
      -- A refused row names nothing.
      case when p.errors = '[]' then p.customer_id end as customer_id,
      case when p.errors = '[]' then ct.contact_id end as contact_id,
      case when p.errors = '[]' then p.site_id end as site_id,
      case when p.errors = '[]' then p.assembly_id end as assembly_id,
      case when p.errors = '[]' then p.report_id end as report_id,
      case
        when p.errors <> '[]' or import.kind not in ('customers', 'sites', 'assemblies') then null
        when p.customer_id is null then 'new'
        when private.import_differs(p.fields, 'customer', (
          select to_jsonb(c) from public.customers as c where c.id = p.customer_id
        )) then 'changed'
        else 'matched'
      end as customer_action,
      case
        when p.errors <> '[]' or import.kind <> 'customers' or not p.fields ? 'contact_name' then null
        when ct.contact_id is null then 'new'
        when private.import_differs(p.fields, 'contact', (
          select to_jsonb(k) from public.customer_contacts as k where k.id = ct.contact_id
        )) then 'changed'
        else 'matched'
      end as contact_action,
      case
        when p.errors <> '[]' or import.kind not in ('sites', 'assemblies') then null
        when p.site_id is null then 'new'
        when private.import_differs(
          p.fields || jsonb_strip_nulls(jsonb_build_object('water_authority', p.authority_id)), 'site',
          (select to_jsonb(s) from public.sites as s where s.id = p.site_id)
        ) then 'changed'
        else 'matched'
      end as site_action,
      case
        when p.errors <> '[]' then null
        when import.kind = 'test_history' then 'matched'
        when import.kind <> 'assemblies' then null
        when p.assembly_id is null then 'new'
        when private.import_differs(p.fields, 'assembly', (
          select to_jsonb(a) from public.assemblies as a where a.id = p.assembly_id
        )) then 'changed'
        else 'matched'
      end as assembly_action,
      case
        when p.errors <> '[]' or import.kind <> 'test_history' then null
        when p.report_id is null then 'new'
        else 'matched'
      end as report_action
    from placed as p
    left join contact_of as ct on p.row_number = ct.row_number
  )

  update public.import_rows as r
  set
    errors = d.errors, authority_id = d.authority_id,
    customer_id = d.customer_id, customer_action = d.customer_action,
    contact_id = d.contact_id, contact_action = d.contact_action,
    site_id = d.site_id, site_action = d.site_action,
    assembly_id = d.assembly_id, assembly_action = d.assembly_action,
    report_id = d.report_id, report_action = d.report_action
  from decided as d
  where r.import_id = import.id and r.row_number = d.row_number;

  select jsonb_build_object(
    'rows', jsonb_build_object(
      'total', count(*), 'valid', count(*) filter (where r.errors = '[]'),
      'refused', count(*) filter (where r.errors <> '[]'), 'last_row', max(r.row_number)
    ),
    'customers', jsonb_build_object(
      'new', count(distinct private.import_customer_key(r.fields)) filter (where r.customer_action = 'new'),
      'matched', count(distinct r.customer_id) filter (where r.customer_action = 'matched'),
      'changed', count(distinct r.customer_id) filter (where r.customer_action = 'changed')
    ),
    'contacts', jsonb_build_object(
      'new', count(distinct private.import_customer_key(r.fields) || '|' || lower(r.fields ->> 'contact_name'))
      filter (where r.contact_action = 'new'),
      'matched', count(distinct r.contact_id) filter (where r.contact_action = 'matched'),
      'changed', count(distinct r.contact_id) filter (where r.contact_action = 'changed')
    ),
    'sites', jsonb_build_object(
      'new', count(distinct coalesce(r.customer_id::text, private.import_customer_key(r.fields)) || '|'
        || private.import_site_key(r.fields ->> 'site_line1', r.fields ->> 'site_postal_code'))
      filter (where r.site_action = 'new'),
      'matched', count(distinct r.site_id) filter (where r.site_action = 'matched'),
      'changed', count(distinct r.site_id) filter (where r.site_action = 'changed')
    ),
    'assemblies', jsonb_build_object(
      'new', count(*) filter (where r.assembly_action = 'new' and import.kind = 'assemblies'),
      'matched', count(distinct r.assembly_id) filter (where r.assembly_action = 'matched' and import.kind = 'assemblies'),
      'changed', count(distinct r.assembly_id) filter (where r.assembly_action = 'changed')
    ),
    'reports', jsonb_build_object(
      'new', count(*) filter (where r.report_action = 'new'),
      'matched', count(*) filter (where r.report_action = 'matched')
    )
  )
  into summary
  from public.import_rows as r
  where r.import_id = import.id;
  return summary;
end
$$;
revoke all on function private.validate_import(import imports)
from public, anon, authenticated, service_role;

-- Validates the job's import (see private.validate_import) and saves its mapping as the
-- organization's for the kind. A dry run ends validated; a commit goes on to committing.
create or replace function queue.validate_import(worker_id text, job_id bigint)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
  found jsonb;
begin
  if import.status not in ('validating', 'committing') then
    return import;
  end if;
  found := private.validate_import(import);
  insert into public.import_mappings as m (organization_id, kind, mapping)
  values (import.organization_id, import.kind, import.mapping)
  on conflict on constraint import_mappings_pkey do update set mapping = excluded.mapping, updated_at = now();
  update public.imports as i
  set
    summary = found, validated_at = now(), processed_rows = 0,
    status = case when i.dry_run then 'validated' else 'committing' end::public.import_status
  where i.id = import.id
  returning * into import;
  return import;
end
$$;
revoke all on function queue.validate_import(worker_id text, job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function queue.validate_import(worker_id text, job_id bigint)
to fieldbase_worker;

-- Writes the valid rows first_row..last_row of a committing import, in one transaction: inserts
-- what is not there yet (so a chunk written before a crash is matched, not written twice), looks
-- every row's rows up by their natural keys, and applies the changes. Its row changes are
-- audited once, by finish_import, not row by row.
create or replace function private.commit_import_rows(import imports, first_row integer, last_row integer)
returns void
language plpgsql security definer
set search_path = ''
set jit = off
as $$
declare
  organization uuid := import.organization_id;
begin
  insert into private.quiet_audit_transactions (transaction_id) values (txid_current())
  on conflict do nothing;

  if import.kind in ('customers', 'sites', 'assemblies') then
    insert into public.customers (
      organization_id, kind, name, email, phone, billing_line1, billing_line2, billing_city,
      billing_region, billing_postal_code, billing_country, water_account_number, notes, created_by
    )
    select distinct on (private.import_customer_key(r.fields))
      organization, coalesce(r.fields ->> 'customer_kind', 'residential')::public.customer_kind,
      r.fields ->> 'customer_name', r.fields ->> 'customer_email', r.fields ->> 'customer_phone',
      r.fields ->> 'billing_line1', r.fields ->> 'billing_line2', r.fields ->> 'billing_city',
      r.fields ->> 'billing_region', r.fields ->> 'billing_postal_code',
      coalesce(r.fields ->> 'billing_country', 'US'), r.fields ->> 'water_account_number',
      r.fields ->> 'customer_notes', import.requested_by
    from public.import_rows as r
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.customer_action = 'new'
    order by private.import_customer_key(r.fields), r.row_number
    on conflict (organization_id, match_key) where deleted_at is null do nothing;

    update public.import_rows as r
    set customer_id = c.id
    from public.customers as c
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.customer_action = 'new'
      and c.organization_id = organization and c.deleted_at is null
      and c.match_key = private.import_customer_key(r.fields);

    update public.customers as c
    set
      kind = coalesce(ch.fields ->> 'customer_kind', c.kind::text)::public.customer_kind,
      email = coalesce(ch.fields ->> 'customer_email', c.email),
      phone = coalesce(ch.fields ->> 'customer_phone', c.phone),
      billing_line1 = coalesce(ch.fields ->> 'billing_line1', c.billing_line1),
      billing_line2 = coalesce(ch.fields ->> 'billing_line2', c.billing_line2),
      billing_city = coalesce(ch.fields ->> 'billing_city', c.billing_city),
      billing_region = coalesce(ch.fields ->> 'billing_region', c.billing_region),
      billing_country = coalesce(ch.fields ->> 'billing_country', c.billing_country),
      water_account_number = coalesce(ch.fields ->> 'water_account_number', c.water_account_number),
      notes = coalesce(ch.fields ->> 'customer_notes', c.notes)
    from (
      select distinct on (r.customer_id) r.customer_id, r.fields
      from public.import_rows as r
      where r.import_id = import.id and r.row_number between first_row and last_row
        and r.errors = '[]' and r.customer_action = 'changed'
      order by r.customer_id, r.row_number
    ) as ch
    where c.id = ch.customer_id;
  end if;

  if import.kind = 'customers' then
    insert into public.customer_contacts (organization_id, customer_id, name, role, email, phone)
    select distinct on (r.customer_id, lower(r.fields ->> 'contact_name'))
      organization, r.customer_id, r.fields ->> 'contact_name', r.fields ->> 'contact_role',
      r.fields ->> 'contact_email', r.fields ->> 'contact_phone'
    from public.import_rows as r
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.contact_action = 'new'
      and not exists (
        select from public.customer_contacts as k
        where k.organization_id = organization and k.customer_id = r.customer_id
          and lower(k.name) = lower(r.fields ->> 'contact_name')
      )
    order by r.customer_id, lower(r.fields ->> 'contact_name'), r.row_number;

    update public.import_rows as r
    set contact_id = (
      select k.id from public.customer_contacts as k
      where k.organization_id = organization and k.customer_id = r.customer_id
        and lower(k.name) = lower(r.fields ->> 'contact_name')
      order by k.created_at, k.id limit 1
    )
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.contact_action = 'new';

    update public.customer_contacts as k
    set
      role = coalesce(ch.fields ->> 'contact_role', k.role),
      email = coalesce(ch.fields ->> 'contact_email', k.email),
      phone = coalesce(ch.fields ->> 'contact_phone', k.phone)
    from (
      select distinct on (r.contact_id) r.contact_id, r.fields
      from public.import_rows as r
      where r.import_id = import.id and r.row_number between first_row and last_row
        and r.errors = '[]' and r.contact_action = 'changed'
      order by r.contact_id, r.row_number
    ) as ch
    where k.id = ch.contact_id;
  end if;

  if import.kind in ('sites', 'assemblies') then
    insert into public.sites (
      organization_id, customer_id, name, line1, line2, city, region, postal_code, country,
      time_zone, water_authority_id, access_notes
    )
    select distinct on (r.customer_id, private.import_site_key(r.fields ->> 'site_line1', r.fields ->> 'site_postal_code'))
      organization, r.customer_id, r.fields ->> 'site_name', r.fields ->> 'site_line1',
      r.fields ->> 'site_line2', r.fields ->> 'site_city', r.fields ->> 'site_region',
      r.fields ->> 'site_postal_code', coalesce(r.fields ->> 'site_country', 'US'),
      r.fields ->> 'site_time_zone', r.authority_id, r.fields ->> 'access_notes'
    from public.import_rows as r
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.site_action = 'new'
      and not exists (
        select from public.sites as s
        where s.organization_id = organization and s.customer_id = r.customer_id and s.deleted_at is null
          -- Only the chunk's customers' sites: without it the planner hashes every site of the
          -- organization for each chunk.
          and s.customer_id in (
            select r2.customer_id from public.import_rows as r2
            where r2.import_id = import.id and r2.row_number between first_row and last_row and r2.site_action = 'new'
          )
          and private.import_site_key(s.line1, s.postal_code)
          = private.import_site_key(r.fields ->> 'site_line1', r.fields ->> 'site_postal_code')
      )
    order by
      r.customer_id, private.import_site_key(r.fields ->> 'site_line1', r.fields ->> 'site_postal_code'),
      r.row_number;

    update public.import_rows as r
    set site_id = (
      select s.id from public.sites as s
      where s.organization_id = organization and s.customer_id = r.customer_id and s.deleted_at is null
        and private.import_site_key(s.line1, s.postal_code)
        = private.import_site_key(r.fields ->> 'site_line1', r.fields ->> 'site_postal_code')
      order by s.created_at, s.id limit 1
    )
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.site_action = 'new';

    update public.sites as s
    set
      name = coalesce(ch.fields ->> 'site_name', s.name),
      line2 = coalesce(ch.fields ->> 'site_line2', s.line2),
      city = coalesce(ch.fields ->> 'site_city', s.city),
      region = coalesce(ch.fields ->> 'site_region', s.region),
      country = coalesce(ch.fields ->> 'site_country', s.country),
      time_zone = coalesce(ch.fields ->> 'site_time_zone', s.time_zone),
      water_authority_id = coalesce(ch.authority_id, s.water_authority_id),
      access_notes = coalesce(ch.fields ->> 'access_notes', s.access_notes)
    from (
      select distinct on (r.site_id) r.site_id, r.fields, r.authority_id
      from public.import_rows as r
      where r.import_id = import.id and r.row_number between first_row and last_row
        and r.errors = '[]' and r.site_action = 'changed'
      order by r.site_id, r.row_number
    ) as ch
    where s.id = ch.site_id;
  end if;

  if import.kind = 'assemblies' then
    insert into public.assemblies (
      organization_id, site_id, kind, make, model, serial_number, size, location_at_site, hazard,
      service_type, installed_on, test_interval_months, notes
    )
    select
      organization, r.site_id, (r.fields ->> 'assembly_kind')::public.assembly_kind, r.fields ->> 'make',
      r.fields ->> 'model', r.fields ->> 'serial_number', r.fields ->> 'size', r.fields ->> 'location_at_site',
      r.fields ->> 'hazard', r.fields ->> 'service_type', (r.fields ->> 'installed_on')::date,
      coalesce((r.fields ->> 'test_interval_months')::integer, 12), r.fields ->> 'assembly_notes'
    from public.import_rows as r
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.assembly_action = 'new'
    order by r.row_number
    on conflict (organization_id, serial_key) do nothing;

    update public.import_rows as r
    set assembly_id = a.id
    from public.assemblies as a
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.assembly_action = 'new'
      and a.organization_id = organization and a.serial_key = r.fields ->> 'serial_key';

    update public.assemblies as a
    set
      kind = coalesce(r.fields ->> 'assembly_kind', a.kind::text)::public.assembly_kind,
      make = coalesce(r.fields ->> 'make', a.make),
      model = coalesce(r.fields ->> 'model', a.model),
      size = coalesce(r.fields ->> 'size', a.size),
      location_at_site = coalesce(r.fields ->> 'location_at_site', a.location_at_site),
      hazard = coalesce(r.fields ->> 'hazard', a.hazard),
      service_type = coalesce(r.fields ->> 'service_type', a.service_type),
      installed_on = coalesce((r.fields ->> 'installed_on')::date, a.installed_on),
      test_interval_months = coalesce((r.fields ->> 'test_interval_months')::integer, a.test_interval_months),
      notes = coalesce(r.fields ->> 'assembly_notes', a.notes)
    from public.import_rows as r
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.assembly_action = 'changed' and a.id = r.assembly_id;
  end if;

  if import.kind = 'test_history' then
    insert into public.backflow_test_reports (
      organization_id, assembly_id, user_id, tested_on, check_valve_1_psid, check_valve_2_psid,
      relief_valve_opening_psid, air_inlet_opening_psid, result, repairs, notes, status,
      finalized_at, finalized_by, import_id, imported, imported_tester, imported_gauge
    )
    select
      organization, r.assembly_id, import.requested_by, (r.fields ->> 'tested_on')::date,
      (r.fields ->> 'check_valve_1_psid')::numeric, (r.fields ->> 'check_valve_2_psid')::numeric,
      (r.fields ->> 'relief_valve_opening_psid')::numeric, (r.fields ->> 'air_inlet_opening_psid')::numeric,
      (r.fields ->> 'result')::public.backflow_result, r.fields ->> 'repairs', r.fields ->> 'test_notes',
      'finalized', now(), import.requested_by, import.id, true, r.fields ->> 'tester', r.fields ->> 'gauge'
    from public.import_rows as r
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.report_action = 'new'
      and not exists (
        select from public.backflow_test_reports as t
        where t.organization_id = organization and t.assembly_id = r.assembly_id
          and t.tested_on = (r.fields ->> 'tested_on')::date
      )
    order by r.row_number;

    update public.import_rows as r
    set report_id = t.id
    from public.backflow_test_reports as t
    where r.import_id = import.id and r.row_number between first_row and last_row
      and r.errors = '[]' and r.report_action = 'new'
      and t.organization_id = organization and t.assembly_id = r.assembly_id
      and t.tested_on = (r.fields ->> 'tested_on')::date and t.import_id = import.id;

    -- A passed test moves the assembly's next due date, as a live pass does.
    update public.assemblies as a
    set last_tested_on = greatest(a.last_tested_on, passed.tested_on)
    from (
      select r.assembly_id, max((r.fields ->> 'tested_on')::date) as tested_on
      from public.import_rows as r
      where r.import_id = import.id and r.row_number between first_row and last_row
        and r.errors = '[]' and r.report_action = 'new' and r.fields ->> 'result' = 'pass'
      group by r.assembly_id
    ) as passed
    where a.id = passed.assembly_id and a.last_tested_on is distinct from greatest(a.last_tested_on, passed.tested_on);
  end if;

  delete from private.quiet_audit_transactions as q where q.transaction_id = txid_current();
end
$$;
revoke all on function private.commit_import_rows(import imports, first_row integer, last_row integer)
from public, anon, authenticated, service_role;

-- The worker's step of a commit: rows first_row..last_row, then the progress. Returns the status
-- (the worker stops when the import was cancelled).
create or replace function queue.commit_import_rows(
  worker_id text,
  job_id bigint,
  first_row integer,
  last_row integer
)
returns import_status
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
begin
  if import.status <> 'committing' then
    return import.status;
  end if;
  perform private.assert_organization_writable(import.organization_id);
  perform private.commit_import_rows(import, first_row, last_row);
  update public.imports as i
  set processed_rows = (
    select count(*) from public.import_rows as r where r.import_id = import.id and r.row_number <= last_row
  )
  where i.id = import.id;
  return import.status;
end
$$;
revoke all on function queue.commit_import_rows(worker_id text, job_id bigint, first_row integer, last_row integer)
from public, anon, authenticated, service_role;
grant execute on function queue.commit_import_rows(worker_id text, job_id bigint, first_row integer, last_row integer)
to fieldbase_worker;

-- The refused rows as CSV lines: the file's columns, then an error column naming each problem.
-- Cells go out through csv_field, so a formula in a cell stays text in a spreadsheet.
create or replace function queue.import_refused_lines(worker_id text, job_id bigint)
returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
begin
  return next private.csv_line(array['row'] || import.headers || array['error']);
  return query
  select private.csv_line(
    array[r.row_number::text]
    || array(select r.cells ->> h from unnest(import.headers) with ordinality as u (h, n) order by u.n)
    || array[(
      select string_agg(coalesce(nullif(e ->> 'column', '') || ': ', '') || (e ->> 'message'), '; ')
      from jsonb_array_elements(r.errors) as e
    )]
  )
  from public.import_rows as r
  where r.import_id = import.id and r.errors <> '[]'
  order by r.row_number;
end
$$;
revoke all on function queue.import_refused_lines(worker_id text, job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function queue.import_refused_lines(worker_id text, job_id bigint)
to fieldbase_worker;

-- Ends the job's import: validated (a dry run), committed, or failed with the reason. A commit
-- is audited as one entry with its counts; the requester is told.
create or replace function queue.finish_import(
  worker_id text,
  job_id bigint,
  refused_rows_path text default null::text,
  error text default null::text
)
returns imports
language plpgsql security definer
set search_path = ''
as $$
declare
  import public.imports := queue.import_of_job(worker_id, job_id);
begin
  if import.status in ('cancelled', 'committed') then
    return import;
  end if;
  -- A step that failed the import itself (begin_import, finish_loading_import) left its reason.
  update public.imports as i
  set
    refused_rows_path = coalesce(finish_import.refused_rows_path, i.refused_rows_path),
    error = coalesce(left(finish_import.error, 1000), case when i.status = 'failed' then i.error end),
    status = case
      when finish_import.error is not null or i.status = 'failed' then 'failed'
      when i.status = 'committing' then 'committed'
      else i.status
    end::public.import_status,
    committed_at = case when finish_import.error is null and i.status = 'committing' then now() end,
    processed_rows = case
      when finish_import.error is null and i.status <> 'failed' then coalesce(i.total_rows, 0)
      else i.processed_rows
    end
  where i.id = import.id
  returning * into import;
  if import.status = 'committed' then
    insert into public.audit_log (
      organization_id, actor_id, actor_role, action, table_name, record_id, new_values
    )
    values (
      import.organization_id, import.requested_by, 'authenticated', 'call', 'imports', import.id::text,
      jsonb_build_object('kind', import.kind, 'storage_path', import.storage_path, 'summary', import.summary)
    );
    perform private.record_activity(
      import.organization_id, 'import.committed', 'import', import.id::text,
      format('An import of %s committed %s rows (%s refused)', replace(import.kind::text, '_', ' '),
        import.summary #>> '{rows,valid}', import.summary #>> '{rows,refused}')
    );
  end if;
  if import.requested_by is not null then
    perform private.notify_user(
      import.organization_id, import.requested_by, 'import.' || import.status::text,
      case import.status
        when 'validated' then format('Your import is checked: %s rows valid, %s refused',
          import.summary #>> '{rows,valid}', import.summary #>> '{rows,refused}')
        when 'committed' then format('Your import is done: %s rows imported, %s refused',
          import.summary #>> '{rows,valid}', import.summary #>> '{rows,refused}')
        else 'Your import failed'
      end,
      import.error, '/imports/' || import.id
    );
  end if;
  return import;
end
$$;
revoke all on function queue.finish_import(worker_id text, job_id bigint, refused_rows_path text, error text)
from public, anon, authenticated, service_role;
grant execute on function queue.finish_import(worker_id text, job_id bigint, refused_rows_path text, error text)
to fieldbase_worker;

-- What each row of a file became is kept 90 days after its import ends (the import itself, with
-- its summary, stays); run daily by pg_cron, at most 50,000 rows a run so a day with many large
-- imports is spread over the next days rather than one long lock. Returns how many rows went.
create or replace function private.purge_import_rows(kept interval default '90 days'::interval)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  purged integer;
begin
  delete from public.import_rows as r
  where (r.import_id, r.row_number) in (
    select r2.import_id, r2.row_number
    from public.imports as i
    inner join public.import_rows as r2 on i.id = r2.import_id
    where i.status in ('validated', 'committed', 'failed', 'cancelled') and i.updated_at < now() - kept
    limit 50000
  );
  get diagnostics purged = row_count;
  return purged;
end
$$;
revoke all on function private.purge_import_rows(kept interval)
from public, anon, authenticated, service_role;

-- A saved mapping names only fields its kind takes, as start_import's does.
create or replace function private.check_saved_import_mapping()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform private.check_import_mapping(new.kind, new.mapping);
  return new;
end
$$;
revoke all on function private.check_saved_import_mapping()
from public, anon, authenticated, service_role;

create or replace trigger import_mappings_checked before insert or update
on public.import_mappings
for each row
execute function private.check_saved_import_mapping();

create or replace trigger imports_touch_updated_at before update
on public.imports
for each row
execute function private.touch_updated_at();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.imports
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.import_mappings
for each row
execute function private.enforce_organization_writable();
