-- Quotas that hold: emails, PDF documents and webhooks an organization causes are counted once
-- when their job is queued and refused with 402 over the plan's monthly limit when a person asks
-- through the API; what the law or the customer needs (invoices, inspection reports, a visit's
-- change, invitations) is counted and never refused. Storage is refused at upload with what is
-- used. Owners are told at 80% and 100%, once; they read their usage in organization_usage.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_estimates_and_invoices();

-- Tenant A is on a Pro plan with 5 documents, 10 emails and 1 MB here.
update public.plans set max_documents_per_month = 5, max_emails_per_month = 10, max_storage_mb = 1
where id = 'pro';
delete from public.usage_counters;
insert into public.usage_counters (organization_id, metric, period, value)
values (tests.org_id('tenant-a'), 'documents', date_trunc('month', now() at time zone 'UTC')::date, 3);

create function pg_temp.used(metric text) returns bigint
language sql
as $$
  select u.value from public.usage_counters as u
  where u.organization_id = tests.org_id('tenant-a') and u.metric = used.metric
$$;

-- A job counts once: a second enqueue with the same dedupe key is the same job.
select queue.enqueue('pdf.render', '{"document": {"type": "estimate"}}', tests.org_id('tenant-a'), 'tests:once');
select queue.enqueue('pdf.render', '{"document": {"type": "estimate"}}', tests.org_id('tenant-a'), 'tests:once');
select is(pg_temp.used('documents'), 4::bigint, 'A queued job counts once, not per enqueue of its dedupe key');
select is(
  (
    select count(*)::int from public.notifications
    where kind = 'billing.usage_high' and user_id = tests.get_supabase_uid('a_owner')
  ),
  1,
  'At 80% the owner is told'
);

select queue.enqueue('pdf.render', '{"document": {"type": "estimate"}}', tests.org_id('tenant-a'));
select is(pg_temp.used('documents'), 5::bigint, 'The fifth document is the last one included');
select is(
  (
    select count(*)::int from public.notifications
    where kind = 'billing.usage_used_up'
  ),
  1,
  'At 100% the owner is told, once'
);
select is(
  (
    select count(*)::int from public.notifications
    where kind = 'billing.usage_high'
  ),
  1,
  'The 80% notice is not repeated'
);

-- Over the limit, a person's request through the API is refused with 402 and the reason.
update public.estimates set status = 'draft'
where id = current_setting('tests.a_estimate')::uuid;
select is(
  tests.outcome_as('a_owner', 'select public.send_estimate({a_estimate})', true),
  'PT402: The Pro plan includes 5 PDF documents a month; 5 used this month',
  'Sending an estimate over the monthly documents is refused with 402'
);
select is(pg_temp.used('documents'), 5::bigint, 'A refused job is not counted');
-- (Each outcome_as is rolled back: the invoice below is not counted either.)
select is(
  tests.outcome_as('a_owner', 'select 1 from public.send_invoice({a_draft_invoice})'),
  '1 row',
  'An invoice is what the customer and the law need: never refused'
);
select queue.enqueue('pdf.render', '{"document": {"type": "estimate"}}', tests.org_id('tenant-a'));
select is(
  pg_temp.used('documents'),
  6::bigint,
  'What the schedule or the worker queues over the limit is counted, not refused'
);

-- Webhooks over the limit are not delivered; the change that caused them goes through.
update public.plans set max_webhooks_per_month = 1
where id = 'pro';
insert into public.webhook_endpoints (organization_id, url, event_types)
values
(tests.org_id('tenant-a'), 'https://hooks.example.com/one', '{*}'),
(tests.org_id('tenant-a'), 'https://hooks.example.com/two', '{*}');
select private.emit_webhook_event(tests.org_id('tenant-a'), 'customer.created', '{}');
select is(
  (
    select count(*)::int from queue.all_jobs
    where kind = 'webhook.deliver' and organization_id = tests.org_id('tenant-a')
  ),
  1,
  'One webhook delivery left this month: one endpoint gets it'
);
select private.emit_webhook_event(tests.org_id('tenant-a'), 'customer.created', '{}');
select is(
  (
    select count(*)::int from queue.all_jobs
    where kind = 'webhook.deliver' and organization_id = tests.org_id('tenant-a')
  ),
  1,
  'Then none'
);

-- Storage: an upload through Storage (the user's JWT) past the plan is refused with what is used.
insert into storage.objects (bucket_id, name, metadata)
values ('documents', tests.org_id('tenant-a') || '/invoice/old.pdf', '{"size": 900000}');
select is(
  (
    select bytes from private.storage_usage
    where organization_id = tests.org_id('tenant-a')
  ),
  900000::bigint,
  'Storage counts the bytes each organization keeps'
);
select is(
  tests.outcome_as(
    'a_dispatcher',
    format(
      'insert into storage.objects (bucket_id, name, metadata) values (''attachments'', %L, ''{"size": 200000}'') returning 1',
      tests.org_id('tenant-a') || '/work_orders/' || current_setting('tests.a_work_order') || '/photo.jpg'
    ),
    true
  ),
  'PT402: The Pro plan includes 1 MB; 0.9 MB used',
  'An upload past the plan''s storage is refused with 402 and what is used'
);
select is(
  tests.outcome_as(
    'b_owner',
    format(
      'insert into storage.objects (bucket_id, name, metadata) values (''attachments'', %L, ''{"size": 200000}'') returning 1',
      tests.org_id('tenant-a') || '/work_orders/' || current_setting('tests.a_work_order') || '/photo.jpg'
    ),
    true
  ),
  '42501: new row violates row-level security policy for table "objects"',
  'An outsider''s upload into the folder is refused by RLS, and learns nothing of the plan or its usage'
);
select is(
  tests.outcome_as(
    'a_dispatcher',
    format(
      'insert into storage.objects (bucket_id, name, metadata) values (''attachments'', %L, ''{"size": 90000}'') returning 1',
      tests.org_id('tenant-a') || '/work_orders/' || current_setting('tests.a_work_order') || '/photo.jpg'
    )
  ),
  '1 row',
  'An upload within the plan is stored'
);
delete from storage.objects
where name = tests.org_id('tenant-a') || '/invoice/old.pdf';
select is(
  (
    select bytes from private.storage_usage
    where organization_id = tests.org_id('tenant-a')
  ),
  0::bigint,
  'Deleting frees the space'
);

select tests.authenticate_as('a_owner');
select results_eq(
  $$select metric, used, included from public.organization_usage
    where organization_id = current_setting('tests.org_a')::uuid order by metric$$,
  $$values
    ('documents', 6::bigint, 5::bigint), ('emails', 0::bigint, 10::bigint),
    ('members', 5::bigint, 50::bigint), ('storage_mb', 0::bigint, 1::bigint),
    ('technicians', 1::bigint, 30::bigint), ('webhooks', 1::bigint, 1::bigint)$$,
  'Owners read their usage against the plan in one view'
);

select * from finish();
rollback;
