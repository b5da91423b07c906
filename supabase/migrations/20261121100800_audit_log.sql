-- The audit log: every insert, update and delete on tenant tables, with who, what, when and
-- from where. Append-only: only the retention job removes rows. Statement-level triggers with
-- transition tables keep bulk writes cheap (one insert per statement, not per row).

create table public.audit_log (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- The JWT's sub; null for service_role, cron and migrations (see actor_role).
  actor_id uuid,
  -- The JWT's role, or the database role when there is no JWT.
  actor_role text not null,
  action text not null check (action in ('insert', 'update', 'delete')),
  table_name text not null,
  record_id text,
  -- Whole row for insert and delete; only the changed columns for update.
  old_values jsonb,
  new_values jsonb,
  ip_address inet,
  user_agent text,
  occurred_at timestamptz not null default now()
);
create index audit_log_organization_id_idx on public.audit_log (organization_id, occurred_at desc);

-- Writes the audit rows of one statement. tg_argv[0] names the column holding the
-- organization id (organization_id, or id on organizations itself).
create or replace function private.audit_changes() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  org_column text := coalesce(tg_argv[0], 'organization_id');
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  headers jsonb := nullif(current_setting('request.headers', true), '')::jsonb;
  actor uuid := nullif(claims ->> 'sub', '')::uuid;
  actor_role text := coalesce(claims ->> 'role', current_user);
  client_ip inet;
  agent text := headers ->> 'user-agent';
begin
  begin
    client_ip := btrim(split_part(headers ->> 'x-forwarded-for', ',', 1))::inet;
  exception when invalid_text_representation then
    client_ip := null;
  end;

  if tg_op = 'INSERT' then
    insert into public.audit_log (
      organization_id, actor_id, actor_role, action, table_name, record_id, new_values,
      ip_address, user_agent
    )
    select
      (to_jsonb(n.*) ->> org_column)::uuid, actor, actor_role, 'insert', tg_table_name,
      to_jsonb(n.*) ->> 'id', to_jsonb(n.*), client_ip, agent
    from new_rows as n;
  elsif tg_op = 'DELETE' then
    insert into public.audit_log (
      organization_id, actor_id, actor_role, action, table_name, record_id, old_values,
      ip_address, user_agent
    )
    select
      (to_jsonb(o.*) ->> org_column)::uuid, actor, actor_role, 'delete', tg_table_name,
      to_jsonb(o.*) ->> 'id', to_jsonb(o.*), client_ip, agent
    from old_rows as o
    -- When the organization itself is gone, its audit trail goes with it.
    where exists (
      select from public.organizations as org
      where org.id = (to_jsonb(o.*) ->> org_column)::uuid
    );
  else
    insert into public.audit_log (
      organization_id, actor_id, actor_role, action, table_name, record_id, old_values,
      new_values, ip_address, user_agent
    )
    select
      (to_jsonb(n.*) ->> org_column)::uuid, actor, actor_role, 'update', tg_table_name,
      to_jsonb(n.*) ->> 'id', changed.old_values, changed.new_values, client_ip, agent
    from new_rows as n
    inner join old_rows as o on (to_jsonb(o.*) ->> 'id') = (to_jsonb(n.*) ->> 'id')
    cross join lateral (
      select
        jsonb_object_agg(nv.key, ov.value) as old_values,
        jsonb_object_agg(nv.key, nv.value) as new_values
      from jsonb_each(to_jsonb(n.*)) as nv
      inner join jsonb_each(to_jsonb(o.*)) as ov on nv.key = ov.key
      where nv.value is distinct from ov.value and nv.key <> 'updated_at'
    ) as changed
    where changed.new_values is not null;
  end if;
  return null;
end
$$;
revoke execute on function private.audit_changes() from public;

-- Starts auditing a table (idempotent). The table needs an id column and an organization column.
create or replace function private.enable_audit(
  target regclass, organization_column text default 'organization_id'
) returns void
language plpgsql
set search_path = ''
as $$
begin
  if not exists (
    select from pg_catalog.pg_attribute
    where attrelid = target and attname = 'id' and not attisdropped
  ) then
    raise exception 'Table % can not be audited because it has no id column', target;
  end if;
  if not exists (
    select from pg_catalog.pg_attribute
    where attrelid = target and attname = organization_column and not attisdropped
  ) then
    raise exception 'Table % can not be audited because it has no % column', target, organization_column;
  end if;
  execute format('drop trigger if exists audit_insert on %s', target);
  execute format('drop trigger if exists audit_update on %s', target);
  execute format('drop trigger if exists audit_delete on %s', target);
  execute format(
    'create trigger audit_insert after insert on %s referencing new table as new_rows '
    'for each statement execute function private.audit_changes(%L)', target, organization_column
  );
  execute format(
    'create trigger audit_update after update on %s '
    'referencing old table as old_rows new table as new_rows '
    'for each statement execute function private.audit_changes(%L)', target, organization_column
  );
  execute format(
    'create trigger audit_delete after delete on %s referencing old table as old_rows '
    'for each statement execute function private.audit_changes(%L)', target, organization_column
  );
end
$$;
revoke execute on function private.enable_audit(regclass, text) from public;

-- Refuses any change to the audit log, except by the retention job or when the organization
-- itself is deleted (its rows cascade).
create or replace function private.audit_log_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_setting('fieldbase.audit_retention', true) = 'on'
     or (tg_op = 'DELETE' and not exists (
       select from public.organizations as o where o.id = old.organization_id
     )) then
    return old;
  end if;
  raise exception 'The audit log is append-only' using errcode = '42501';
end
$$;

create trigger audit_log_append_only
before update or delete on public.audit_log
for each row execute function private.audit_log_append_only();

-- Deletes audit rows older than the retention period; run daily by pg_cron.
create or replace function private.purge_audit_log(
  keep interval default interval '400 days'
) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  purged integer;
begin
  perform set_config('fieldbase.audit_retention', 'on', true);
  delete from public.audit_log where occurred_at < now() - keep;
  get diagnostics purged = row_count;
  perform set_config('fieldbase.audit_retention', 'off', true);
  return purged;
end
$$;
revoke execute on function private.purge_audit_log(interval) from public;

select private.enable_audit('public.organizations', 'id');
select private.enable_audit('public.memberships');
select private.enable_audit('public.invitations');

alter table public.audit_log enable row level security;
revoke all on table public.audit_log from anon, authenticated, service_role;
grant select on table public.audit_log to authenticated, service_role;

create extension if not exists pg_cron with schema pg_catalog;
select cron.schedule('fieldbase-audit-retention', '17 3 * * *', 'select private.purge_audit_log()');
