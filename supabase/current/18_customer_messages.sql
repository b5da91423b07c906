-- Customer messages: what an organization tells its customers about their visits (the reminder
-- the day before, "on my way", the thank-you), by each contact's channels, once each; texts
-- through Twilio (the worker's sms.send), quiet hours, opt-outs, and the communications log the
-- worker and the providers' status events keep in step.

-- Every organization has its settings row from the start (defaults until an owner changes them).
create or replace function private.create_messaging_settings()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.messaging_settings (organization_id) values (new.id)
  on conflict (organization_id) do nothing;
  return null;
end
$$;
revoke all on function private.create_messaging_settings()
from public, anon, authenticated, service_role;

create or replace trigger organizations_messaging_settings after insert
on public.organizations
for each row
execute function private.create_messaging_settings();

create or replace trigger messaging_settings_touch_updated_at before update
on public.messaging_settings
for each row
execute function private.touch_updated_at();

create or replace trigger enforce_organization_writable before insert or update or delete
on public.messaging_settings
for each row
execute function private.enforce_organization_writable();

create or replace trigger communications_touch_updated_at before update
on public.communications
for each row
execute function private.touch_updated_at();

-- The office records an opt-out on the customer's word (its insert grant leaves `source` to its
-- default, office); only the customer lifts one. Addresses are stored as messages are sent.
create or replace function private.normalize_message_opt_out()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.channel = 'email' then
    new.address := lower(btrim(new.address));
  else
    new.address := private.normalize_phone(new.address);
  end if;
  return new;
end
$$;
revoke all on function private.normalize_message_opt_out()
from public, anon, authenticated, service_role;

create or replace trigger message_opt_outs_normalize before insert
on public.message_opt_outs
for each row
execute function private.normalize_message_opt_out();

create or replace trigger enforce_organization_writable before insert or update or delete
on public.message_opt_outs
for each row
execute function private.enforce_organization_writable();

-- The first moment at or after `at` outside the organization's quiet hours (its time zone).
-- Equal start and end mean no quiet hours.
create or replace function private.after_quiet_hours(organization uuid, at timestamptz)
returns timestamptz
language plpgsql stable security definer
set search_path = ''
as $$
declare
  zone text;
  quiet_start time;
  quiet_end time;
  local_at timestamp;
  local_time time;
begin
  select o.time_zone, s.quiet_hours_start, s.quiet_hours_end into zone, quiet_start, quiet_end
  from public.organizations as o
  inner join public.messaging_settings as s on o.id = s.organization_id
  where o.id = organization;
  if zone is null or quiet_start = quiet_end then
    return at;
  end if;
  local_at := at at time zone zone;
  local_time := local_at::time;
  if quiet_start > quiet_end then
    -- Overnight (21:00-08:00): quiet from the start to midnight and from midnight to the end.
    if local_time >= quiet_start then
      return ((local_at::date + 1) + quiet_end) at time zone zone;
    elsif local_time < quiet_end then
      return (local_at::date + quiet_end) at time zone zone;
    end if;
  elsif local_time >= quiet_start and local_time < quiet_end then
    return (local_at::date + quiet_end) at time zone zone;
  end if;
  return at;
end
$$;
revoke all on function private.after_quiet_hours(organization uuid, at timestamptz)
from public, anon, authenticated, service_role;

-- Queues one of a visit's customer messages (visit_reminder, on_my_way, thank_you) to the
-- customer's primary contact (the customer's own email and phone without one), by each channel
-- the contact chose, once per visit and channel however often asked. An opted-out number or
-- address, a suppressed email or an organization without a sender number is logged as skipped,
-- with why. Returns how many messages were queued.
create or replace function private.queue_visit_message(
  visit uuid, message text, run_at timestamptz default now(), priority smallint default 100
)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v record;
  sender text;
  review_link text;
  via text;
  recipient text;
  skipped_for text;
  communication uuid;
  job bigint;
  queued integer := 0;
begin
  select
    vi.id, vi.organization_id, vi.starts_at, vi.ends_at, vi.arrival_window, w.customer_id,
    c.name as customer_name, s.time_zone, concat_ws(', ', s.line1, s.city) as address,
    ct.id as contact_id, coalesce(ct.message_channels, 'email') as channels,
    lower(coalesce(ct.email, c.email)) as email, coalesce(ct.phone, c.phone) as phone,
    split_part(btrim(private.display_name(vi.user_id)), ' ', 1) as technician_first_name
  into v
  from public.visits as vi
  inner join public.work_orders as w on vi.work_order_id = w.id
  inner join public.customers as c on w.customer_id = c.id
  inner join public.sites as s on w.site_id = s.id
  left join public.customer_contacts as ct on c.id = ct.customer_id and ct.is_primary
  where vi.id = visit;
  if v.id is null then
    return 0;
  end if;
  select ms.sms_from, ms.review_url into sender, review_link
  from public.messaging_settings as ms where ms.organization_id = v.organization_id;

  foreach via in array case v.channels
    when 'both' then array['email', 'sms']
    when 'none' then '{}'::text[]
    else array[v.channels]
  end loop
    recipient := case via when 'email' then v.email else v.phone end;
    continue when recipient is null;
    skipped_for := case
      when exists (
        select from public.message_opt_outs as o
        where o.organization_id = v.organization_id and o.channel = via
          and o.address = recipient
      ) then 'The customer opted out of these messages'
      when via = 'email' and exists (
        select from private.email_suppressions as e where e.email = recipient
      ) then 'The address bounced or complained before'
      when via = 'sms' and sender is null then 'The organization has no sender number for texts'
    end;
    insert into public.communications (
      organization_id, customer_id, contact_id, visit_id, channel, template, address, status,
      essential, error
    )
    values (
      v.organization_id, v.customer_id, v.contact_id, v.id, via, message, recipient,
      case when skipped_for is null then 'queued' else 'skipped' end, false, skipped_for
    )
    on conflict (visit_id, template, channel) where visit_id is not null and direction = 'outbound'
    do nothing
    returning id into communication;
    continue when communication is null or skipped_for is not null;
    job := queue.enqueue(
      case via when 'sms' then 'sms.send' else 'email.visit_message' end,
      jsonb_build_object(
        'communication_id', communication, 'to', recipient, 'message', message,
        'customer_name', v.customer_name, 'address', v.address, 'time_zone', v.time_zone,
        'starts_at', v.starts_at, 'ends_at', v.ends_at,
        'technician_first_name', nullif(v.technician_first_name, ''),
        'window_starts_at', lower(v.arrival_window), 'window_ends_at', upper(v.arrival_window),
        'review_url', case when message = 'thank_you' then review_link end
      ),
      v.organization_id,
      null,
      run_at,
      priority
    );
    update public.communications set job_id = job where id = communication;
    queued := queued + 1;
  end loop;
  return queued;
end
$$;
revoke all on function private.queue_visit_message(visit uuid, message text, run_at timestamptz, priority smallint)
from public, anon, authenticated, service_role;

-- pg_cron, every 15 minutes: once an organization's reminder_time has passed (its time zone),
-- tomorrow's scheduled and confirmed visits are reminded, each once. A reminder that quiet hours
-- would hold until less than an hour before the visit is not sent at all.
create or replace function private.queue_visit_reminders()
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  due record;
  send_at timestamptz;
  queued integer := 0;
begin
  for due in
    select v.id, v.organization_id, v.starts_at
    from public.messaging_settings as ms
    inner join public.organizations as o on ms.organization_id = o.id
    inner join public.visits as v
      on
        ms.organization_id = v.organization_id
        and v.starts_at > now() and v.starts_at < now() + interval '48 hours'
    where
      ms.reminders_enabled
      and o.deleted_at is null
      and o.status not in ('trial_expired', 'suspended', 'cancelled')
      and (now() at time zone o.time_zone)::time >= ms.reminder_time
      and (v.starts_at at time zone o.time_zone)::date = (now() at time zone o.time_zone)::date + 1
      and v.status in ('scheduled', 'confirmed')
      and not exists (
        select from public.communications as c
        where c.visit_id = v.id and c.template = 'visit_reminder' and c.direction = 'outbound'
      )
  loop
    send_at := private.after_quiet_hours(due.organization_id, now());
    if send_at < due.starts_at - interval '1 hour' then
      queued := queued + private.queue_visit_message(due.id, 'visit_reminder', send_at);
    end if;
  end loop;
  return queued;
end
$$;
revoke all on function private.queue_visit_reminders()
from public, anon, authenticated, service_role;

-- The technician sets off: the visit is marked en route with an arrival window estimated from
-- the straight-line distance to the previous stop of their day (at 40 km/h with a 1.3 detour
-- factor; 30 minutes from now without one), and the customer is told by their channels. Quiet
-- hours do not hold it: the customer is expecting someone now. Asking again changes nothing.
create or replace function private.start_visit_travel(visit uuid)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  v record;
  caller_role public.member_role;
  distance_m double precision;
  minutes integer;
  window_start timestamptz;
begin
  select vi.id, vi.organization_id, vi.user_id, vi.status, vi.starts_at, vi.en_route_at, vi.work_order_id,
    s.location, s.time_zone
  into v
  from public.visits as vi
  inner join public.work_orders as w on vi.work_order_id = w.id
  inner join public.sites as s on w.site_id = s.id
  where vi.id = visit and vi.organization_id in (select private.organization_ids_for());
  if v.id is null then
    raise exception 'This visit does not exist' using errcode = 'PT404';
  end if;
  caller_role := private.authorize(
    v.organization_id, '{owner,admin,dispatcher,technician}', 'Viewers cannot start a visit'
  );
  if caller_role = 'technician' and v.user_id <> (select auth.uid()) then
    raise exception 'This visit does not exist' using errcode = 'PT404';
  end if;
  if v.en_route_at is not null then
    return;
  end if;
  if v.status not in ('scheduled', 'confirmed') then
    raise exception 'This visit is %: only a scheduled or confirmed visit can be started', v.status
    using errcode = 'PT409';
  end if;

  select extensions.st_distance(s.location, v.location) into distance_m
  from public.visits as p
  inner join public.work_orders as w on p.work_order_id = w.id
  inner join public.sites as s on w.site_id = s.id
  where
    p.organization_id = v.organization_id and p.user_id = v.user_id and p.id <> v.id
    and p.starts_at < v.starts_at
    and (p.starts_at at time zone v.time_zone)::date = (v.starts_at at time zone v.time_zone)::date
    and p.status not in ('cancelled', 'missed')
  order by p.starts_at desc
  limit 1;
  minutes := case
    when distance_m is null then 30
    else greatest(5, least(240, ceil(distance_m * 1.3 / 40000.0 * 60)))
  end;
  -- The window starts on the next five minutes after the estimate and lasts half an hour.
  window_start := to_timestamp((ceil(extract(epoch from now() + make_interval(mins => minutes)) / 300) * 300)::double precision);

  update public.visits
  set en_route_at = now(), arrival_window = tstzrange(window_start, window_start + interval '30 minutes')
  where id = v.id;
  perform private.queue_visit_message(v.id, 'on_my_way', now(), 50::smallint);
  perform private.emit_webhook_event(
    v.organization_id, 'visit.en_route',
    jsonb_build_object(
      'visit_id', v.id, 'work_order_id', v.work_order_id, 'technician_id', v.user_id,
      'arrival_window_starts_at', window_start,
      'arrival_window_ends_at', window_start + interval '30 minutes'
    )
  );
end
$$;
revoke all on function private.start_visit_travel(visit uuid)
from public, anon, authenticated, service_role;
grant execute on function private.start_visit_travel(visit uuid)
to authenticated;

create or replace function public.start_visit_travel(visit_id uuid)
returns table (
  id uuid, en_route_at timestamptz, arrival_window_starts_at timestamptz, arrival_window_ends_at timestamptz
)
language plpgsql
set search_path = ''
as $$
begin
  perform private.start_visit_travel(start_visit_travel.visit_id);
  return query
  select v.id, v.en_route_at, lower(v.arrival_window), upper(v.arrival_window)
  from public.visits as v where v.id = start_visit_travel.visit_id;
end
$$;
revoke all on function public.start_visit_travel(visit_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.start_visit_travel(visit_id uuid)
to authenticated;

-- A completed visit is followed, an hour later and outside quiet hours, by a thank-you with
-- the organization's review link, where the organization asks for one.
create or replace function private.visit_thank_you()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.messaging_settings as ms
    where ms.organization_id = new.organization_id and ms.thank_you_enabled and ms.review_url is not null
  ) then
    perform private.queue_visit_message(
      new.id, 'thank_you', private.after_quiet_hours(new.organization_id, now() + interval '1 hour')
    );
  end if;
  return null;
end
$$;
revoke all on function private.visit_thank_you()
from public, anon, authenticated, service_role;

create or replace trigger visits_thank_you after update of status
on public.visits
for each row
when (new.status = 'completed' and old.status <> 'completed')
execute function private.visit_thank_you();

-- --- the worker's side --------------------------------------------------------------------------

-- What the worker must know before it sends to an address: whether it opted out of this
-- organization's messages, and whether this is the first message between them (then it
-- carries the organization's name and nothing else a tenant writes).
create or replace function queue.message_context(organization uuid, channel text, address text)
returns table (opted_out boolean, first_contact boolean)
language sql stable security definer
set search_path = ''
as $$
  with recipient as (
    select case message_context.channel when 'email' then lower(message_context.address)
    else message_context.address end as address
  )
  select
    exists (
      select from public.message_opt_outs as o
      where
        o.organization_id = organization and o.channel = message_context.channel
        and o.address = (select r.address from recipient as r)
    ),
    not exists (
      select from public.communications as c
      where
        c.organization_id = organization and c.channel = message_context.channel
        and c.address = (select r.address from recipient as r)
        and (c.direction = 'inbound' or c.status in ('sent', 'delivered'))
    )
$$;
revoke all on function queue.message_context(organization uuid, channel text, address text)
from public, anon, authenticated, service_role;
grant execute on function queue.message_context(organization uuid, channel text, address text)
to fieldbase_worker;

-- The provider accepted a message: sent, with its id and what it said (a text's body, an
-- email's subject); a status event that came first applies now.
create or replace function queue.record_message_sent(communication uuid, provider_id text, body text default null)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  message record;
  early record;
begin
  update public.communications as c
  set
    status = case when c.status in ('queued', 'failed', 'skipped') then 'sent' else c.status end,
    provider_id = record_message_sent.provider_id, sent_at = coalesce(c.sent_at, now()), error = null,
    body = coalesce(left(record_message_sent.body, 1600), c.body)
  where c.id = communication
  returning c.channel into message;
  for early in
    delete from private.early_message_statuses as e
    where e.channel = message.channel and e.provider_id = record_message_sent.provider_id
    returning e.status, e.error
  loop
    perform queue.record_message_status(message.channel, record_message_sent.provider_id, early.status, early.error);
  end loop;
end
$$;
revoke all on function queue.record_message_sent(communication uuid, provider_id text, body text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_message_sent(communication uuid, provider_id text, body text)
to fieldbase_worker;

-- The organization's sender number and, while its quiet hours last, when they end.
create or replace function queue.text_sender(organization uuid)
returns table (sms_from text, quiet_until timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select ms.sms_from, nullif(private.after_quiet_hours(organization, now()), now())
  from public.messaging_settings as ms where ms.organization_id = organization
$$;
revoke all on function queue.text_sender(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.text_sender(organization uuid)
to fieldbase_worker;

-- A message that will not go: failed (with why) or skipped (opted out, suppressed). A carrier's
-- refusal because the number opted out there (Twilio's 21610) opts it out here too.
create or replace function queue.record_message_failed(
  communication uuid, status text, error text, opt_out boolean default false
)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  message record;
begin
  if status not in ('failed', 'skipped') then
    raise exception 'A message that will not go is failed or skipped, not %', status using errcode = '22023';
  end if;
  update public.communications as c
  set status = record_message_failed.status, error = left(record_message_failed.error, 1000)
  where c.id = communication and c.status in ('queued', 'failed')
  returning c.organization_id, c.channel, c.address into message;
  if opt_out and message.organization_id is not null then
    insert into public.message_opt_outs (organization_id, channel, address, source)
    values (message.organization_id, message.channel, message.address, 'carrier')
    on conflict do nothing;
  end if;
end
$$;
revoke all on function queue.record_message_failed(communication uuid, status text, error text, opt_out boolean)
from public, anon, authenticated, service_role;
grant execute on function queue.record_message_failed(communication uuid, status text, error text, opt_out boolean)
to fieldbase_worker;

-- A provider's status event (Twilio's callback, Resend's event) for a message by its id. Status
-- only moves forward (queued, sent, delivered; failed and bounced are final), so events that
-- arrive out of order leave the latest. An event for an id not recorded yet is kept until it is.
create or replace function queue.record_message_status(
  channel text, provider_id text, status text, error text default null
)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  rank_of constant jsonb := '{"queued": 0, "sent": 1, "delivered": 2, "failed": 3, "bounced": 3}'::jsonb;
  found_id uuid;
begin
  if not rank_of ? status then
    raise exception 'Unknown message status %', status using errcode = '22023';
  end if;
  update public.communications as c
  set
    status = record_message_status.status,
    error = case when record_message_status.status in ('failed', 'bounced')
      then left(record_message_status.error, 1000) else c.error end,
    sent_at = coalesce(c.sent_at, now()),
    delivered_at = case when record_message_status.status = 'delivered' then now() else c.delivered_at end
  where
    c.channel = record_message_status.channel and c.provider_id = record_message_status.provider_id
    and (rank_of ->> record_message_status.status)::integer > coalesce((rank_of ->> c.status)::integer, -1)
    and c.status not in ('failed', 'bounced')
  returning c.id into found_id;
  if found_id is null and not exists (
    select from public.communications as c
    where c.channel = record_message_status.channel and c.provider_id = record_message_status.provider_id
  ) then
    delete from private.early_message_statuses as e where e.received_at < now() - interval '1 day';
    insert into private.early_message_statuses (channel, provider_id, status, error)
    values (channel, provider_id, status, left(error, 1000))
    on conflict do nothing;
  end if;
  return found_id is not null;
end
$$;
revoke all on function queue.record_message_status(channel text, provider_id text, status text, error text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_message_status(channel text, provider_id text, status text, error text)
to fieldbase_worker;

-- The customer (contact first) an address belongs to in an organization.
create or replace function private.customer_of_address(organization uuid, channel text, address text)
returns table (customer_id uuid, contact_id uuid)
language sql stable security definer
set search_path = ''
as $$
  (
    select ct.customer_id, ct.id from public.customer_contacts as ct
    where
      ct.organization_id = organization
      and case channel when 'email' then lower(ct.email) = lower(address) else ct.phone = address end
    order by ct.is_primary desc, ct.created_at
    limit 1
  )
  union all
  (
    select c.id, null::uuid from public.customers as c
    where
      c.organization_id = organization and c.deleted_at is null
      and case channel when 'email' then lower(c.email) = lower(address) else c.phone = address end
    order by c.created_at
    limit 1
  )
  limit 1
$$;
revoke all on function private.customer_of_address(organization uuid, channel text, address text)
from public, anon, authenticated, service_role;

-- An email to a customer that was not queued as a communication (an invoice, a report, an
-- appointment): logged by the job that sends it, once per job, with the customer its address
-- belongs to.
create or replace function queue.log_email(
  job_id bigint,
  organization uuid,
  address text,
  template text,
  subject text,
  essential boolean,
  status text,
  provider_id text default null,
  error text default null
)
returns uuid
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  who record;
  logged uuid;
begin
  select * into who from private.customer_of_address(organization, 'email', address);
  insert into public.communications as c (
    organization_id, customer_id, contact_id, channel, template, address, body, status, essential,
    provider_id, error, job_id, sent_at
  )
  values (
    organization, who.customer_id, who.contact_id, 'email', left(template, 64), lower(address),
    left(subject, 1600), status, essential, provider_id, left(error, 1000), job_id,
    case when status = 'sent' then now() end
  )
  on conflict (job_id) where job_id is not null do update
  set status = excluded.status, provider_id = excluded.provider_id, error = excluded.error,
    sent_at = coalesce(c.sent_at, excluded.sent_at)
  returning c.id into logged;
  return logged;
end
$$;
revoke all on function queue.log_email(
  job_id bigint, organization uuid, address text, template text, subject text, essential boolean, status text,
  provider_id text, error text
)
from public, anon, authenticated, service_role;
grant execute on function queue.log_email(
  job_id bigint, organization uuid, address text, template text, subject text, essential boolean, status text,
  provider_id text, error text
)
to fieldbase_worker;

-- A text to one of the organizations' numbers (Twilio's inbound webhook, its signature checked
-- by the worker): logged once by its SID against the customer the number belongs to. STOP and
-- its synonyms opt the number out of the organization's texts at once, START and its synonyms
-- opt it back in (Twilio's own keyword lists). A number that is nobody's gives null.
create or replace function queue.record_inbound_text(sender text, recipient text, body text, sid text)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  organization uuid;
  who record;
  keyword text := upper(btrim(coalesce(body, '')));
  action text := 'received';
begin
  select ms.organization_id into organization
  from public.messaging_settings as ms where ms.sms_from = recipient;
  if organization is null or private.phone_or_null(sender) is null then
    return null;
  end if;
  select * into who from private.customer_of_address(organization, 'sms', sender);
  insert into public.communications (
    organization_id, customer_id, contact_id, channel, direction, address, body, status, provider_id
  )
  values (
    organization, who.customer_id, who.contact_id, 'sms', 'inbound', sender, left(body, 1600),
    'received', sid
  )
  on conflict (channel, provider_id) where provider_id is not null do nothing;
  if keyword in ('STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE') then
    insert into public.message_opt_outs (organization_id, channel, address, source)
    values (organization, 'sms', sender, 'keyword')
    on conflict do nothing;
    action := 'opted_out';
  elsif keyword in ('START', 'YES', 'UNSTOP') then
    delete from public.message_opt_outs as o
    where o.organization_id = organization and o.channel = 'sms' and o.address = sender;
    action := 'opted_in';
  end if;
  return jsonb_build_object('organization_id', organization, 'action', action);
end
$$;
revoke all on function queue.record_inbound_text(sender text, recipient text, body text, sid text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_inbound_text(sender text, recipient text, body text, sid text)
to fieldbase_worker;

-- An email's one-click unsubscribe (RFC 8058), its link signed by the worker: the address gets
-- no more non-essential email from the organization.
create or replace function queue.unsubscribe_email(organization uuid, address text)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
begin
  if not exists (select from public.organizations as o where o.id = organization) then
    return false;
  end if;
  insert into public.message_opt_outs (organization_id, channel, address, source)
  values (organization, 'email', lower(btrim(address)), 'unsubscribe_link')
  on conflict do nothing;
  return true;
end
$$;
revoke all on function queue.unsubscribe_email(organization uuid, address text)
from public, anon, authenticated, service_role;
grant execute on function queue.unsubscribe_email(organization uuid, address text)
to fieldbase_worker;
