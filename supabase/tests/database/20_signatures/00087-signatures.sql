-- Signatures as every actor: the customer signs completed work on the technician's phone (the
-- technician on the work or the office records it) and the estimate they approved (in the portal
-- or with the office). The image must be uploaded to the subject's folder first; a retry answers
-- the same signature; nobody signs another organization's work or estimate; the signed PDF is
-- queued with the signature, and the test report of that work prints it too.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();

update public.work_orders set status = 'dispatched'
where id = current_setting('tests.a_work_order')::uuid;
update public.work_orders set status = 'in_progress'
where id = current_setting('tests.a_work_order')::uuid;
select
  set_config(
    'tests.wo_image',
    tests.org_id('tenant-a') || '/work_orders/' || current_setting('tests.a_work_order') || '/signature.png',
    true
  );
select
  set_config(
    'tests.estimate_image',
    tests.org_id('tenant-a') || '/estimates/' || current_setting('tests.a_estimate') || '/signature.png',
    true
  );
insert into storage.objects (bucket_id, name) values ('attachments', current_setting('tests.wo_image'));

select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.sign_work_order({a_work_order}, ''Pat Manager'', '
    || quote_literal(current_setting('tests.wo_image')) || ')'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '42501'),
    ('b_owner', 'PT404'), ('staff', 'PT404'), ('service_role', '42501')$$,
  'The technician on the work or the office records the customer''s signature'
);
select is(
  tests.outcome_as(
    'a_owner',
    'select 1 from public.sign_work_order({a_work_order}, ''Pat'', '
    || quote_literal(tests.org_id('tenant-a') || '/work_orders/' || current_setting('tests.a_work_order') || '/missing.png')
    || ')',
    true
  ),
  'PT404: Upload the signature image before recording the signature',
  'The image is uploaded first'
);
select is(
  tests.outcome_as(
    'a_owner',
    'select 1 from public.sign_work_order({a_work_order}, ''Pat'', '
    || quote_literal(tests.org_id('tenant-b') || '/work_orders/x/signature.png') || ')'
  ),
  '22023',
  'and lives in the work order''s own folder'
);
select is(
  tests.outcome_as('a_owner', 'select 1 from public.sign_work_order({a_work_order}, ''  '', ''x.png'')', true),
  '22023: A signature needs the signer''s name (200 characters at most)',
  'A signature has a name'
);
select is(
  tests.outcome_as(
    'a_technician',
    'select 1 from public.sign_work_order({a_other_work_order}, ''Pat'', '
    || quote_literal(current_setting('tests.wo_image')) || ')'
  ),
  'PT404',
  'A technician cannot sign for work that is not theirs'
);

select tests.authenticate_as('a_technician', 'aal1', '{"x-forwarded-for": "6.6.6.6, 203.0.113.7"}');
select public.sign_work_order(current_setting('tests.a_work_order')::uuid, ' Pat Manager ', current_setting('tests.wo_image'));
select
  set_config(
    'tests.retry',
    (
      public.sign_work_order(current_setting('tests.a_work_order')::uuid, 'Pat Manager', current_setting('tests.wo_image'))
    ).id::text,
    true
  );
reset role;
select tests.clear_authentication();
select is(
  (
    select s.signer_name || ' ' || s.client_address || ' ' || (s.signed_by = tests.get_supabase_uid('a_technician'))::text
    from public.signatures as s
    where s.work_order_id = current_setting('tests.a_work_order')::uuid
  ),
  'Pat Manager 203.0.113.7 true',
  'The signature keeps the name, who recorded it and the address the gateway saw (not the hop the client wrote)'
);
select is(
  current_setting('tests.retry'),
  (
    select s.id::text from public.signatures as s
    where s.work_order_id = current_setting('tests.a_work_order')::uuid
  ),
  'A phone retrying gets the same signature'
);
select is(
  tests.outcome_as(
    'a_dispatcher',
    'select 1 from public.sign_work_order({a_work_order}, ''Someone Else'', '
    || quote_literal(current_setting('tests.wo_image')) || ')'
  ),
  'PT409',
  'Another signature on signed work is refused'
);
select is(
  (
    select j.payload -> 'document' -> 'signature' ->> 'signer_name'
    from queue.all_jobs as j
    where j.dedupe_key = 'work_order_signed:' || current_setting('tests.a_work_order')
  ),
  'Pat Manager',
  'The signed work order PDF is queued with the signature'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.signatures where work_order_id = {a_work_order}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'A work order''s signature is read as the work order is'
);

-- the test report of that work prints it ---------------------------------------------------------
select is(
  private.signature_document(current_setting('tests.a_work_order')::uuid, null) ->> 'image_path',
  current_setting('tests.wo_image'),
  'The report of the signed work carries the signature to its PDF'
);

-- estimates ---------------------------------------------------------------------------------------
select is(
  tests.outcome_as(
    'portal_x',
    format(
      'insert into storage.objects (bucket_id, name) values (''attachments'', %L) returning 1',
      current_setting('tests.estimate_image')
    )
  ),
  '42501',
  'An estimate that is not approved takes no signature image'
);
-- The customer approves on site, on the technician's phone.
select tests.authenticate_as('a_technician');
select public.approve_estimate(current_setting('tests.a_estimate')::uuid, current_setting('tests.a_estimate_good')::uuid);
reset role;
select tests.clear_authentication();
select is(
  (
    select e.status::text || ', ' || e.decided_by_name from public.estimates as e
    where e.id = current_setting('tests.a_estimate')::uuid
  ),
  'approved, On site with A Technician',
  'The technician on the customer''s work records the customer''s approval on site'
);
select results_eq(
  $$select a, tests.outcome_as(a, format(
      'insert into storage.objects (bucket_id, name) values (''attachments'', %L) returning 1',
      current_setting('tests.estimate_image')
    )) from unnest(array['portal_x', 'portal_y', 'a_dispatcher', 'a_technician', 'b_owner']) as a$$,
  $$values
    ('portal_x', '1 row'), ('portal_y', '42501'), ('a_dispatcher', '1 row'), ('a_technician', '1 row'),
    ('b_owner', '42501')$$,
  'The customer in the portal, on the technician''s phone or with the office uploads the signature of an approved estimate'
);
insert into storage.objects (bucket_id, name) values ('attachments', current_setting('tests.estimate_image'));
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.sign_estimate({a_estimate}, ''Pat Manager'', '
    || quote_literal(current_setting('tests.estimate_image')) || ')',
    tests.actors_with_portal()
  )$$,
  $$values
    ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', 'PT404'),
    ('b_owner', 'PT404'), ('staff', 'PT404'), ('service_role', '42501'),
    ('portal_x', '1 row'), ('portal_y', 'PT404'), ('portal_b', 'PT404')$$,
  'and signs it; nobody else learns it exists'
);
select tests.authenticate_as('portal_x');
select public.sign_estimate(current_setting('tests.a_estimate')::uuid, 'Pat Manager', current_setting('tests.estimate_image'));
reset role;
select tests.clear_authentication();
select is(
  (
    select j.payload -> 'document' ->> 'type' || ' ' || (j.payload -> 'document' -> 'signature' ->> 'signer_name')
    from queue.all_jobs as j
    where j.dedupe_key = 'estimate_signed:' || current_setting('tests.a_estimate')
  ),
  'estimate Pat Manager',
  'The estimate PDF is rendered again with the signature'
);
select results_eq(
  $$select a, tests.outcome_as(a, 'select 1 from public.signatures where estimate_id = {a_estimate}')
    from unnest(array['portal_x', 'portal_y', 'a_viewer', 'a_technician', 'b_owner']) as a$$,
  $$values
    ('portal_x', '1 row'), ('portal_y', '0 rows'), ('a_viewer', '1 row'), ('a_technician', '1 row'),
    ('b_owner', '0 rows')$$,
  'An estimate''s signature is read as the estimate is'
);

select * from finish();
rollback;
