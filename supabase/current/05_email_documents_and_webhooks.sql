-- Email, documents and webhooks: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- What emails and documents show of an organization: name, branding, time zone, currency.
create or replace function queue.organization_profile(organization uuid)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'id', o.id, 'name', o.name, 'slug', o.slug, 'branding', o.branding,
    'time_zone', o.time_zone, 'currency', o.currency
  )
  from public.organizations as o
  where o.id = organization
$$;
revoke all on function queue.organization_profile(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.organization_profile(organization uuid)
to fieldbase_worker;

-- Records a provider event ('email.bounced', 'email.complained'; others are ignored) for an
-- address. Returns whether the address is now suppressed.
create or replace function queue.record_email_event(
  event_type text,
  email text,
  detail text default null::text,
  event_id text default null::text
)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  suppression_reason text := case event_type
    when 'email.bounced' then 'bounce'
    when 'email.complained' then 'complaint'
  end;
begin
  if email is null or email not like '%_@_%' then
    raise exception 'An email event needs the address it is about' using errcode = '22023';
  end if;
  if suppression_reason is null then
    return false;
  end if;
  insert into private.email_suppressions (email, reason, detail, event_id)
  values (lower(email), suppression_reason, detail, event_id)
  on conflict on constraint email_suppressions_pkey do update
  set reason = excluded.reason, detail = excluded.detail, event_id = excluded.event_id;
  return true;
end
$$;
revoke all on function queue.record_email_event(event_type text, email text, detail text, event_id text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_email_event(event_type text, email text, detail text, event_id text)
to fieldbase_worker;

-- The addresses among `emails` that must not receive mail.
create or replace function queue.suppressed_emails(emails text[])
returns setof text
language sql stable security definer
set search_path = ''
as $$
  select s.email from private.email_suppressions as s
  where s.email in (select lower(e) from unnest(emails) as e)
$$;
revoke all on function queue.suppressed_emails(emails text[])
from public, anon, authenticated, service_role;
grant execute on function queue.suppressed_emails(emails text[])
to fieldbase_worker;

-- The storage folders (organization ids) whose documents the caller may download: every
-- member's but a technician's, who sees the field paperwork through document rows only.
create or replace function private.document_folders()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select o::text from private.organization_ids_for('{owner,admin,dispatcher,viewer}') as o;
end
$$;
revoke all on function private.document_folders()
from public, anon, authenticated, service_role;
grant execute on function private.document_folders()
to authenticated;

-- Records (or replaces, when rendered again) a stored document; returns its id.
create or replace function queue.record_document(
  organization_id uuid,
  kind text,
  title text,
  storage_path text,
  size_bytes bigint,
  sha256 text,
  page_count integer,
  source_type text default null::text,
  source_id text default null::text,
  job_id bigint default null::bigint,
  storage_bucket text default 'documents'::text
)
returns uuid
language sql security definer
set search_path = ''
as $$
  insert into public.documents as d (
    organization_id, kind, title, storage_bucket, storage_path, size_bytes, sha256, page_count,
    source_type, source_id, job_id
  )
  values (
    organization_id, kind, title, storage_bucket, storage_path, size_bytes, sha256, page_count,
    source_type, source_id, job_id
  )
  on conflict on constraint documents_storage_path_key do update
  set
    title = excluded.title, size_bytes = excluded.size_bytes, sha256 = excluded.sha256,
    page_count = excluded.page_count, job_id = excluded.job_id
  where d.organization_id = excluded.organization_id
  returning d.id
$$;
revoke all on function queue.record_document(
  organization_id uuid,
  kind text,
  title text,
  storage_path text,
  size_bytes bigint,
  sha256 text,
  page_count integer,
  source_type text,
  source_id text,
  job_id bigint,
  storage_bucket text
)
from public, anon, authenticated, service_role;
grant execute on function queue.record_document(
  organization_id uuid,
  kind text,
  title text,
  storage_path text,
  size_bytes bigint,
  sha256 text,
  page_count integer,
  source_type text,
  source_id text,
  job_id bigint,
  storage_bucket text
)
to fieldbase_worker;

-- The organization of an endpoint the caller owns or administers; PT404 (not found) when the
-- endpoint does not exist or is not theirs, so other tenants' ids reveal nothing.
create or replace function private.administered_webhook_endpoint(endpoint_id uuid)
returns uuid
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
revoke all on function private.administered_webhook_endpoint(endpoint_id uuid)
from public, anon, authenticated, service_role;

-- Queues one delivery per active endpoint of the organization subscribed to event_type (or
-- only to `endpoint`, when given). Returns the event's message id.
create or replace function private.emit_webhook_event(
  organization uuid,
  event_type text,
  data jsonb,
  endpoint uuid default null::uuid
)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  message_id text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
  deliveries_left bigint := private.quota_left(organization, 'webhooks');
begin
  -- Over the plan's monthly webhooks, the event is not delivered (the owners were told at 80%
  -- and 100%): refusing the change that caused it would be worse.
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
    -- A named endpoint (a water authority's) gets the event whatever it subscribes to.
    and (e.id = endpoint or (endpoint is null and (e.event_types @> array[event_type] or e.event_types @> '{*}')))
  order by e.created_at, e.id
  limit deliveries_left;
  return message_id;
end
$$;
revoke all on function private.emit_webhook_event(organization uuid, event_type text, data jsonb, endpoint uuid)
from public, anon, authenticated, service_role;

-- A new signing secret in Standard Webhooks' format: whsec_ and 32 random bytes, base64.
create or replace function private.new_webhook_secret()
returns text
language sql
set search_path = ''
as $$
  select 'whsec_' || encode(extensions.gen_random_bytes(32), 'base64')
$$;
revoke all on function private.new_webhook_secret()
from public, anon, authenticated, service_role;

-- Switching an endpoint back on forgets why it was switched off.
create or replace function private.reset_webhook_endpoint_health()
returns trigger
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
revoke all on function private.reset_webhook_endpoint_health()
from public, anon, authenticated, service_role;

-- Adds an endpoint and returns it with its signing secret, which is never shown again.
create or replace function public.create_webhook_endpoint(
  organization_id uuid,
  url text,
  event_types text[] default '{*}'::text[],
  description text default null::text
)
returns table (endpoint_id uuid, secret text)
language plpgsql
set search_path = ''
as $$
begin
  return query select * from private.create_webhook_endpoint(organization_id, url, event_types, description);
end
$$;
revoke all on function public.create_webhook_endpoint(organization_id uuid, url text, event_types text[], description text)
from public, anon, authenticated, service_role;
grant execute on function public.create_webhook_endpoint(organization_id uuid, url text, event_types text[], description text)
to authenticated;

-- Replaces an endpoint's signing secret and returns the new one, shown this once.
create or replace function public.rotate_webhook_secret(endpoint_id uuid)
returns text
language plpgsql
set search_path = ''
as $$
begin
  return private.rotate_webhook_secret(endpoint_id);
end
$$;
revoke all on function public.rotate_webhook_secret(endpoint_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.rotate_webhook_secret(endpoint_id uuid)
to authenticated;

-- Sends a 'webhook.test' event to one endpoint, so admins can check their receiver.
create or replace function public.send_test_webhook(endpoint_id uuid)
returns text
language plpgsql
set search_path = ''
as $$
begin
  return private.send_test_webhook(endpoint_id);
end
$$;
revoke all on function public.send_test_webhook(endpoint_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.send_test_webhook(endpoint_id uuid)
to authenticated;

-- Logs one delivery attempt and keeps the endpoint's health (see the first version); the
-- activity entry no longer names the URL.
create or replace function queue.record_webhook_attempt(
  endpoint_id uuid,
  message_id text,
  event_type text,
  job_id bigint,
  attempt integer,
  succeeded boolean,
  status_code integer,
  latency_ms integer,
  response_excerpt text,
  error text,
  disable_after interval default '5 days'::interval
)
returns boolean
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
revoke all on function queue.record_webhook_attempt(
  endpoint_id uuid,
  message_id text,
  event_type text,
  job_id bigint,
  attempt integer,
  succeeded boolean,
  status_code integer,
  latency_ms integer,
  response_excerpt text,
  error text,
  disable_after interval
)
from public, anon, authenticated, service_role;
grant execute on function queue.record_webhook_attempt(
  endpoint_id uuid,
  message_id text,
  event_type text,
  job_id bigint,
  attempt integer,
  succeeded boolean,
  status_code integer,
  latency_ms integer,
  response_excerpt text,
  error text,
  disable_after interval
)
to fieldbase_worker;

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
revoke all on function queue.webhook_target(endpoint_id uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.webhook_target(endpoint_id uuid)
to fieldbase_worker;

-- True when branding has only the known keys with bounded values: logo_url (https, 500
-- characters), primary_color (#rrggbb), footer (300 characters, no control characters but
-- line breaks), reply_to (an email address).
create or replace function private.branding_is_valid(branding jsonb)
returns boolean
language sql immutable
set search_path = ''
as $$
  select
    jsonb_typeof(branding) = 'object'
    and not exists (
      select from jsonb_object_keys(branding) as k
      where k not in ('logo_url', 'primary_color', 'footer', 'reply_to')
    )
    and coalesce(
      jsonb_typeof(branding -> 'logo_url') = 'string'
      and branding ->> 'logo_url' ~ '^https://[^\s"''<>]+$'
      and char_length(branding ->> 'logo_url') <= 500,
      branding -> 'logo_url' is null
    )
    and coalesce(
      branding ->> 'primary_color' ~ '^#[0-9a-fA-F]{6}$', branding -> 'primary_color' is null
    )
    and coalesce(
      jsonb_typeof(branding -> 'footer') = 'string'
      and char_length(branding ->> 'footer') <= 300
      and branding ->> 'footer' !~ '[\x01-\x09\x0b-\x1f\x7f]',
      branding -> 'footer' is null
    )
    and coalesce(
      jsonb_typeof(branding -> 'reply_to') = 'string'
      and char_length(branding ->> 'reply_to') <= 254
      and branding ->> 'reply_to' ~ '^[a-z0-9.!#$%&''*+/=?^_`{|}~-]+@[a-z0-9.-]+\.[a-z0-9-]+$',
      branding -> 'reply_to' is null
    )
$$;
revoke all on function private.branding_is_valid(branding jsonb)
from public, anon, authenticated, service_role;
grant execute on function private.branding_is_valid(branding jsonb)
to authenticated, service_role;

-- A reply-to sends recipients' answers somewhere: it must be an owner's or admin's own
-- address, never a third party's.
create or replace function private.check_organization_reply_to()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.branding ? 'reply_to' and (
    tg_op = 'INSERT' or new.branding ->> 'reply_to' is distinct from old.branding ->> 'reply_to'
  ) and not exists (
    select from public.memberships as m
    inner join auth.users as u on m.user_id = u.id
    where
      m.organization_id = new.id and m.role in ('owner', 'admin')
      and lower(u.email) = lower(new.branding ->> 'reply_to') and u.email_confirmed_at is not null
  ) then
    raise exception 'The reply-to address must be the confirmed email of an owner or admin'
    using errcode = '23514';
  end if;
  return new;
end
$$;
revoke all on function private.check_organization_reply_to()
from public, anon, authenticated, service_role;

-- Invites an address to the organization and queues the invitation email. Owners and admins
-- invite (aal2 where MFA is required); only owners invite owners. Returns the invitation id
-- and its token (shown once).
create or replace function private.invite_member(
  organization_id uuid,
  email text,
  role member_role default 'viewer'::member_role
)
returns table (invitation_id uuid, token text)
language plpgsql security definer
set search_path = ''
as $$
declare
  caller_role public.member_role := private.authorize(
    organization_id, '{owner,admin}', 'Only owners and admins can invite members', sensitive => true
  );
  address text := private.normalize_email(email);
  org record;
  new_token text := private.new_token();
  new_id uuid;
  pending integer;
begin
  if role = 'owner' and caller_role <> 'owner' then
    raise exception 'Only an owner can invite an owner' using errcode = '42501';
  end if;
  select o.name, p.max_members, p.max_invitations_per_day, p.name as plan_name into org
  from public.organizations as o inner join public.plans as p on o.plan_id = p.id
  where o.id = organization_id
  -- Serialises invitations per organization, so concurrent calls cannot pass the caps together.
  for no key update of o;
  if exists (
    select from public.memberships as m inner join public.profiles as p on m.user_id = p.id
    where m.organization_id = invite_member.organization_id and lower(p.email) = address
  ) then
    raise exception '% is already a member', address using errcode = '23505';
  end if;
  if org.max_invitations_per_day is not null and (
    select count(*) from public.invitations as i
    where i.organization_id = invite_member.organization_id and i.created_at > now() - interval '1 day'
  ) >= org.max_invitations_per_day then
    raise exception 'The % plan allows % invitations a day', org.plan_name, org.max_invitations_per_day
    using errcode = 'PT429', hint = 'Try again tomorrow, or upgrade the plan.';
  end if;

  -- Re-inviting replaces the pending invitation (its old link stops working, its email too).
  perform private.withdraw_invitations(array(
    select i.id from public.invitations as i
    where i.organization_id = invite_member.organization_id and i.email = address
      and i.accepted_at is null and i.revoked_at is null
  ));

  select
    (select count(*) from public.memberships as m where m.organization_id = invite_member.organization_id)
    + (select count(*) from public.invitations as i
       where i.organization_id = invite_member.organization_id
         and i.accepted_at is null and i.revoked_at is null and i.expires_at > now())
  into pending;
  if org.max_members is not null and pending >= org.max_members then
    raise exception 'The % plan allows % members', org.plan_name, org.max_members
    using errcode = 'PT402', hint = 'Upgrade the plan or revoke a pending invitation.';
  end if;

  insert into public.invitations (organization_id, email, role, token_hash, invited_by)
  values (organization_id, address, role, sha256(convert_to(new_token, 'UTF8')), (select auth.uid()))
  returning id into new_id;

  -- The email carries the token; the worker drops it from the payload once sent.
  perform queue.enqueue(
    'email.invitation',
    jsonb_build_object(
      'invitation_id', new_id, 'email', address, 'role', role, 'token', new_token,
      'organization_name', org.name,
      -- Who invites, by name (the email says so); the worker's model has no user ids.
      'inviter_name', (
        select left(p.full_name, 100) from public.profiles as p where p.id = (select auth.uid())
      )
    ),
    organization_id,
    'invitation:' || new_id::text
  );
  -- Every member reads the feed: it says that an invitation went out, not to whom.
  perform private.record_activity(
    organization_id, 'invitation.sent', 'invitation', new_id::text, 'An invitation was sent'
  );
  return query select new_id, new_token;
end
$$;
revoke all on function private.invite_member(organization_id uuid, email text, role member_role)
from public, anon, authenticated, service_role;
grant execute on function private.invite_member(organization_id uuid, email text, role member_role)
to authenticated;

-- The rule of normalize_email, without the error: the address as stored, or null when it is
-- not one (what a bulk import checks thousands of cells with, without a subtransaction each).
-- plpgsql: a session plans it once, where a SQL function with its own search_path is run by a
-- new executor on every call.
create or replace function private.email_or_null(address text)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  normalized text := lower(btrim(address));
begin
  if char_length(normalized) <= 254
     and normalized ~ '^[a-z0-9.!#$%&''*+/=?^_`{|}~-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'
     and normalized !~ '(^\.|\.\.|\.@)' then
    return normalized;
  end if;
  return null;
end
$$;
revoke all on function private.email_or_null(address text)
from public, anon, authenticated, service_role;
grant execute on function private.email_or_null(address text)
to authenticated, service_role;

-- An email address as fieldbase stores and sends to it: trimmed, lower-case, a plain
-- local@domain with a dotted domain. Comments ("(x)victim@example.com"), display names,
-- quoted local parts and whitespace are refused (22023) rather than guessed at.
create or replace function private.normalize_email(address text)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  normalized text := private.email_or_null(address);
begin
  if normalized is null then
    raise exception '"%" is not an email address', left(address, 100) using errcode = '22023',
    hint = 'Use a plain address such as name@example.com.';
  end if;
  return normalized;
end
$$;
revoke all on function private.normalize_email(address text)
from public, anon, authenticated, service_role;
grant execute on function private.normalize_email(address text)
to authenticated, service_role;

-- Refuses a line that would take its document past the cap. Arguments: the documents' table,
-- the lines' column naming it, the cap, and how the message names the document. The document is
-- locked first, so two transactions adding lines at once count each other's. An unknown
-- document counts no lines: its foreign key refuses the row, the same way for every caller.
create or replace function private.limit_lines_per_document()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  document_id uuid := (to_jsonb(new) ->> tg_argv[1])::uuid;
  cap integer := tg_argv[2]::integer;
  existing integer;
begin
  if tg_op = 'UPDATE' and document_id is not distinct from (to_jsonb(old) ->> tg_argv[1])::uuid then
    return new;
  end if;
  execute format(
    'select 1 from public.%I as d where d.organization_id = $1 and d.id = $2 for no key update',
    tg_argv[0]
  ) using new.organization_id, document_id;
  execute format(
    'select count(*)::integer from public.%I as l where l.organization_id = $1 and l.%I = $2',
    tg_table_name, tg_argv[1]
  ) into existing using new.organization_id, document_id;
  if existing >= cap then
    raise exception '% has at most % lines', tg_argv[3], cap
    using errcode = '23514', constraint = tg_table_name || '_per_document_cap',
      hint = 'Split the work into several documents, or group lines into fewer, broader ones.';
  end if;
  return new;
end
$$;
revoke all on function private.limit_lines_per_document()
from public, anon, authenticated, service_role;

create or replace trigger documents_touch_updated_at before update
on public.documents
for each row
execute function private.touch_updated_at();

create or replace trigger audit_delete after delete
on public.webhook_endpoints
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.webhook_endpoints
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.webhook_endpoints
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.webhook_endpoints
for each row
execute function private.enforce_organization_writable();

create or replace trigger webhook_deliveries_authority_submission after insert
on public.webhook_deliveries
for each row
when ((new.succeeded and (new.event_type = 'backflow_test.finalized'::text)))
execute function private.webhook_submission_arrived();

create or replace trigger webhook_endpoints_reset_health before update of active
on public.webhook_endpoints
for each row
execute function private.reset_webhook_endpoint_health();

create or replace trigger webhook_endpoints_sensitive_change before delete or update
on public.webhook_endpoints
for each row
execute function private.check_webhook_endpoint_change();

create or replace trigger webhook_endpoints_touch_updated_at before update
on public.webhook_endpoints
for each row
execute function private.touch_updated_at();
