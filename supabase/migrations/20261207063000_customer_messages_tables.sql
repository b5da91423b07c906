-- Customer messages: text messages through Twilio, the day-before reminder, "on my way", the
-- thank-you after a visit, opt-outs (STOP, the one-click unsubscribe) and one communications log
-- per customer. Tables only: what queues, records and refuses is in
-- supabase/current/18_customer_messages.sql (the next migration).

-- What an organization tells its customers, and when. The sender number is the platform's to
-- assign (a number of fieldbase's Twilio account): a tenant cannot pick another's number.
create table public.messaging_settings (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  sms_from text unique,
  reminders_enabled boolean not null default true,
  reminder_time time not null default '17:00',
  quiet_hours_start time not null default '21:00',
  quiet_hours_end time not null default '08:00',
  thank_you_enabled boolean not null default false,
  review_url text,
  updated_at timestamptz not null default now(),
  constraint messaging_settings_sms_from_check check (sms_from ~ '^\+[1-9][0-9]{6,14}$'),
  constraint messaging_settings_review_url_check check (
    char_length(review_url) <= 300 and review_url ~ '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s<>"''`\\]*)?$'
  ),
  constraint messaging_settings_thank_you_needs_link check (not thank_you_enabled or review_url is not null)
);
alter table public.messaging_settings enable row level security;
revoke all on table public.messaging_settings from public, anon, authenticated, service_role;
grant select on table public.messaging_settings to authenticated, service_role;
grant update (
  reminders_enabled, reminder_time, quiet_hours_start, quiet_hours_end, thank_you_enabled, review_url
) on table public.messaging_settings to authenticated;
grant update on table public.messaging_settings to service_role;
insert into public.messaging_settings (organization_id)
select o.id from public.organizations as o;

comment on table public.messaging_settings is
'What an organization tells its customers and when: the day-before reminder (at reminder_time, '
'the organization''s time zone), quiet hours when no reminder or thank-you is texted, and the '
'thank-you with a review link after a completed visit. One row per organization; owners and '
'admins change it, members read it.';
comment on column public.messaging_settings.organization_id is 'The organization (one row each).';
comment on column public.messaging_settings.sms_from is
'The E.164 number texts are sent from and answered to: assigned by the platform (service_role), '
'unique, never chosen by a tenant. Without one, nothing is texted.';
comment on column public.messaging_settings.reminders_enabled is 'Whether the day-before reminder is sent.';
comment on column public.messaging_settings.reminder_time is
'When, in the organization''s time zone, tomorrow''s visits are reminded.';
comment on column public.messaging_settings.quiet_hours_start is
'From this local time no reminder or thank-you goes out; it waits until quiet_hours_end.';
comment on column public.messaging_settings.quiet_hours_end is 'The end of quiet hours (local time).';
comment on column public.messaging_settings.thank_you_enabled is
'Whether a completed visit is followed by a thank-you carrying review_url.';
comment on column public.messaging_settings.review_url is
'An https link where customers review the organization (300 characters at most).';
comment on column public.messaging_settings.updated_at is 'When the settings last changed.';

-- How a contact wants to hear from the organization. Receipts, invoices and test reports go by
-- email whatever this says; it governs reminders, "on my way" and thank-yous.
alter table public.customer_contacts
add column message_channels text not null default 'email',
add constraint customer_contacts_message_channels_check check (
  message_channels in ('email', 'sms', 'both', 'none')
);
grant insert (message_channels), update (message_channels) on table public.customer_contacts to authenticated;
grant select (message_channels) on table public.customer_contacts to authenticated;
comment on column public.customer_contacts.message_channels is
'How the contact gets reminders, "on my way" and thank-yous: email, sms, both or none. '
'Receipts, invoices and test reports are sent whatever it says.';

-- Numbers and addresses that asked not to hear from the organization again: a STOP text (until
-- START), the one-click unsubscribe of an email, or the office on the customer's word.
create table public.message_opt_outs (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  channel text not null,
  address text not null,
  source text not null default 'office',
  created_at timestamptz not null default now(),
  primary key (organization_id, channel, address),
  constraint message_opt_outs_channel_check check (channel in ('email', 'sms')),
  constraint message_opt_outs_source_check check (
    source in ('keyword', 'unsubscribe_link', 'office', 'carrier')
  ),
  constraint message_opt_outs_address_check check (
    (channel = 'sms' and address ~ '^\+[1-9][0-9]{6,14}$')
    or (
      channel = 'email' and char_length(address) <= 254 and address = lower(address) and address like '%_@_%'
    )
  )
);
alter table public.message_opt_outs enable row level security;
revoke all on table public.message_opt_outs from public, anon, authenticated, service_role;
grant select on table public.message_opt_outs to authenticated, service_role;
grant insert (organization_id, channel, address) on table public.message_opt_outs to authenticated;
grant insert on table public.message_opt_outs to service_role;

comment on table public.message_opt_outs is
'Numbers and addresses the organization must not text (sms) or send non-essential email to: '
'a STOP reply (lifted by START), an email''s one-click unsubscribe, a carrier''s refusal, or the '
'office on the customer''s word. The office adds; only the customer lifts an opt-out.';
comment on column public.message_opt_outs.organization_id is 'The organization the opt-out applies to.';
comment on column public.message_opt_outs.channel is 'sms or email.';
comment on column public.message_opt_outs.address is 'The E.164 number or the lower-case email address.';
comment on column public.message_opt_outs.source is
'keyword (a STOP text), unsubscribe_link, carrier (Twilio refused: the number opted out there) or office.';
comment on column public.message_opt_outs.created_at is 'When the opt-out was recorded.';

-- When the technician set off and when the customer was told to expect them.
alter table public.visits
add column en_route_at timestamptz,
add column arrival_window tstzrange;
grant select (en_route_at, arrival_window) on table public.visits to authenticated;
comment on column public.visits.en_route_at is
'When the technician marked the visit en route (public.start_visit_travel).';
comment on column public.visits.arrival_window is
'The arrival window the customer was given, estimated from the distance to the previous stop.';

-- Every email and text to or from a customer, kept in step with the providers' status events.
create table public.communications (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  customer_id uuid,
  contact_id uuid,
  visit_id uuid,
  channel text not null,
  direction text not null default 'outbound',
  template text,
  address text not null,
  body text,
  status text not null default 'queued',
  essential boolean not null default true,
  provider_id text,
  error text,
  job_id bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  constraint communications_organization_id_id_key unique (organization_id, id),
  constraint communications_customer_fkey foreign key (organization_id, customer_id)
  references public.customers (organization_id, id) on delete set null (customer_id),
  constraint communications_contact_fkey foreign key (organization_id, contact_id)
  references public.customer_contacts (organization_id, id) on delete set null (contact_id),
  constraint communications_visit_fkey foreign key (organization_id, visit_id)
  references public.visits (organization_id, id) on delete set null (visit_id),
  constraint communications_channel_check check (channel in ('email', 'sms')),
  constraint communications_direction_check check (direction in ('outbound', 'inbound')),
  constraint communications_status_check check (
    status in ('queued', 'sent', 'delivered', 'failed', 'bounced', 'skipped', 'received')
  ),
  constraint communications_template_check check (char_length(template) <= 64),
  constraint communications_address_check check (char_length(address) between 3 and 254),
  constraint communications_body_check check (char_length(body) <= 1600),
  constraint communications_provider_id_check check (char_length(provider_id) <= 255),
  constraint communications_error_check check (char_length(error) <= 1000)
);
-- A visit's reminder, "on my way" and thank-you go once per channel, however often asked.
create unique index communications_once_per_visit
on public.communications (visit_id, template, channel)
where visit_id is not null and direction = 'outbound';
create unique index communications_job_idx on public.communications (job_id) where job_id is not null;
create unique index communications_provider_idx
on public.communications (channel, provider_id) where provider_id is not null;
create index communications_customer_idx on public.communications (
  organization_id, customer_id, created_at desc
);
create index communications_address_idx on public.communications (organization_id, channel, address);
create index communications_contact_idx on public.communications (organization_id, contact_id);
create index communications_visit_idx on public.communications (organization_id, visit_id);
alter table public.communications enable row level security;
revoke all on table public.communications from public, anon, authenticated, service_role;
grant select on table public.communications to authenticated, service_role;

comment on table public.communications is
'Every email and text to or from a customer: channel, direction, template, status (queued, '
'sent, delivered, failed, bounced, skipped when opted out, received for inbound), the provider''s '
'id and error, kept in step with Resend''s and Twilio''s status events. The office reads its '
'organization''s; a technician the messages of the customers of their assigned work.';
comment on column public.communications.id is 'The message''s id.';
comment on column public.communications.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.communications.customer_id is 'The customer it went to or came from, when known.';
comment on column public.communications.contact_id is 'The customer''s contact, when known.';
comment on column public.communications.visit_id is 'The visit it is about (reminder, on my way, thank-you).';
comment on column public.communications.channel is 'email or sms.';
comment on column public.communications.direction is 'outbound (to the customer) or inbound (from them).';
comment on column public.communications.template is
'Which message: visit_reminder, on_my_way, thank_you, invoice_sent, ... (null for inbound).';
comment on column public.communications.address is
'The customer''s side: an email address or an E.164 number.';
comment on column public.communications.body is 'The text of an SMS, or the subject of an email.';
comment on column public.communications.status is
'queued, sent, delivered, failed, bounced, skipped (opted out or suppressed) or received.';
comment on column public.communications.essential is
'Receipts, invoices, reports (true) are sent whatever the preferences; reminders are not.';
comment on column public.communications.provider_id is 'Twilio''s message SID or the email''s id.';
comment on column public.communications.error is 'Why it failed or was skipped.';
comment on column public.communications.job_id is 'The background job that sends it.';
comment on column public.communications.created_at is 'When it was queued or received.';
comment on column public.communications.updated_at is 'When its status last changed.';
comment on column public.communications.sent_at is 'When the provider accepted it.';
comment on column public.communications.delivered_at is 'When the provider reported it delivered.';

-- A provider's status event that arrived before the worker recorded the message's id (Twilio
-- can call back before the send's answer is written): applied when the id is recorded.
create table private.early_message_statuses (
  channel text not null,
  provider_id text not null,
  status text not null,
  error text,
  received_at timestamptz not null default now(),
  primary key (channel, provider_id, status)
);
revoke all on table private.early_message_statuses from public, anon, authenticated, service_role;
