-- Who may see and do what with the worker's outputs through the API: background jobs and
-- retrying them, documents and their stored files, webhook endpoints, secrets and deliveries.
-- Same actors and notation as 00020 (a SQLSTATE is a refusal; PT404 hides other tenants' rows;
-- service_role may call RPCs, as on Supabase, but has no user, so nothing is its own).
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(15);
select tests.create_two_organizations();

-- Fixtures, written as the schema owner before acting as anyone: a dead and a succeeded job in
-- A, a dead job in B, two documents and a stored file in A, an endpoint with one delivery in A.
insert into queue.job_history (id, organization_id, kind, status, attempts, finished_at)
values
(900001, current_setting('tests.org_a')::uuid, 'email.invoice_sent', 'dead', 10, now()),
(900002, current_setting('tests.org_a')::uuid, 'email.invoice_sent', 'succeeded', 1, now()),
(900003, current_setting('tests.org_b')::uuid, 'email.invoice_sent', 'dead', 10, now());

select queue.record_document(
  current_setting('tests.org_a')::uuid, 'invoice', 'Invoice 1', current_setting('tests.org_a')::uuid::text || '/invoice/1.pdf',
  1000, repeat('a', 64), 1
);
select queue.record_document(
  current_setting('tests.org_a')::uuid,
  'work_order',
  'Work order 1',
  current_setting('tests.org_a')::uuid::text || '/work_order/1.pdf',
  1000, repeat('b', 64), 1
);
insert into storage.objects (bucket_id, name)
values ('documents', current_setting('tests.org_a')::uuid::text || '/invoice/1.pdf');

insert into public.webhook_endpoints (id, organization_id, url)
values ('e0000000-0000-4000-8000-00000000000a', current_setting('tests.org_a')::uuid, 'https://hooks.example.com/a');
insert into private.webhook_secrets (endpoint_id, secret)
values ('e0000000-0000-4000-8000-00000000000a', private.new_webhook_secret());
select queue.record_webhook_attempt(
  'e0000000-0000-4000-8000-00000000000a', 'msg_1', 'webhook.test', null, 1, true, 200, 12, 'ok', null
);

-- background jobs ------------------------------------------------------------------------

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.background_jobs'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '2 rows'),
    ('a_admin', '2 rows'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '1 row'),
    ('staff', '0 rows'),
    ('service_role', '42501')$$,
  'Owners and admins see their organization''s background jobs'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.retry_job(900001)'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'),
    ('a_technician', 'PT404'),
    ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'Owners and admins retry their organization''s dead jobs; others are told it does not exist'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.retry_job(900002)'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', 'PT409'),
    ('a_admin', 'PT409'),
    ('a_dispatcher', 'PT404'),
    ('a_technician', 'PT404'),
    ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'Only dead jobs can be retried'
);

-- documents --------------------------------------------------------------------------------

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.documents where organization_id = {a}'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '2 rows'),
    ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '2 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '2 rows')$$,
  'Members read their documents; technicians only their own work''s (00068), none of these'
);

select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.documents (organization_id, kind, title, storage_path, size_bytes, sha256, page_count) values ({a}, ''invoice'', ''x'', {a}::text || ''/invoice/x.pdf'', 1, repeat(''0'', 64), 1) returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Only the worker records documents'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from storage.objects where bucket_id = ''documents'''
  )$$,
  $$values
    ('anon', '0 rows'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'),
    ('a_technician', '0 rows'),
    ('a_viewer', '1 row'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Members other than technicians download their organization''s stored documents'
);

-- webhooks ---------------------------------------------------------------------------------

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.webhook_endpoints'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins read their webhook endpoints'
);

select results_eq(
  $$select * from tests.access_matrix(
    'update public.webhook_endpoints set description = ''changed'' returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '42501')$$,
  'Owners and admins change their webhook endpoints'
);

select results_eq(
  $$select * from tests.access_matrix(
    'delete from public.webhook_endpoints returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '42501')$$,
  'Owners and admins remove their webhook endpoints'
);

select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.webhook_endpoints (organization_id, url) values ({a}, ''https://x.example'') returning 1'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Endpoints are created only through create_webhook_endpoint, which returns the secret'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select * from public.create_webhook_endpoint({a}, ''https://hooks.example.com/fieldbase'')'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Owners and admins add webhook endpoints'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.send_test_webhook(''e0000000-0000-4000-8000-00000000000a''::uuid)'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'),
    ('a_technician', 'PT404'),
    ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'Owners and admins send test events to their endpoints'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select public.rotate_webhook_secret(''e0000000-0000-4000-8000-00000000000a''::uuid)'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', 'PT404'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', 'PT404'),
    ('a_technician', 'PT404'),
    ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'),
    ('staff', 'PT404'),
    ('service_role', '42501')$$,
  'Owners and admins rotate their endpoints'' secrets'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.webhook_deliveries'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '0 rows'),
    ('a_owner', '1 row'),
    ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'),
    ('a_technician', '0 rows'),
    ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'),
    ('staff', '0 rows'),
    ('service_role', '1 row')$$,
  'Owners and admins read their delivery log'
);

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from private.webhook_secrets'
  )$$,
  $$values
    ('anon', '42501'),
    ('outsider', '42501'),
    ('a_owner', '42501'),
    ('a_admin', '42501'),
    ('a_dispatcher', '42501'),
    ('a_technician', '42501'),
    ('a_viewer', '42501'),
    ('b_owner', '42501'),
    ('staff', '42501'),
    ('service_role', '42501')$$,
  'Nobody reads signing secrets back'
);

select * from finish();
rollback;
