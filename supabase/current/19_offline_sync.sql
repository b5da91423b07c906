-- Offline sync: a version on the rows an office edit and a technician's edit can cross on, the
-- updated_at every synced table keeps, and the tombstones deletions leave for 30 days. Retried
-- inserts need nothing here: the phone sends its own id and `on conflict (id) do nothing`
-- (supabase-js: upsert with ignoreDuplicates) absorbs the repeat.

-- An update that names a version other than the row's is refused (PT409) with the current row,
-- as far as the caller may read it; any other update moves the version on by one.
create or replace function private.check_row_version()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  current_row jsonb;
begin
  if new.version is distinct from old.version then
    select jsonb_object_agg(c.key, c.value) into current_row
    from jsonb_each(to_jsonb(old)) as c (key, value)
    where has_column_privilege(tg_relid, c.key, 'SELECT');
    raise exception 'This % was changed by someone else since you read it (it is at version %, not %)',
      case tg_table_name
        when 'work_orders' then 'work order'
        when 'backflow_test_reports' then 'test report'
        else 'visit'
      end,
      old.version, new.version
    using errcode = 'PT409', detail = current_row::text,
    hint = 'Show the current row (in the detail), then apply the change again with its version.';
  end if;
  new.version := old.version + 1;
  return new;
end
$$;
revoke all on function private.check_row_version()
from public, anon, authenticated, service_role;

create or replace trigger work_orders_0_version before update
on public.work_orders
for each row
execute function private.check_row_version();

create or replace trigger visits_0_version before update
on public.visits
for each row
execute function private.check_row_version();

create or replace trigger backflow_test_reports_0_version before update
on public.backflow_test_reports
for each row
execute function private.check_row_version();

create or replace trigger time_entries_touch_updated_at before update
on public.time_entries
for each row
execute function private.touch_updated_at();

create or replace trigger work_order_checklist_items_touch_updated_at before update
on public.work_order_checklist_items
for each row
execute function private.touch_updated_at();

create or replace trigger work_order_notes_touch_updated_at before update
on public.work_order_notes
for each row
execute function private.touch_updated_at();

create or replace trigger work_order_assignments_touch_updated_at before update
on public.work_order_assignments
for each row
execute function private.touch_updated_at();

create or replace trigger work_order_assemblies_touch_updated_at before update
on public.work_order_assemblies
for each row
execute function private.touch_updated_at();

-- A deleted row of a synced table leaves its tombstone: the table, the id, and the work order
-- and person it concerned (who may read the tombstone). Rows of an organization that is being
-- deleted leave none: nobody is left to sync them.
create or replace function private.record_tombstones()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.sync_tombstones (table_name, row_id, organization_id, work_order_id, user_id)
  select
    tg_table_name,
    (r.j ->> 'id')::uuid,
    (r.j ->> 'organization_id')::uuid,
    case when tg_table_name = 'work_orders' then (r.j ->> 'id')::uuid else (r.j ->> 'work_order_id')::uuid end,
    (r.j ->> 'user_id')::uuid
  from (select to_jsonb(o) as j from old_rows as o) as r
  where exists (select from public.organizations as g where g.id = (r.j ->> 'organization_id')::uuid)
  on conflict (table_name, row_id) do update
  set deleted_at = excluded.deleted_at;
  return null;
end
$$;
revoke all on function private.record_tombstones()
from public, anon, authenticated, service_role;

create or replace trigger work_orders_tombstones after delete
on public.work_orders
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger visits_tombstones after delete
on public.visits
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger backflow_test_reports_tombstones after delete
on public.backflow_test_reports
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger time_entries_tombstones after delete
on public.time_entries
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger work_order_checklist_items_tombstones after delete
on public.work_order_checklist_items
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger work_order_notes_tombstones after delete
on public.work_order_notes
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger work_order_assignments_tombstones after delete
on public.work_order_assignments
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger work_order_assemblies_tombstones after delete
on public.work_order_assemblies
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger customers_tombstones after delete
on public.customers
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger customer_contacts_tombstones after delete
on public.customer_contacts
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger sites_tombstones after delete
on public.sites
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

create or replace trigger assemblies_tombstones after delete
on public.assemblies
referencing old table as old_rows
for each statement
execute function private.record_tombstones();

-- pg_cron, daily: tombstones older than 30 days go (a client that has not synced for longer
-- pulls everything again). Returns how many went.
create or replace function private.purge_sync_tombstones()
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  purged integer;
begin
  delete from public.sync_tombstones as t where t.deleted_at < now() - interval '30 days';
  get diagnostics purged = row_count;
  return purged;
end
$$;
revoke all on function private.purge_sync_tombstones()
from public, anon, authenticated, service_role;

-- --- the upload path --------------------------------------------------------------------------

-- The tables a technician writes in the field, the only ones changes are uploaded to.
create or replace function private.is_upload_table(target text)
returns boolean
language sql immutable
set search_path = ''
as $$
  select coalesce(
    target = any(array['work_order_notes', 'time_entries', 'work_order_checklist_items', 'backflow_test_reports']),
    false
  )
$$;
revoke all on function private.is_upload_table(target text)
from public, anon, authenticated, service_role;
grant execute on function private.is_upload_table(target text)
to authenticated;

-- Keeps a refused change for the office: only in an organization the caller belongs to (the row's,
-- or the one the change names), so nobody fills another organization's list.
create or replace function private.record_sync_conflict(
  target text, change jsonb, error_code text, error_message text
)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  organization uuid;
  row_id uuid := case when change ->> 'id' ~* '^[0-9a-f-]{36}$' then (change ->> 'id')::uuid end;
  data jsonb := change -> 'data';
begin
  if data is not null and jsonb_typeof(data) <> 'object' then
    data := null;
  end if;
  if data ? 'organization_id' and data ->> 'organization_id' ~* '^[0-9a-f-]{36}$' then
    organization := (data ->> 'organization_id')::uuid;
  elsif private.is_upload_table(target) and row_id is not null then
    execute format('select t.organization_id from public.%I as t where t.id = $1', target)
    into organization using row_id;
  end if;
  if organization is null or organization not in (select private.organization_ids_for()) then
    return;
  end if;
  if pg_column_size(data) > 65536 then
    data := jsonb_build_object('dropped', 'The data was larger than 64 KB');
  end if;
  insert into public.sync_conflicts (
    organization_id, user_id, table_name, operation, row_id, data, error_code, error_message
  )
  values (
    organization, (select auth.uid()), left(coalesce(target, '?'), 63),
    case when change ->> 'op' in ('PUT', 'PATCH', 'DELETE') then change ->> 'op' else 'PUT' end,
    row_id, data, left(error_code, 5), left(error_message, 1000)
  );
end
$$;
revoke all on function private.record_sync_conflict(target text, change jsonb, error_code text, error_message text)
from public, anon, authenticated, service_role;
grant execute on function private.record_sync_conflict(target text, change jsonb, error_code text, error_message text)
to authenticated;

-- Whether a row exists in one of the caller's organizations (a delete their policies hid there
-- is a conflict, not a no-op).
create or replace function private.synced_row_exists(target text, row_id uuid)
returns boolean
language plpgsql stable security definer
set search_path = ''
as $$
declare
  found boolean;
begin
  if not private.is_upload_table(target) then
    return false;
  end if;
  -- Only within the caller's organizations: another organization's id reveals nothing.
  execute format(
    'select exists (select from public.%I as t where t.id = $1'
    ' and t.organization_id in (select private.organization_ids_for()))',
    target
  )
  into found using row_id;
  return found;
end
$$;
revoke all on function private.synced_row_exists(target text, row_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.synced_row_exists(target text, row_id uuid)
to authenticated;

-- An offline client's queued changes, as PowerSync hands them to its uploadData: each
-- {op: PUT | PATCH | DELETE, table, id, data}, applied in order as the caller (their policies,
-- column privileges and triggers, as a request through PostgREST would be), each on its own. A
-- PUT is absorbed when its row is there already (a retry); a DELETE of a row already gone is done.
-- A change the server refuses is not lost: it is kept in sync_conflicts with why, and named in
-- the answer ({applied, conflicts: [{position, id, code, message}]}) for the phone to show.
create or replace function public.upload_changes(operations jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  change jsonb;
  change_position integer := 0;
  target text;
  row_id uuid;
  column_list text;
  value_list text;
  affected integer;
  applied integer := 0;
  conflicts jsonb := '[]'::jsonb;
  failure_code text;
  failure_message text;
begin
  if (select auth.uid()) is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  if jsonb_typeof(operations) is distinct from 'array' or jsonb_array_length(operations) > 500 then
    raise exception 'operations is an array of at most 500 changes' using errcode = '22023';
  end if;
  for change in select o.value from jsonb_array_elements(operations) as o loop
    change_position := change_position + 1;
    target := change ->> 'table';
    begin
      if not private.is_upload_table(target) then
        raise exception '% is not a table changes are uploaded to', coalesce(target, 'A change without a table')
        using errcode = '22023';
      end if;
      if coalesce(change ->> 'id', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        raise exception 'A change names its row by a UUID id' using errcode = '22023';
      end if;
      row_id := (change ->> 'id')::uuid;
      if change ? 'data' and jsonb_typeof(change -> 'data') <> 'object' then
        raise exception 'A change''s data is an object of column values' using errcode = '22023';
      end if;
      -- The columns the change names that the table has (the caller's privileges decide the rest),
      -- and their values as read from the change's data (r).
      select
        string_agg(quote_ident(a.attname), ', ' order by a.attnum),
        string_agg('r.' || quote_ident(a.attname), ', ' order by a.attnum)
      into column_list, value_list
      from pg_catalog.pg_attribute as a
      where
        a.attrelid = ('public.' || quote_ident(target))::regclass and a.attnum > 0 and not a.attisdropped
        and a.attname <> 'id'
        and a.attname in (select jsonb_object_keys(coalesce(change -> 'data', '{}'::jsonb)));
      case change ->> 'op'
        when 'PUT' then
          execute format(
            'insert into public.%1$I (id%2$s) select $1%3$s from jsonb_populate_record(null::public.%1$I, $2) as r'
            ' on conflict (id) do nothing',
            target,
            coalesce(', ' || column_list, ''),
            coalesce(', ' || value_list, '')
          )
          using row_id, coalesce(change -> 'data', '{}'::jsonb);
        when 'PATCH' then
          if column_list is not null then
            execute format(
              'update public.%1$I as t set (%2$s) = (select %3$s from jsonb_populate_record(null::public.%1$I, $2) as r)'
              ' where t.id = $1',
              target,
              column_list,
              value_list
            )
            using row_id, change -> 'data';
            get diagnostics affected = row_count;
            if affected = 0 then
              raise exception 'This row is not yours to change any more, or it no longer exists'
              using errcode = 'PT404', hint = 'The office sees the change in its list of sync conflicts.';
            end if;
          end if;
        when 'DELETE' then
          execute format('delete from public.%I as t where t.id = $1', target) using row_id;
          get diagnostics affected = row_count;
          if affected = 0 and private.synced_row_exists(target, row_id) then
            raise exception 'This row is not yours to delete any more' using errcode = '42501';
          end if;
        else
          raise exception 'A change is a PUT, PATCH or DELETE, not %', coalesce(change ->> 'op', 'nothing')
          using errcode = '22023';
      end case;
      applied := applied + 1;
    exception when others then
      get stacked diagnostics failure_code = returned_sqlstate, failure_message = message_text;
      perform private.record_sync_conflict(target, change, failure_code, failure_message);
      conflicts := conflicts || jsonb_build_object(
        'position', change_position, 'id', change ->> 'id', 'code', failure_code, 'message', failure_message
      );
    end;
  end loop;
  return jsonb_build_object('applied', applied, 'conflicts', conflicts);
end
$$;
revoke all on function public.upload_changes(operations jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.upload_changes(operations jsonb)
to authenticated;

-- Who settled a conflict is the one who marked it.
create or replace function private.stamp_sync_conflict()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.resolved_by := case when new.resolved_at is null then null else (select auth.uid()) end;
  return new;
end
$$;
revoke all on function private.stamp_sync_conflict()
from public, anon, authenticated, service_role;

create or replace trigger sync_conflicts_stamp before update of resolved_at
on public.sync_conflicts
for each row
execute function private.stamp_sync_conflict();

create or replace trigger enforce_organization_writable before insert or update or delete
on public.sync_conflicts
for each row
execute function private.enforce_organization_writable();
