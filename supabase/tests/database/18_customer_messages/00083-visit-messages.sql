-- What a customer is told about a visit, by the channels their contact chose, once each: "on my
-- way" with an arrival window from the distance to the technician's previous stop, the reminder
-- the day before at the organization's time, held by quiet hours, and the thank-you after a
-- completed visit. An opted-out number is never texted, whichever path texts.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(20);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

update public.organizations set time_zone = 'America/Chicago'
where slug = 'tenant-a';
-- Only tenant A's visits are reminded here: the seeded organizations' visits of tomorrow were
-- reminded too once their own reminder time (17:00 UTC) had passed, and the counts below failed
-- every evening.
update public.messaging_settings set reminders_enabled = false
where organization_id <> tests.org_id('tenant-a');
update public.messaging_settings set sms_from = '+15550100001', quiet_hours_start = '00:00', quiet_hours_end = '00:00'
where organization_id = tests.org_id('tenant-a');
update public.customer_contacts set phone = '+1 555 010 7777', message_channels = 'both'
where organization_id = tests.org_id('tenant-a');
-- The technician's previous stop is 8.9 km away (0.08 degrees of latitude at Springfield).
update public.sites set location = extensions.st_setsrid(extensions.st_makepoint(-89.65, 39.88), 4326)::extensions.geography
where id = current_setting('tests.a_other_site')::uuid;
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values
(
  tests.org_id('tenant-a'), current_setting('tests.a_other_work_order')::uuid,
  tests.get_supabase_uid('a_technician'), now() - interval '2 hours', now() - interval '1 hour'
),
(
  tests.org_id('tenant-a'), current_setting('tests.a_work_order')::uuid, tests.get_supabase_uid('a_technician'),
  now() + interval '1 hour', now() + interval '2 hours'
);
select set_config('tests.a_visit', (
  select v.id::text from public.visits as v
  where v.work_order_id = current_setting('tests.a_work_order')::uuid
), true);
-- Local midnight may fall between the two visits: the previous stop counts on the same day only.
select set_config('tests.same_day', (
  ((now() - interval '2 hours') at time zone 'America/Chicago')::date
  = ((now() + interval '1 hour') at time zone 'America/Chicago')::date
)::text, true);

-- on my way --------------------------------------------------------------------------------------
select tests.authenticate_as('a_technician');
select public.start_visit_travel(current_setting('tests.a_visit')::uuid);
reset role;
select tests.clear_authentication();
select is(
  (
    select array_agg(c.channel || ' ' || c.address || ' ' || c.status order by c.channel)
    from public.communications as c
    where c.template = 'on_my_way'
  ),
  array['email pat@a.test queued', 'sms +15550107777 queued'],
  'On my way goes to the primary contact by both channels they chose'
);
select is(
  (
    select array_agg(j.kind order by j.kind) from queue.all_jobs as j
    where j.payload ->> 'message' = 'on_my_way'
  ),
  array['email.visit_message', 'sms.send'],
  'as a text and an email'
);
select is(
  (
    select
      (j.payload ->> 'technician_first_name') || ' '
      || round(
        extract(epoch from (j.payload ->> 'window_ends_at')::timestamptz - (j.payload ->> 'window_starts_at')::timestamptz) / 60
      )
    from queue.all_jobs as j
    where j.kind = 'sms.send'
  ),
  'A 30',
  'carrying the technician''s first name and a half-hour arrival window'
);
select ok(
  (
    select
      case
        when current_setting('tests.same_day')::boolean
          -- 8.9 km * 1.3 at 40 km/h: 18 minutes, rounded up to the next five.
          then lower(v.arrival_window) between now() + interval '18 minutes' and now() + interval '23 minutes'
        else lower(v.arrival_window) between now() + interval '30 minutes' and now() + interval '35 minutes'
      end
    from public.visits as v
    where v.id = current_setting('tests.a_visit')::uuid
  ),
  'The window starts after the drive from the previous stop of the day'
);
select tests.authenticate_as('a_technician');
select public.start_visit_travel(current_setting('tests.a_visit')::uuid);
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::integer from public.communications as c
    where c.template = 'on_my_way'
  ),
  2,
  'Setting off again (a phone retrying) tells nobody twice'
);
select is(
  (
    select count(*)::integer from queue.all_jobs as j
    where j.payload ->> 'message' = 'on_my_way'
  ),
  2,
  'and queues nothing more'
);

-- opted out --------------------------------------------------------------------------------------
insert into public.message_opt_outs (organization_id, channel, address, source)
values (tests.org_id('tenant-a'), 'sms', '+15550107777', 'keyword');
update public.messaging_settings set reminder_time = '00:00'
where organization_id = tests.org_id('tenant-a');
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values (
  tests.org_id('tenant-a'), current_setting('tests.a_work_order')::uuid, tests.get_supabase_uid('a_dispatcher'),
  ((now() at time zone 'America/Chicago')::date + 1 + time '10:00') at time zone 'America/Chicago',
  ((now() at time zone 'America/Chicago')::date + 1 + time '11:00') at time zone 'America/Chicago'
);
select set_config('tests.tomorrow_visit', (
  select v.id::text from public.visits as v
  where v.user_id = tests.get_supabase_uid('a_dispatcher')
), true);
select is(private.queue_visit_reminders(), 1, 'Tomorrow''s visit is reminded once its organization''s time has come');
select is(
  (
    select array_agg(c.channel || ' ' || c.status || ' ' || coalesce(c.error, '') order by c.channel)
    from public.communications as c
    where c.template = 'visit_reminder'
  ),
  array['email queued ', 'sms skipped The customer opted out of these messages'],
  'by email only: the number that texted STOP is logged as skipped, not texted'
);
select is(private.queue_visit_reminders(), 0, 'Running again reminds nobody twice');
select is(
  (
    select count(*)::integer from queue.all_jobs as j
    where j.kind = 'sms.send' and j.payload ->> 'message' = 'visit_reminder'
  ),
  0,
  'No text is queued to an opted-out number'
);
update public.visits set status = 'completed'
where id = current_setting('tests.tomorrow_visit')::uuid;
update public.messaging_settings set thank_you_enabled = true, review_url = 'https://reviews.example.test/acme'
where organization_id = tests.org_id('tenant-a');
update public.visits set status = 'completed'
where id = current_setting('tests.a_visit')::uuid;
select is(
  (
    select array_agg(c.channel || ' ' || c.status order by c.channel)
    from public.communications as c
    where c.template = 'thank_you'
  ),
  array['email queued', 'sms skipped'],
  'The thank-you after a completed visit skips the opted-out number too'
);
select ok(
  (
    select j.run_at >= now() + interval '1 hour' and j.payload ->> 'review_url' = 'https://reviews.example.test/acme'
    from queue.all_jobs as j
    where j.kind = 'email.visit_message' and j.payload ->> 'message' = 'thank_you'
  ),
  'an hour later, with the organization''s review link'
);

-- preferences and the sender number --------------------------------------------------------------
delete from public.message_opt_outs;
update public.customer_contacts set message_channels = 'none'
where organization_id = tests.org_id('tenant-a');
delete from public.communications
where template = 'visit_reminder';
select is(private.queue_visit_reminders(), 0, 'A contact who wants no reminders gets none');
update public.customer_contacts set message_channels = 'sms'
where organization_id = tests.org_id('tenant-a');
update public.visits set status = 'scheduled'
where id = current_setting('tests.tomorrow_visit')::uuid;
update public.messaging_settings set sms_from = null
where organization_id = tests.org_id('tenant-a');
select is(private.queue_visit_reminders(), 0, 'Without a sender number nothing is texted');
select is(
  (
    select c.error from public.communications as c
    where c.template = 'visit_reminder'
  ),
  'The organization has no sender number for texts',
  'and the log says why'
);

-- quiet hours ------------------------------------------------------------------------------------
update public.messaging_settings set quiet_hours_start = '21:00', quiet_hours_end = '08:00'
where organization_id = tests.org_id('tenant-a');
select results_eq(
  $$
    select (private.after_quiet_hours(tests.org_id('tenant-a'), t::timestamptz) at time zone 'America/Chicago')::text
    from unnest(array[
      '2026-12-07 23:00 America/Chicago', '2026-12-08 07:59 America/Chicago', '2026-12-08 12:00 America/Chicago',
      '2026-12-08 21:00 America/Chicago', '2026-12-31 22:30 America/Chicago'
    ]) with ordinality as u (t, n) order by n
  $$,
  $$values
    ('2026-12-08 08:00:00'), ('2026-12-08 08:00:00'), ('2026-12-08 12:00:00'), ('2026-12-09 08:00:00'),
    ('2027-01-01 08:00:00')$$,
  'A message queued at 23:00 waits until 08:00, in the organization''s time zone'
);
update public.messaging_settings set quiet_hours_start = '12:00', quiet_hours_end = '13:30'
where organization_id = tests.org_id('tenant-a');
select is(
  (private.after_quiet_hours(tests.org_id('tenant-a'), '2026-12-08 12:10 America/Chicago') at time zone 'America/Chicago')::text,
  '2026-12-08 13:30:00',
  'Quiet hours within a day work the same'
);
-- Late evening where the organization is (a fixed-offset zone where it is 22:00 now): a reminder
-- waits for the morning, and one for a visit less than an hour after that is not sent at all.
update public.organizations
set
  time_zone = (
    select case when h = 0 then 'Etc/GMT' when h <= 14 then 'Etc/GMT-' || h else 'Etc/GMT+' || (24 - h) end
    from (select (22 - extract(hour from now() at time zone 'UTC')::integer + 24) % 24 as h) as offsets
  )
where slug = 'tenant-a';
select set_config('tests.zone', (
  select o.time_zone from public.organizations as o
  where o.slug = 'tenant-a'
), true);
update public.messaging_settings
set sms_from = '+15550100001', quiet_hours_start = '21:00', quiet_hours_end = '08:00'
where organization_id = tests.org_id('tenant-a');
update public.visits
set
  starts_at
  = ((now() at time zone current_setting('tests.zone'))::date + 1 + time '10:00') at time zone current_setting('tests.zone'),
  ends_at
  = ((now() at time zone current_setting('tests.zone'))::date + 1 + time '11:00') at time zone current_setting('tests.zone')
where id = current_setting('tests.tomorrow_visit')::uuid;
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values (
  tests.org_id('tenant-a'), current_setting('tests.a_work_order')::uuid, tests.get_supabase_uid('a_admin'),
  ((now() at time zone current_setting('tests.zone'))::date + 1 + time '08:30') at time zone current_setting('tests.zone'),
  ((now() at time zone current_setting('tests.zone'))::date + 1 + time '09:00') at time zone current_setting('tests.zone')
);
delete from public.communications
where template = 'visit_reminder';
select is(
  private.queue_visit_reminders(), 1,
  'At 22:00 the 10:00 visit is reminded; the 08:30 one is not (the reminder could not go before 07:30)'
);
select is(
  (
    select (j.run_at at time zone current_setting('tests.zone'))::time
    from queue.all_jobs as j
    where j.kind = 'sms.send' and j.payload ->> 'message' = 'visit_reminder'
  ),
  time '08:00',
  'The reminder runs when quiet hours end, at 08:00 the organization''s time'
);
select is(
  (
    select count(*)::integer from public.communications as c
    where c.organization_id = tests.org_id('tenant-b')
  ),
  0,
  'Nothing of it reaches another organization''s log'
);

select * from finish();
rollback;
