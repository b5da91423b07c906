-- Derived copies carry only what their readers may see. The audit log copied whole rows (so
-- invitations.token_hash, hidden from admins by column grants, was readable there) and stored
-- a client-chosen IP as fact (it now records private.client_address, the gateway's hop, as the
-- rate limiter keys on); activity, which every member reads, named invitees' addresses
-- and webhook URLs (often bearer credentials). Webhook endpoint changes and the admin RPCs
-- that act on them were not audited at all. And the audit log's retention bypass trusted a
-- setting any session can set.

-- ==========================================================================================
-- Audit: allowlisted columns per table
-- ==========================================================================================

-- The columns of each audited table that the audit log may copy (its readers are the
-- organization's owners and admins; nothing they may not read goes in).
create table private.audited_columns (
  table_name regclass primary key,
  columns text[] not null check (cardinality(columns) > 0)
);
alter table private.audited_columns enable row level security;
revoke all on table private.audited_columns from anon, authenticated, service_role;

comment on column public.audit_log.ip_address is
'The client address as Supabase''s API gateway reported it (x-real-ip or the gateway''s own '
'x-forwarded-for hop); null when the request did not come through the gateway.';
comment on column public.audit_log.user_agent is
'The User-Agent the client sent: what it claimed to be, not proof of anything.';

alter table public.audit_log drop constraint audit_log_action_check;
alter table public.audit_log add constraint audit_log_action_check
check (action in ('insert', 'update', 'delete', 'call'));
comment on column public.audit_log.action is
'insert, update, delete (a row changed), or call (an admin RPC that changes no audited row: '
'table_name names the function).';

-- A row reduced to the columns the audit log may copy.
create or replace function private.audit_row(row_values jsonb, allowed text[]) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
  from jsonb_each(row_values) as e
  where e.key = any(allowed)
$$;
revoke all on function private.audit_row(jsonb, text[]) from public, anon, authenticated, service_role;

-- Writes the audit rows of one statement, copying only the table's allowlisted columns.
-- tg_argv[0] names the column holding the organization id (organization_id, or id).
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
  client_ip inet := private.client_address(headers);
  agent text := left(headers ->> 'user-agent', 500);
  allowed text[] := (select a.columns from private.audited_columns as a where a.table_name = tg_relid);
begin
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

-- Starts auditing a table (idempotent): its inserts, updates and deletes, copying `columns`.
drop function private.enable_audit(regclass, text);
create or replace function private.enable_audit(
  target regclass, organization_column text, columns text[]
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
revoke all on function private.enable_audit(regclass, text, text[]) from public;

select private.enable_audit(
  'public.organizations', 'id', array[
    'id', 'name', 'slug', 'plan_id', 'status', 'trial_ends_at', 'time_zone', 'currency',
    'default_tax_rate', 'branding', 'require_mfa', 'created_by', 'created_at', 'deleted_at'
  ]
);
select private.enable_audit(
  'public.memberships', 'organization_id', array[
    'id', 'organization_id', 'user_id', 'role', 'invited_by', 'created_at'
  ]
);
-- Never the token hash.
select private.enable_audit(
  'public.invitations', 'organization_id', array[
    'id', 'organization_id', 'email', 'role', 'invited_by', 'expires_at', 'accepted_at',
    'accepted_by', 'revoked_at', 'created_at'
  ]
);
select private.enable_audit(
  'public.organization_feature_flags', 'organization_id', array[
    'id', 'organization_id', 'flag_key', 'enabled'
  ]
);
-- Where events go: a changed URL is exactly what an audit must show.
select private.enable_audit(
  'public.webhook_endpoints', 'organization_id', array[
    'id', 'organization_id', 'url', 'description', 'event_types', 'active', 'disabled_reason',
    'created_by', 'created_at'
  ]
);

-- Records an admin RPC that changes no audited row (a rotated secret, a test event, a retried
-- job), with who called it and from where.
create or replace function private.audit_call(
  organization uuid, function_name text, record_id text, details jsonb default '{}'::jsonb
) returns void
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
revoke all on function private.audit_call(uuid, text, text, jsonb) from public;

-- The token hashes already copied into the audit log go; the append-only guard is set aside
-- for this one statement by the table's owner.
alter table public.audit_log disable trigger audit_log_append_only;
update public.audit_log
set
  old_values = old_values - 'token_hash',
  new_values = new_values - 'token_hash'
where table_name = 'invitations' and (old_values ? 'token_hash' or new_values ? 'token_hash');
alter table public.audit_log enable trigger audit_log_append_only;

-- ==========================================================================================
-- Audit retention without a bypass switch
-- ==========================================================================================

-- How long audit entries are kept (one row; only the schema owner changes it).
create table private.audit_settings (
  id boolean primary key default true check (id),
  retention interval not null default '400 days' check (retention >= interval '30 days')
);
alter table private.audit_settings enable row level security;
revoke all on table private.audit_settings from anon, authenticated, service_role;
insert into private.audit_settings default values;

-- Entries are never changed, and removed only once past retention (or with their
-- organization). No setting opens it: what a session may set proves nothing.
create or replace function private.audit_log_append_only() returns trigger
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

-- Deletes audit entries past the retention period; run daily by pg_cron.
drop function private.purge_audit_log(interval);
create or replace function private.purge_audit_log() returns integer
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
revoke all on function private.purge_audit_log() from public, anon, authenticated, service_role;

-- ==========================================================================================
-- Activity: what every member may read
-- ==========================================================================================

-- Invitations: the activity feed says one was sent, not to whom or for which role (owners and
-- admins read that in public.invitations).
update public.activity
set summary = 'An invitation was sent', data = data - 'email' - 'role'
where verb = 'invitation.sent';

-- Webhook endpoints: no URL in the feed.
update public.activity
set
  summary = regexp_replace(
    summary, '^Webhook endpoint .* was switched off: ', 'A webhook endpoint was switched off: '
  )
where verb = 'webhook.endpoint_disabled';

-- Logs one delivery attempt and keeps the endpoint's health (see the first version); the
-- activity entry no longer names the URL.
create or replace function queue.record_webhook_attempt(
  endpoint_id uuid, message_id text, event_type text, job_id bigint, attempt integer,
  succeeded boolean, status_code integer, latency_ms integer, response_excerpt text, error text,
  disable_after interval default '5 days'
) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  endpoint public.webhook_endpoints;
  reason text;
begin
  select * into endpoint from public.webhook_endpoints as e where e.id = endpoint_id for update;
  if not found then
    return false;
  end if;
  insert into public.webhook_deliveries (
    organization_id, endpoint_id, message_id, event_type, job_id, attempt, succeeded,
    status_code, latency_ms, response_excerpt, error
  )
  values (
    endpoint.organization_id, endpoint_id, message_id, event_type, job_id, attempt, succeeded,
    status_code, latency_ms, left(response_excerpt, 1000), left(error, 1000)
  );
  if succeeded then
    update public.webhook_endpoints as e set failing_since = null
    where e.id = endpoint_id and e.failing_since is not null;
    return endpoint.active;
  end if;
  reason := case
    when status_code = 410 then 'The endpoint answered 410 Gone'
    when endpoint.failing_since < now() - disable_after then
      format('Every delivery failed since %s', endpoint.failing_since)
  end;
  update public.webhook_endpoints as e
  set
    failing_since = coalesce(e.failing_since, now()),
    active = e.active and reason is null,
    disabled_reason = coalesce(reason, e.disabled_reason)
  where e.id = endpoint_id;
  if reason is not null and endpoint.active then
    -- Owners and admins (who may read the URL) are told which endpoint; the feed is not.
    perform private.notify_user(
      endpoint.organization_id, m.user_id, 'webhook.endpoint_disabled',
      'A webhook endpoint was switched off',
      format('%s: %s. Fix the receiver, then switch the endpoint back on.', endpoint.url, reason),
      null, jsonb_build_object('endpoint_id', endpoint_id)
    )
    from public.memberships as m
    where m.organization_id = endpoint.organization_id and m.role in ('owner', 'admin');
    perform private.record_activity(
      endpoint.organization_id, 'webhook.endpoint_disabled', 'webhook_endpoint', endpoint_id::text,
      format('A webhook endpoint was switched off: %s', reason)
    );
    return false;
  end if;
  return endpoint.active and reason is null;
end
$$;

-- The admin RPCs that change no audited row start with the guard and leave an audit entry.

-- Replaces an endpoint's signing secret and returns the new one, shown this once.
create or replace function private.rotate_webhook_secret(endpoint_id uuid) returns text
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

-- Sends a 'webhook.test' event to one endpoint, so admins can check their receiver.
create or replace function private.send_test_webhook(endpoint_id uuid) returns text
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

-- Puts one of the organization's dead jobs back in the queue (owners and admins).
create or replace function private.retry_job(job_id bigint) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  job record;
begin
  select j.status, j.organization_id, j.kind into job from queue.job_queue as j
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
