-- Customer messages as every actor: members read their organization's messaging settings and
-- owners and admins change them, never the sender number (the platform's); the office reads and
-- records opt-outs, nobody lifts one through the API; the office reads the communications log, a
-- technician only the messages of their assigned work's customers; "on my way" is the visit's
-- technician's or the office's, in a writable organization, and reveals nothing elsewhere.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

update public.messaging_settings set sms_from = '+15550100001'
where organization_id = tests.org_id('tenant-a');
update public.customer_contacts set phone = '+15550107777', message_channels = 'both'
where organization_id = tests.org_id('tenant-a');
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values
(
  tests.org_id('tenant-a'), current_setting('tests.a_work_order')::uuid, tests.get_supabase_uid('a_technician'),
  now() + interval '2 hours', now() + interval '3 hours'
),
(
  tests.org_id('tenant-a'), current_setting('tests.a_other_work_order')::uuid,
  tests.get_supabase_uid('a_dispatcher'), now() + interval '2 hours', now() + interval '3 hours'
);
select set_config('tests.a_visit', (
  select v.id::text from public.visits as v
  where v.work_order_id = current_setting('tests.a_work_order')::uuid
), true);
select set_config('tests.a_other_visit', (
  select v.id::text from public.visits as v
  where v.work_order_id = current_setting('tests.a_other_work_order')::uuid
), true);
insert into public.communications (organization_id, customer_id, channel, template, address, status)
values
(tests.org_id('tenant-a'), current_setting('tests.a_customer')::uuid, 'email', 'invoice_sent', 'pat@a.test', 'sent'),
(tests.org_id('tenant-a'), current_setting('tests.a_other_customer')::uuid, 'sms', 'visit_reminder', '+15550108888', 'sent'),
(tests.org_id('tenant-b'), current_setting('tests.b_customer')::uuid, 'email', 'invoice_sent', 'pat@b.test', 'sent');
insert into public.message_opt_outs (organization_id, channel, address, source)
values (tests.org_id('tenant-a'), 'sms', '+15550108888', 'keyword');

-- settings ---------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.messaging_settings where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members read their organization''s messaging settings'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.messaging_settings set reminder_time = ''18:30'' where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins change them'
);
select results_eq(
  $$select * from tests.access_matrix(
    'update public.messaging_settings set sms_from = ''+15550100002'' where organization_id = {a} returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row')$$,
  'but never the sender number: the platform assigns it'
);
select is(
  tests.outcome_as(
    'a_owner',
    'update public.messaging_settings set review_url = ''javascript:alert(1)'' where organization_id = {a} returning 1'
  ),
  '23514',
  'A review link is an https URL'
);
select is(
  tests.outcome_as(
    'b_owner',
    'update public.messaging_settings set sms_from = null where organization_id = {b} returning 1'
  ),
  '42501',
  'nor can an owner drop their number to take another''s'
);

-- opt-outs ---------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.message_opt_outs where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '1 row')$$,
  'The office reads the opt-outs'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.message_opt_outs (organization_id, channel, address)'
    ' values ({a}, ''sms'', ''+1 (555) 010-9999'') returning address'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers record one on the customer''s word'
);
select results_eq(
  $$select * from tests.access_matrix('delete from public.message_opt_outs where organization_id = {a} returning 1')$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501')$$,
  'Nobody lifts an opt-out through the API: only the customer does (START)'
);
select is(
  tests.outcome_as(
    'a_owner',
    'insert into public.message_opt_outs (organization_id, channel, address, source)'
    ' values ({a}, ''sms'', ''+15550106666'', ''keyword'') returning 1'
  ),
  '42501',
  'and the office cannot claim the customer texted STOP'
);

-- the communications log -------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.communications where organization_id = {a}')$$,
  $$values
    ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '1 row'), ('a_viewer', '2 rows'),
    ('b_owner', '0 rows'), ('staff', '0 rows'), ('service_role', '2 rows')$$,
  'The office reads the communications log; a technician only their assigned work''s customers'''
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.communications (organization_id, channel, address) values ({a}, ''sms'', ''+15550101234'') returning 1'
  )$$,
  $$values
    ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'),
    ('b_owner', '42501'), ('staff', '42501'), ('service_role', '42501')$$,
  'Only the database and the worker write it'
);

-- on my way --------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.start_visit_travel({a_visit})')$$,
  $$values
    ('anon', '42501'), ('outsider', 'PT404'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '42501'),
    ('b_owner', 'PT404'), ('staff', 'PT404'), ('service_role', '42501')$$,
  'The visit''s technician or the office sets off; another organization learns nothing'
);
select is(
  tests.outcome_as('a_technician', 'select 1 from public.start_visit_travel({a_other_visit})'),
  'PT404',
  'A technician cannot start another technician''s visit'
);
select is(
  tests.outcome_as('b_owner', 'select 1 from public.start_visit_travel(''00000000-0000-4000-8000-000000000000'')'),
  'PT404',
  'and a visit that does not exist answers the same'
);
update public.visits set status = 'completed'
where id = current_setting('tests.a_other_visit')::uuid;
select is(
  tests.outcome_as('a_dispatcher', 'select 1 from public.start_visit_travel({a_other_visit})', true),
  'PT409: This visit is completed: only a scheduled or confirmed visit can be started',
  'A finished visit is not started again'
);
update public.organizations set require_mfa = true
where slug = 'tenant-a';
select is(
  tests.outcome_as('a_technician', 'select 1 from public.start_visit_travel({a_visit})'),
  '1 row',
  'Setting off is not a sensitive action: an aal1 session does it where MFA is required'
);
update public.organizations set status = 'suspended', suspended_for = 'staff', require_mfa = false
where slug = 'tenant-a';
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.start_visit_travel({a_visit})', array['a_owner', 'a_technician']
  )$$,
  $$values ('a_owner', '42501'), ('a_technician', '42501')$$,
  'A suspended organization tells its customers nothing'
);

select * from finish();
rollback;
