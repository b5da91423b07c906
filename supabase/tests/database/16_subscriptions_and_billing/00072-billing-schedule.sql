-- The billing schedule (pg_cron, hourly: private.run_billing_schedule) with the clock moved:
-- trial reminders 7 and 1 day(s) before, sent once each; a trial that ends without a subscription
-- leaves the organization trial_expired (read-only, its jobs wait) until staff extend it or it
-- subscribes; past_due past the plan's grace period is suspended for non-payment; a cancelled
-- organization gets purge notices 14 and 1 day(s) before, then its purge job, unless held.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(29);
select tests.create_two_organizations();
select tests.create_supabase_user('staff_billing', 'staff_billing@tests.fieldbase.test');
insert into private.platform_staff (user_id, role) values (tests.get_supabase_uid('staff_billing'), 'billing');

select is(
  (
    select count(*)::int from cron.job
    where jobname = 'fieldbase-billing' and command = 'select private.run_billing_schedule()'
  ),
  1,
  'pg_cron runs the billing schedule'
);

-- Nobody else's trial or dunning in the way (a seeded database has its own organizations).
update public.organizations set status = 'active', trial_ends_at = null
where slug not in ('tenant-a', 'tenant-b');
-- Tenant A is on a trial ending in 10 days; Tenant B pays and is past due since today.
update public.organizations set plan_id = 'trial', status = 'trialing', trial_ends_at = now() + interval '10 days'
where slug = 'tenant-a';
update public.organizations set
  plan_id = 'starter', status = 'past_due', stripe_customer_id = 'cus_b',
  stripe_subscription_id = 'sub_b'
where slug = 'tenant-b';
create function pg_temp.notice_emails(notice text) returns integer
language sql
as $$
  select count(*)::int from queue.all_jobs as j
  where j.kind = 'email.account_notice' and j.payload ->> 'notice' = notice
$$;

select
  is(
    private.run_billing_schedule(now() + interval '2 days') ->> 'trial_reminders', '0', 'Eight days before the end: nothing yet'
  );
select
  is(
    private.run_billing_schedule(now() + interval '3 days 1 hour') ->> 'trial_reminders', '1', 'Seven days before: the reminder'
  );
select is(private.run_billing_schedule(now() + interval '4 days') ->> 'trial_reminders', '0', 'Six days before: not again');
select
  is(
    private.run_billing_schedule(now() + interval '9 days 1 hour') ->> 'trial_reminders', '1', 'The day before: the last reminder'
  );
select is(private.run_billing_schedule(now() + interval '9 days 12 hours') ->> 'trial_reminders', '0', 'Hours later: not again');
select is(pg_temp.notice_emails('trial_ending'), 2, 'Two trial reminders to the owner, one each');
select is(
  (
    select j.payload ->> 'to' from queue.all_jobs as j
    where j.kind = 'email.account_notice'
    order by j.id limit 1
  ),
  'a_owner@tests.fieldbase.test',
  'Reminders go to the owners'
);
select is(
  (
    select count(*)::int from queue.all_jobs as j
    where j.kind = 'email.account_notice' and j.organization_id is not null
  ),
  0,
  'Lifecycle emails are platform jobs: they go out while the organization''s own jobs wait'
);

-- The trial ends.
select is(private.run_billing_schedule(now() + interval '10 days 1 hour') ->> 'trials_expired', '1', 'The trial ends');
select
  is((
    select status::text from public.organizations
    where slug = 'tenant-a'
  ), 'trial_expired', 'The organization is trial_expired');
select is(pg_temp.notice_emails('trial_ended'), 1, 'The owner is told, once');
select is(private.run_billing_schedule(now() + interval '11 days') ->> 'trials_expired', '0', 'Not twice');

select tests.authenticate_as('a_owner');
select throws_ok(
  $$insert into public.customers (organization_id, name) values (current_setting('tests.org_a')::uuid, 'New customer')$$,
  '42501', 'Organization "Tenant A" is trial expired: its data is read-only',
  'A trial-expired organization is read-only for its members'
);
reset role;
select tests.clear_authentication();

select queue.enqueue('test.noop', '{}'::jsonb, tests.org_id('tenant-a'));
select is(
  (select count(*)::int from queue.claim('w', array['test.noop'], 10, interval '60 seconds')),
  0,
  'Its jobs wait'
);

-- Billing staff extend it: trialing again, and its jobs run.
select tests.authenticate_as('staff_billing', 'aal2');
select is(
  (select status::text from public.extend_trial(current_setting('tests.org_a')::uuid, 14, 'Asked for two more weeks')),
  'trialing',
  'Staff extend the trial, with a reason'
);
reset role;
select tests.clear_authentication();
select is(
  (select count(*)::int from queue.claim('w', array['test.noop'], 10, interval '60 seconds')),
  1,
  'Its jobs run again'
);
select is(
  (
    select s.reason from private.staff_actions as s
    where s.action = 'extend_trial'
  ),
  'Asked for two more weeks',
  'The staff action is recorded with its reason'
);

-- Dunning: Starter's grace period is 14 days from the failed payment.
update public.organizations set past_due_since = now()
where slug = 'tenant-b';
select is(private.run_billing_schedule(now() + interval '13 days') ->> 'suspended', '0', 'Within the grace period it works');
select is(private.run_billing_schedule(now() + interval '14 days 1 minute') ->> 'suspended', '1', 'After it, suspended');
select is(
  (
    select status::text || '/' || suspended_for from public.organizations
    where slug = 'tenant-b'
  ),
  'suspended/non_payment',
  'Suspended for non-payment'
);

-- Retention: cancelled now, purged after Starter's 60 days, with notices 14 and 1 day(s) before.
update public.organizations set status = 'cancelled'
where slug = 'tenant-b';
select is(
  (
    select
      (private.run_billing_schedule(now() + interval '47 days') ->> 'purge_notices')
      || (private.run_billing_schedule(now() + interval '47 days 1 hour') ->> 'purge_notices')
      || (private.run_billing_schedule(now() + interval '59 days 1 hour') ->> 'purge_notices')
  ),
  '101',
  'Purge notices 14 and 1 day(s) before, once each'
);
select is(
  private.run_billing_schedule(now() + interval '60 days 1 hour') ->> 'purges_queued', '1',
  'After the retention period the purge is queued'
);
select is(
  (
    select count(*)::int from queue.all_jobs
    where kind = 'organization.purge' and payload ->> 'organization_id' = tests.org_id('tenant-b')::text
  ),
  1,
  'One purge job, for that organization'
);

-- A purge held by staff is not queued.
select queue.cancel_jobs(
  array(
    select id from queue.job_queue
    where kind = 'organization.purge'
  ), '{queued,retrying,running}'
);
update public.organizations set purge_held_by = tests.get_supabase_uid('staff_billing'), purge_hold_reason = 'Dispute'
where slug = 'tenant-b';
select is(
  (private.run_billing_schedule(now() + interval '61 days') ->> 'purges_queued'),
  '0',
  'A held purge waits'
);

-- A trial that expired ends when the organization subscribes.
update public.organizations set status = 'trial_expired', stripe_customer_id = 'cus_a'
where slug = 'tenant-a';
update public.plans set stripe_price_yearly = 'price_test_pro_y'
where id = 'pro';
select is(
  queue.apply_subscription(
    tests.org_id('tenant-a'),
    jsonb_build_object(
      'id', 'sub_a', 'customer', 'cus_a', 'status', 'active', 'cancel_at_period_end', false,
      'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object(
        'price', jsonb_build_object('id', 'price_test_pro_y'), 'current_period_end', 1900000000
      )))
    ),
    now()
  ),
  'applied: active on plan pro',
  'Subscribing makes a trial-expired organization active, on the plan it bought'
);
select is(
  (
    select plan_id || '/' || billing_interval from public.organizations
    where slug = 'tenant-a'
  ),
  'pro/year',
  'Its plan and interval come from the Stripe price'
);
select is(pg_temp.notice_emails('subscription_confirmed'), 1, 'The owner is told');

-- A new organization's owner is welcomed, once.
select tests.authenticate_as('outsider');
select public.create_organization('Brand New Testers');
reset role;
select tests.clear_authentication();
select is(
  (
    select j.payload ->> 'to' from queue.all_jobs as j
    where j.kind = 'email.account_notice' and j.payload ->> 'notice' = 'welcome'
  ),
  'outsider@tests.fieldbase.test',
  'A new organization''s owner gets the welcome email'
);

select * from finish();
rollback;
