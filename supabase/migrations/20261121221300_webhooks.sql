-- Outgoing webhooks: per-organization endpoints, each event turned into one signed delivery
-- job per subscribed endpoint (Standard Webhooks), and a log of every delivery attempt.

-- ==========================================================================================
-- Tables
-- ==========================================================================================

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  url text not null check (url ~ '^https?://[^\s/?#]+' and char_length(url) <= 2000),
  description text check (char_length(description) <= 500),
  -- Event types delivered to this endpoint ('invoice.paid'); '*' means every type.
  event_types text[] not null default '{*}' check (
    cardinality(event_types) > 0
    and array_to_string(event_types, ',') ~ '^(\*|[a-z_]+(\.[a-z_]+)*)(,(\*|[a-z_]+(\.[a-z_]+)*))*$'
  ),
  active boolean not null default true,
  -- Why the platform switched the endpoint off (410 Gone, failing for too long).
  disabled_reason text,
  -- Since when every delivery has failed; null while the endpoint works.
  failing_since timestamptz,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_endpoints_organization_id_idx on public.webhook_endpoints (organization_id);
create index webhook_endpoints_created_by_idx on public.webhook_endpoints (created_by);

-- Signing secrets, apart from the endpoints so no API role can ever read one back: the
-- secret is shown once, when the endpoint is created or its secret rotated. (On Supabase,
-- Vault could hold these; it is not required.)
create table private.webhook_secrets (
  endpoint_id uuid primary key references public.webhook_endpoints (id) on delete cascade,
  secret text not null check (secret like 'whsec_%'),
  created_at timestamptz not null default now()
);
alter table private.webhook_secrets enable row level security;

-- One row per delivery attempt: what was sent where, and what came back.
create table public.webhook_deliveries (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  -- The event's id, sent as webhook-id: the same on every retry, so receivers can dedupe.
  message_id text not null,
  event_type text not null,
  job_id bigint,
  attempt integer not null check (attempt > 0),
  succeeded boolean not null,
  status_code integer,
  latency_ms integer,
  -- The first 1,000 characters of the response body.
  response_excerpt text,
  error text,
  created_at timestamptz not null default now()
);
create index webhook_deliveries_endpoint_id_idx on public.webhook_deliveries (endpoint_id, created_at desc);
create index webhook_deliveries_organization_id_idx on public.webhook_deliveries (organization_id);

alter table public.webhook_endpoints enable row level security;
alter table public.webhook_deliveries enable row level security;
revoke all on table public.webhook_endpoints, public.webhook_deliveries
from anon, authenticated, service_role;
grant select, delete on table public.webhook_endpoints to authenticated;
grant update (url, description, event_types, active) on table public.webhook_endpoints to authenticated;
grant select on table public.webhook_deliveries to authenticated;
grant select on table public.webhook_endpoints, public.webhook_deliveries to service_role;

create trigger webhook_endpoints_touch_updated_at
before update on public.webhook_endpoints
for each row execute function private.touch_updated_at();

-- Switching an endpoint back on forgets why it was switched off.
create or replace function private.reset_webhook_endpoint_health() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.active and not old.active then
    new.disabled_reason := null;
    new.failing_since := null;
  end if;
  return new;
end
$$;
revoke execute on function private.reset_webhook_endpoint_health() from public;

create trigger webhook_endpoints_reset_health
before update of active on public.webhook_endpoints
for each row execute function private.reset_webhook_endpoint_health();

-- Suspended or deleted organizations cannot change their endpoints.
select private.guard_tenant_table('public.webhook_endpoints');

-- ==========================================================================================
-- Helpers
-- ==========================================================================================

-- A new signing secret in Standard Webhooks' format: whsec_ and 32 random bytes, base64.
create or replace function private.new_webhook_secret() returns text
language sql volatile
set search_path = ''
as $$
  select 'whsec_' || encode(extensions.gen_random_bytes(32), 'base64')
$$;
revoke execute on function private.new_webhook_secret() from public;

-- Queues one delivery per active endpoint of the organization subscribed to event_type (or
-- only to `endpoint`, when given). Returns the event's message id.
create or replace function private.emit_webhook_event(
  organization uuid, event_type text, data jsonb, endpoint uuid default null
) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  message_id text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
begin
  perform queue.enqueue(
    'webhook.deliver',
    jsonb_build_object(
      'endpoint_id', e.id, 'message_id', message_id, 'event_type', event_type,
      'timestamp', now(), 'data', data
    ),
    organization,
    format('webhook:%s:%s', message_id, e.id)
  )
  from public.webhook_endpoints as e
  where
    e.organization_id = organization
    and e.active
    and (endpoint is null or e.id = endpoint)
    and (e.event_types @> array[event_type] or e.event_types @> '{*}');
  return message_id;
end
$$;
revoke execute on function private.emit_webhook_event(uuid, text, jsonb, uuid) from public;

-- ==========================================================================================
-- Public functions
-- ==========================================================================================

-- Adds an endpoint and returns it with its signing secret, which is never shown again.
create or replace function public.create_webhook_endpoint(
  organization_id uuid, url text, event_types text[] default '{*}', description text default null
) returns table (endpoint_id uuid, secret text)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  new_id uuid;
  new_secret text := private.new_webhook_secret();
begin
  if organization_id not in (select private.organization_ids_for('{owner,admin}')) then
    raise exception 'Only owners and admins can add webhook endpoints' using errcode = '42501';
  end if;
  perform private.assert_organization_writable(organization_id);
  insert into public.webhook_endpoints (organization_id, url, event_types, description, created_by)
  values (
    create_webhook_endpoint.organization_id, create_webhook_endpoint.url,
    create_webhook_endpoint.event_types, create_webhook_endpoint.description, (select auth.uid())
  )
  returning id into new_id;
  insert into private.webhook_secrets (endpoint_id, secret) values (new_id, new_secret);
  return query select new_id, new_secret;
end
$$;
revoke execute on function public.create_webhook_endpoint(uuid, text, text[], text) from public;
grant execute on function public.create_webhook_endpoint(uuid, text, text[], text) to authenticated;

-- The organization of an endpoint the caller owns or administers; PT404 (not found) when the
-- endpoint does not exist or is not theirs, so other tenants' ids reveal nothing.
create or replace function private.administered_webhook_endpoint(endpoint_id uuid) returns uuid
language plpgsql stable security definer
set search_path = ''
as $$
declare
  endpoint_organization uuid;
begin
  select e.organization_id into endpoint_organization from public.webhook_endpoints as e
  where e.id = endpoint_id and e.organization_id in (select private.organization_ids_for('{owner,admin}'));
  if endpoint_organization is null then
    raise exception 'Webhook endpoint % was not found', endpoint_id using errcode = 'PT404';
  end if;
  return endpoint_organization;
end
$$;
revoke execute on function private.administered_webhook_endpoint(uuid) from public;

-- Replaces an endpoint's signing secret and returns the new one, shown this once.
create or replace function public.rotate_webhook_secret(endpoint_id uuid) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  new_secret text := private.new_webhook_secret();
begin
  perform private.assert_organization_writable(private.administered_webhook_endpoint(endpoint_id));
  update private.webhook_secrets as s set secret = new_secret, created_at = now()
  where s.endpoint_id = rotate_webhook_secret.endpoint_id;
  return new_secret;
end
$$;
revoke execute on function public.rotate_webhook_secret(uuid) from public;
grant execute on function public.rotate_webhook_secret(uuid) to authenticated;

-- Sends a 'webhook.test' event to one endpoint, so admins can check their receiver.
create or replace function public.send_test_webhook(endpoint_id uuid) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  endpoint_organization uuid := private.administered_webhook_endpoint(endpoint_id);
begin
  if not (select e.active from public.webhook_endpoints as e where e.id = endpoint_id) then
    raise exception 'This webhook endpoint is switched off'
    using errcode = 'PT409', hint = 'Switch it back on (active = true) to send events to it.';
  end if;
  return private.emit_webhook_event(
    endpoint_organization, 'webhook.test',
    jsonb_build_object('message', 'This is a test event from fieldbase.'), endpoint_id
  );
end
$$;
revoke execute on function public.send_test_webhook(uuid) from public;
grant execute on function public.send_test_webhook(uuid) to authenticated;

-- ==========================================================================================
-- Functions for the worker
-- ==========================================================================================

-- Where and how to deliver to an endpoint: its URL, secret and whether it is still active.
create or replace function queue.webhook_target(endpoint_id uuid)
returns table (url text, secret text, active boolean)
language sql stable security definer
set search_path = ''
as $$
  select e.url, s.secret, e.active
  from public.webhook_endpoints as e
  inner join private.webhook_secrets as s on e.id = s.endpoint_id
  where e.id = webhook_target.endpoint_id
$$;
revoke execute on function queue.webhook_target(uuid) from public;
grant execute on function queue.webhook_target(uuid) to fieldbase_worker;

-- Logs one delivery attempt and keeps the endpoint's health: a success clears failing_since;
-- 410 Gone, or failing for longer than disable_after, switches the endpoint off and tells
-- the organization's owners and admins. Returns whether the endpoint is still active.
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
      format('Webhook endpoint %s was switched off: %s', endpoint.url, reason)
    );
    return false;
  end if;
  return endpoint.active and reason is null;
end
$$;
revoke execute on function queue.record_webhook_attempt(
  uuid, text, text, bigint, integer, boolean, integer, integer, text, text, interval
) from public;
grant execute on function queue.record_webhook_attempt(
  uuid, text, text, bigint, integer, boolean, integer, integer, text, text, interval
) to fieldbase_worker;
