-- Activity, notifications and audit: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- A person's display name: their name, else their email.
create or replace function private.display_name(person uuid)
returns text
language sql stable security definer
set search_path = ''
as $$
  select coalesce(p.full_name, p.email, 'Someone') from public.profiles as p where p.id = person
$$;
revoke all on function private.display_name(person uuid)
from public, anon, authenticated, service_role;

-- Membership events become activity and notifications.
create or replace function private.membership_events()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  org_name text;
  who text := private.display_name(coalesce(new.user_id, old.user_id));
begin
  select o.name into org_name from public.organizations as o
  where o.id = coalesce(new.organization_id, old.organization_id);
  if org_name is null then
    return null;  -- the organization itself is being deleted
  end if;
  if tg_op = 'INSERT' then
    perform private.record_activity(
      new.organization_id, 'member.joined', 'membership', new.id::text,
      format('%s joined as %s', who, new.role), jsonb_build_object('role', new.role)
    );
    perform private.notify_user(
      new.organization_id, new.user_id, 'membership.added',
      format('You were added to %s as %s', org_name, new.role)
    );
    if new.invited_by is not null and new.invited_by <> new.user_id then
      perform private.notify_user(
        new.organization_id, new.invited_by, 'invitation.accepted',
        format('%s accepted your invitation to %s', who, org_name)
      );
    end if;
  elsif tg_op = 'UPDATE' and new.role is distinct from old.role then
    perform private.record_activity(
      new.organization_id, 'member.role_changed', 'membership', new.id::text,
      format('%s is now %s (was %s)', who, new.role, old.role),
      jsonb_build_object('from', old.role, 'to', new.role)
    );
    perform private.notify_user(
      new.organization_id, new.user_id, 'membership.role_changed',
      format('Your role in %s is now %s', org_name, new.role)
    );
  elsif tg_op = 'DELETE' then
    perform private.record_activity(
      old.organization_id,
      case when old.user_id = (select auth.uid()) then 'member.left' else 'member.removed' end,
      'membership', old.id::text,
      format(case when old.user_id = (select auth.uid()) then '%s left' else '%s was removed' end, who)
    );
  end if;
  return null;
end
$$;
revoke all on function private.membership_events()
from public, anon, authenticated, service_role;

-- Sends a notification to one user.
create or replace function private.notify_user(
  organization uuid,
  recipient uuid,
  kind text,
  title text,
  body text default null::text,
  link text default null::text,
  data jsonb default '{}'::jsonb
)
returns void
language sql security definer
set search_path = ''
as $$
  insert into public.notifications (organization_id, user_id, kind, title, body, link, data)
  values (organization, recipient, kind, title, body, link, data)
$$;
revoke all on function private.notify_user(
  organization uuid, recipient uuid, kind text, title text, body text, link text, data jsonb
)
from public, anon, authenticated, service_role;

-- Records an activity entry; the actor is the signed-in user, if any.
create or replace function private.record_activity(
  organization uuid,
  verb text,
  subject_type text,
  subject_id text,
  summary text,
  data jsonb default '{}'::jsonb
)
returns void
language sql security definer
set search_path = ''
as $$
  insert into public.activity (organization_id, actor_id, verb, subject_type, subject_id, summary, data)
  values (organization, (select auth.uid()), verb, subject_type, subject_id, summary, data)
$$;
revoke all on function private.record_activity(
  organization uuid, verb text, subject_type text, subject_id text, summary text, data jsonb
)
from public, anon, authenticated, service_role;

-- Marks the caller's notifications read: the given ids, or all of them. Returns how many.
create or replace function public.mark_notifications_read(notification_ids bigint[] default null::bigint[])
returns integer
language plpgsql
set search_path = ''
as $$
begin
  return private.mark_notifications_read(notification_ids);
end
$$;
revoke all on function public.mark_notifications_read(notification_ids bigint[])
from public, anon, authenticated, service_role;
grant execute on function public.mark_notifications_read(notification_ids bigint[])
to authenticated;

-- Writes the audit rows of one statement, copying only the table's allowlisted columns.
-- tg_argv[0] names the column holding the organization id (organization_id, or id).
create or replace function private.audit_changes()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  org_column text := coalesce(tg_argv[0], 'organization_id');
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  headers jsonb := nullif(current_setting('request.headers', true), '')::jsonb;
  actor uuid := nullif(claims ->> 'sub', '')::uuid;
  actor_role text := coalesce(claims ->> 'role', current_user);
  client_ip inet := private.client_address(headers);
  agent text := left(headers ->> 'user-agent', 500);
  allowed text[] := (select a.columns from private.audited_columns as a where a.table_name = tg_relid);
begin
  -- A transaction our own function registered (an import's commit) is audited by that function,
  -- as one entry.
  if exists (select from private.quiet_audit_transactions as q where q.transaction_id = txid_current()) then
    return null;
  end if;
  if allowed is null then
    raise exception 'Table % is audited without a column allowlist', tg_relid::regclass
    using hint = 'Audit it with private.enable_audit(table, organization_column, columns).';
  end if;
  if tg_op = 'INSERT' then
    insert into public.audit_log (
      organization_id, actor_id, actor_role, action, table_name, record_id, new_values,
      ip_address, user_agent
    )
    select
      (to_jsonb(n.*) ->> org_column)::uuid, actor, actor_role, 'insert', tg_table_name,
      to_jsonb(n.*) ->> 'id', private.audit_row(to_jsonb(n.*), allowed), client_ip, agent
    from new_rows as n;
  elsif tg_op = 'DELETE' then
    insert into public.audit_log (
      organization_id, actor_id, actor_role, action, table_name, record_id, old_values,
      ip_address, user_agent
    )
    select
      (to_jsonb(o.*) ->> org_column)::uuid, actor, actor_role, 'delete', tg_table_name,
      to_jsonb(o.*) ->> 'id', private.audit_row(to_jsonb(o.*), allowed), client_ip, agent
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
      from jsonb_each(private.audit_row(to_jsonb(n.*), allowed)) as nv
      inner join jsonb_each(to_jsonb(o.*)) as ov on nv.key = ov.key
      where nv.value is distinct from ov.value and nv.key <> 'updated_at'
    ) as changed
    where changed.new_values is not null;
  end if;
  return null;
end
$$;
revoke all on function private.audit_changes()
from public, anon, authenticated, service_role;

-- Entries are never changed, and removed only once past retention (or with their
-- organization). No setting opens it: what a session may set proves nothing.
create or replace function private.audit_log_append_only()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and (
    old.occurred_at < now() - (select s.retention from private.audit_settings as s)
    or not exists (select from public.organizations as o where o.id = old.organization_id)
  ) then
    return old;
  end if;
  raise exception 'The audit log is append-only' using errcode = '42501',
  hint = 'Entries are removed only after the retention period (private.audit_settings).';
end
$$;
revoke all on function private.audit_log_append_only()
from public, anon, authenticated, service_role;

-- Starts auditing a table (idempotent). The table needs an id column and an organization column.
create or replace function private.enable_audit(target regclass, organization_column text, columns text[])
returns void
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
  if exists (
    select from unnest(columns || organization_column) as c (name)
    where not exists (
      select from pg_catalog.pg_attribute as a
      where a.attrelid = target and a.attname = c.name and not a.attisdropped
    )
  ) then
    raise exception 'Table % can not be audited: a listed column does not exist', target;
  end if;
  insert into private.audited_columns (table_name, columns) values (target, columns)
  on conflict (table_name) do update set columns = excluded.columns;
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
revoke all on function private.enable_audit(target regclass, organization_column text, columns text[])
from public, anon, authenticated, service_role;

-- Deletes audit rows older than the retention period; run daily by pg_cron.
create or replace function private.purge_audit_log()
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  purged integer;
begin
  delete from public.audit_log
  where occurred_at < now() - (select s.retention from private.audit_settings as s);
  get diagnostics purged = row_count;
  return purged;
end
$$;
revoke all on function private.purge_audit_log()
from public, anon, authenticated, service_role;

-- Records an admin RPC that changes no audited row (a rotated secret, a test event, a retried
-- job), with who called it and from where.
create or replace function private.audit_call(
  organization uuid,
  function_name text,
  record_id text,
  details jsonb default '{}'::jsonb
)
returns void
language sql security definer
set search_path = ''
as $$
  insert into public.audit_log (
    organization_id, actor_id, actor_role, action, table_name, record_id, new_values,
    ip_address, user_agent
  )
  select
    organization,
    nullif(c.claims ->> 'sub', '')::uuid,
    coalesce(c.claims ->> 'role', current_user),
    'call', function_name, record_id, details,
    private.client_address(c.headers),
    left(c.headers ->> 'user-agent', 500)
  from (
    select
      nullif(current_setting('request.jwt.claims', true), '')::jsonb as claims,
      nullif(current_setting('request.headers', true), '')::jsonb as headers
  ) as c
$$;
revoke all on function private.audit_call(organization uuid, function_name text, record_id text, details jsonb)
from public, anon, authenticated, service_role;

-- A row reduced to the columns the audit log may copy.
create or replace function private.audit_row(row_values jsonb, allowed text[])
returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
  from jsonb_each(row_values) as e
  where e.key = any(allowed)
$$;
revoke all on function private.audit_row(row_values jsonb, allowed text[])
from public, anon, authenticated, service_role;

-- Puts one of the organization's dead jobs back in the queue (owners and admins).
create or replace function private.retry_job(job_id bigint)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  job record;
begin
  select j.status, j.organization_id, j.kind into job
  from (
    select q.id, q.status, q.organization_id, q.kind from queue.job_queue as q
    union all
    select h.id, h.status, h.organization_id, h.kind from queue.job_history as h
  ) as j
  where j.id = job_id and j.organization_id in (select private.organization_ids_for('{owner,admin}'));
  if job.status is null then
    raise exception 'Job % was not found', job_id using errcode = 'PT404';
  end if;
  perform private.authorize(job.organization_id, '{owner,admin}', 'Only owners and admins can retry jobs');
  if job.status <> 'dead' then
    raise exception 'Only failed (dead) jobs can be retried; this one is %', job.status
    using errcode = 'PT409';
  end if;
  perform queue.retry_dead(job_id);
  perform private.audit_call(
    job.organization_id, 'retry_job', job_id::text, jsonb_build_object('kind', job.kind)
  );
end
$$;
revoke all on function private.retry_job(job_id bigint)
from public, anon, authenticated, service_role;
grant execute on function private.retry_job(job_id bigint)
to authenticated;

-- Replaces an endpoint's signing secret and returns the new one, shown this once.
create or replace function private.rotate_webhook_secret(endpoint_id uuid)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  new_secret text := private.new_webhook_secret();
  organization uuid := private.administered_webhook_endpoint(endpoint_id);
begin
  perform private.authorize(
    organization, '{owner,admin}', 'Only owners and admins can rotate webhook secrets',
    sensitive => true
  );
  update private.webhook_secrets as s set secret = new_secret, created_at = now()
  where s.endpoint_id = rotate_webhook_secret.endpoint_id;
  perform private.audit_call(organization, 'rotate_webhook_secret', endpoint_id::text);
  return new_secret;
end
$$;
revoke all on function private.rotate_webhook_secret(endpoint_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.rotate_webhook_secret(endpoint_id uuid)
to authenticated;

-- Sends a 'webhook.test' event to one endpoint, so admins can check their receiver.
create or replace function private.send_test_webhook(endpoint_id uuid)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  endpoint_organization uuid := private.administered_webhook_endpoint(endpoint_id);
  message_id text;
begin
  perform private.authorize(
    endpoint_organization, '{owner,admin}', 'Only owners and admins can send test events',
    sensitive => true
  );
  if not (select e.active from public.webhook_endpoints as e where e.id = endpoint_id) then
    raise exception 'This webhook endpoint is switched off'
    using errcode = 'PT409', hint = 'Switch it back on (active = true) to send events to it.';
  end if;
  message_id := private.emit_webhook_event(
    endpoint_organization, 'webhook.test',
    jsonb_build_object('message', 'This is a test event from fieldbase.'), endpoint_id
  );
  perform private.audit_call(
    endpoint_organization, 'send_test_webhook', endpoint_id::text,
    jsonb_build_object('message_id', message_id)
  );
  return message_id;
end
$$;
revoke all on function private.send_test_webhook(endpoint_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.send_test_webhook(endpoint_id uuid)
to authenticated;

create or replace trigger audit_log_append_only before delete or update
on public.audit_log
for each row
execute function private.audit_log_append_only();
