-- Work orders: who sees and does what (technicians only their assigned work, and its customer,
-- site and assemblies), gap-free numbers, the status machine and who may move it, credentials.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(27);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

-- Who sees which work --------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.work_orders where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '1 row'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows')$$,
  'Members read their organization''s work orders; a technician only the one assigned to them'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select c.id from public.customers as c where c.organization_id = {a}
     union all select s.id from public.sites as s where s.organization_id = {a}
     union all select a.id from public.assemblies as a where a.organization_id = {a}
     union all select k.id from public.customer_contacts as k where k.organization_id = {a}'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '7 rows'), ('a_admin', '7 rows'),
    ('a_dispatcher', '7 rows'), ('a_technician', '4 rows'), ('a_viewer', '7 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '7 rows')$$,
  'A technician reads the customer, site, assembly and contact of their work, and nothing else'
);
select tests.authenticate_as('a_technician');
select is_empty(
  format(
    'select from public.customers where id = %L union all select from public.sites where id = %L',
    current_setting('tests.a_other_customer'), current_setting('tests.a_other_site')
  ),
  'A technician does not read the customers and sites of work assigned to others'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.work_orders (organization_id, customer_id, site_id, title)
     values ({a}, {a_customer}, {a_site}, ''New job'') returning number'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers create work orders'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.work_order_assignments (organization_id, work_order_id, user_id)
     values ({a}, {a_other_work_order}, {a_technician}) returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers assign work'
);

-- Composite keys -----------------------------------------------------------------------------------
select throws_ok(
  format(
    'insert into public.work_orders (organization_id, customer_id, site_id, title) values (%L, %L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_customer'), current_setting('tests.a_other_site'), 'x'
  ),
  '23503', null,
  'A work order''s site must be its customer''s'
);
select throws_ok(
  format(
    'insert into public.work_order_assignments (organization_id, work_order_id, user_id) values (%L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_work_order'), current_setting('tests.uid_b_technician')
  ),
  '23503', null,
  'Work cannot be assigned to someone who is not a member of the organization'
);
select throws_ok(
  format(
    'insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id) values (%L, %L, %L)',
    current_setting('tests.org_b'), current_setting('tests.b_work_order'), current_setting('tests.a_assembly')
  ),
  '23503', null,
  'A work order cannot cover another organization''s assembly'
);

-- Numbers ---------------------------------------------------------------------------------------------
select results_eq(
  $$select number from public.work_orders where organization_id = current_setting('tests.org_a')::uuid order by number$$,
  array[1::bigint, 2::bigint],
  'Work orders are numbered 1, 2, ... per organization'
);
-- An insert that is rolled back (here: its subtransaction).
do $$
begin
  insert into public.work_orders (organization_id, customer_id, site_id, title)
  values (
    current_setting('tests.org_a')::uuid, current_setting('tests.a_customer')::uuid,
    current_setting('tests.a_site')::uuid, 'Lost'
  );
  raise exception using errcode = 'TSTOK';
exception when sqlstate 'TSTOK' then
  null;
end
$$;
with kept as (
  insert into public.work_orders (organization_id, customer_id, site_id, title, number)
  values (
    current_setting('tests.org_a')::uuid, current_setting('tests.a_customer')::uuid,
    current_setting('tests.a_site')::uuid, 'Kept', 999
  )
  returning number
)

select is(
  (select number from kept),
  3::bigint,
  'A rolled-back insert leaves no gap, and the number is the database''s, whatever is sent'
);
select is(
  (
    select number from public.work_orders
    where id = current_setting('tests.b_work_order')::uuid
  ),
  1::bigint,
  'Each organization counts on its own'
);

-- The status machine ----------------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select throws_ok(
  format('select public.move_work_order(%L, %L)', current_setting('tests.a_other_work_order'), 'completed'),
  'PT409', 'A work order cannot go from draft to completed',
  'An illegal move is refused with a clear error'
);
select throws_ok(
  format('update public.work_orders set status = %L where id = %L', 'cancelled', current_setting('tests.a_work_order')),
  '42501', null,
  'Status changes go through move_work_order only'
);
select results_eq(
  format(
    $$select (public.move_work_order(%1$L, 'scheduled')).status::text
      union all select (public.move_work_order(%1$L, 'dispatched')).status::text$$,
    current_setting('tests.a_other_work_order')
  ),
  array['scheduled', 'dispatched'],
  'A dispatcher makes the legal moves'
);
select lives_ok(
  format('select public.move_work_order(%L, %L)', current_setting('tests.a_work_order'), 'dispatched'),
  'A dispatcher dispatches the technician''s work order'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_technician');
select throws_ok(
  format('select public.move_work_order(%L, %L)', current_setting('tests.a_work_order'), 'scheduled'),
  '42501', 'A technician cannot move a work order from dispatched to scheduled',
  'A technician makes only the moves of the job itself'
);
select results_eq(
  format(
    $$select (public.move_work_order(%1$L, 'in_progress')).status::text
      union all select (public.move_work_order(%1$L, 'completed')).status::text$$,
    current_setting('tests.a_work_order')
  ),
  array['in_progress', 'completed'],
  'The assigned technician starts and completes the job'
);
select throws_ok(
  format('select public.move_work_order(%L, %L)', current_setting('tests.a_other_work_order'), 'in_progress'),
  'PT404', null,
  'Work assigned to others does not exist for a technician'
);
reset role;
select tests.clear_authentication();
select isnt(
  (
    select completed_at from public.work_orders
    where id = current_setting('tests.a_work_order')::uuid
  ),
  null,
  'Completing records when'
);
select throws_ok(
  format('update public.work_orders set status = %L where id = %L', 'scheduled', current_setting('tests.a_work_order')),
  'PT409', 'A work order cannot go from completed to scheduled',
  'A completed work order is final, whoever writes'
);
select results_eq(
  $$select summary from public.activity where verb = 'work_order.completed'$$,
  array['Work order #1 was completed'],
  'Completion shows in the activity feed, without customer details'
);
select is(
  (
    select count(*)::int from public.work_order_transitions
    where technician_may
  ),
  4,
  'Frontends can read which moves a technician may make'
);

-- Credentials ----------------------------------------------------------------------------------------
insert into public.tester_certifications (organization_id, user_id, issuer, certificate_number, expires_on)
values
(current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_technician')::uuid, 'ABPA', 'T-1', date '2027-01-01'),
(current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_dispatcher')::uuid, 'ABPA', 'T-2', date '2027-01-01');
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.tester_certifications where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '2 rows'), ('a_technician', '1 row'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows')$$,
  'Members read certifications; a technician only their own'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.test_gauges (organization_id, serial_number, calibration_due_on)
     values ({a}, ''G-1'', current_date + 90) returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners and admins keep the test gauges'
);
select throws_ok(
  format(
    'insert into public.tester_certifications (organization_id, user_id, issuer, certificate_number, expires_on)
     values (%L, %L, %L, %L, current_date)',
    current_setting('tests.org_a'), current_setting('tests.uid_b_technician'), 'ABPA', 'T-9'
  ),
  '23503', null,
  'A certification belongs to a member of the organization'
);

-- Suspended ---------------------------------------------------------------------------------------------
update public.organizations set status = 'suspended'
where slug = 'tenant-a';
select tests.authenticate_as('a_dispatcher');
select throws_ok(
  format(
    'insert into public.work_orders (organization_id, customer_id, site_id, title) values (%L, %L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_customer'), current_setting('tests.a_site'), 'x'
  ),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'A suspended organization creates no work orders'
);
select throws_ok(
  format('select public.move_work_order(%L, %L)', current_setting('tests.a_other_work_order'), 'on_hold'),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  '... and moves none'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;
