-- What the worker needs to send email: the organization's branding, and the addresses that
-- bounced or complained, which are never sent to again.

-- ==========================================================================================
-- Tables
-- ==========================================================================================

-- Addresses we must not send to. Written from the email provider's bounce and complaint
-- events (verified by the worker's /hooks/resend endpoint) or by platform staff.
create table private.email_suppressions (
  -- Lower-cased address.
  email text primary key check (email = lower(email) and email like '%_@_%'),
  reason text not null check (reason in ('bounce', 'complaint', 'manual')),
  detail text,
  -- The provider's event id, so a redelivered event is recorded once.
  event_id text,
  created_at timestamptz not null default now()
);
alter table private.email_suppressions enable row level security;

-- ==========================================================================================
-- Functions for the worker
-- ==========================================================================================

-- The addresses among `emails` that must not receive mail.
create or replace function queue.suppressed_emails(emails text[]) returns setof text
language sql stable security definer
set search_path = ''
as $$
  select s.email from private.email_suppressions as s
  where s.email in (select lower(e) from unnest(emails) as e)
$$;
revoke execute on function queue.suppressed_emails(text[]) from public;
grant execute on function queue.suppressed_emails(text[]) to fieldbase_worker;

-- Records a provider event ('email.bounced', 'email.complained'; others are ignored) for an
-- address. Returns whether the address is now suppressed.
create or replace function queue.record_email_event(
  event_type text, email text, detail text default null, event_id text default null
) returns boolean
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
revoke execute on function queue.record_email_event(text, text, text, text) from public;
grant execute on function queue.record_email_event(text, text, text, text) to fieldbase_worker;

-- What emails and documents show of an organization: name, branding, time zone, currency.
create or replace function queue.organization_profile(organization uuid) returns jsonb
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
revoke execute on function queue.organization_profile(uuid) from public;
grant execute on function queue.organization_profile(uuid) to fieldbase_worker;
