-- Scheduling: booking visits (never double-booking a technician, never during time off),
-- who reads the schedule, a technician's day in order with distances, and time entries that
-- never overlap.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(21);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
update public.sites
set location = extensions.st_setsrid(extensions.st_makepoint(-89.70, 39.85), 4326)::extensions.geography
where id = current_setting('tests.a_other_site')::uuid;

insert into public.webhook_endpoints (id, organization_id, url, event_types)
values ('00000000-0000-4000-8000-00000000e0b1', current_setting('tests.org_a')::uuid, 'https://hooks.test/v', '{visit.booked}');

-- Booking --------------------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select lives_ok(
  format(
    $$insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at) values
      (%1$L, %2$L, %4$L, '2026-12-01 15:00+00', '2026-12-01 16:00+00'),
      (%1$L, %3$L, %4$L, '2026-12-01 17:00+00', '2026-12-01 18:00+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_work_order'),
    current_setting('tests.a_other_work_order'), current_setting('tests.uid_a_technician')
  ),
  'A dispatcher books a technician''s day'
);
select throws_ok(
  format(
    $$insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
      values (%L, %L, %L, '2026-12-01 15:30+00', '2026-12-01 16:30+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_other_work_order'), current_setting('tests.uid_a_technician')
  ),
  'PT409', null,
  'A technician cannot be double-booked, and is told why'
);
select lives_ok(
  format(
    $$update public.visits set status = 'cancelled' where work_order_id = %L;
      insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
      values (%L, %L, %L, '2026-12-01 17:30+00', '2026-12-01 18:30+00')$$,
    current_setting('tests.a_other_work_order'), current_setting('tests.org_a'),
    current_setting('tests.a_other_work_order'), current_setting('tests.uid_a_technician')
  ),
  'A cancelled visit frees its slot'
);
select ok(
  exists (
    select from public.work_order_assignments
    where
      work_order_id = current_setting('tests.a_other_work_order')::uuid
      and user_id = current_setting('tests.uid_a_technician')::uuid
  ),
  'Booking a technician on a work order assigns the work to them'
);
insert into public.time_off (organization_id, user_id, starts_at, ends_at, reason)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.uid_a_technician')::uuid,
  '2026-12-02 00:00+00', '2026-12-03 00:00+00', 'Vacation'
);
select throws_ok(
  format(
    $$insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
      values (%L, %L, %L, '2026-12-02 15:00+00', '2026-12-02 16:00+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_work_order'), current_setting('tests.uid_a_technician')
  ),
  'PT409', 'A Technician is off at that time',
  'Nobody is booked during their time off'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('b_owner');
select throws_ok(
  format(
    $$insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
      values (%L, %L, %L, '2026-12-01 15:30+00', '2026-12-01 16:30+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_work_order'), current_setting('tests.uid_a_technician')
  ),
  '42501', 'new row violates row-level security policy for table "visits"',
  'Another organization learns nothing of this schedule by trying to book into it'
);
reset role;
select tests.clear_authentication();

-- The exclusion constraint holds even where the readable check is bypassed (a race).
alter table public.visits disable trigger visits_check;
select throws_ok(
  format(
    $$insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
      values (%L, %L, %L, '2026-12-01 15:30+00', '2026-12-01 16:30+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_other_work_order'), current_setting('tests.uid_a_technician')
  ),
  '23P01', null,
  'The database itself refuses a double booking'
);
alter table public.visits enable trigger visits_check;

-- Who reads the schedule ------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.visits where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '3 rows'), ('a_admin', '3 rows'),
    ('a_dispatcher', '3 rows'), ('a_technician', '3 rows'), ('a_viewer', '3 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '3 rows')$$,
  'Members read the schedule; a technician reads their own visits'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
     values ({a}, {a_work_order}, {a_dispatcher}, ''2026-12-05 15:00+00'', ''2026-12-05 16:00+00'') returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row')$$,
  'Owners, admins and dispatchers book visits'
);

-- A technician's day ----------------------------------------------------------------------------
select tests.authenticate_as('a_technician');
select results_eq(
  $$select work_order_number::int, distance_to_next_m is not null from public.technician_day
    where local_date = date '2026-12-01' order by starts_at$$,
  $$values (1, true), (2, false)$$,
  'A technician''s day lists their visits in order, with the distance to the next stop'
);
select cmp_ok(
  (
    select distance_to_next_m from public.technician_day
    where work_order_number = 1
  ),
  '>', 5000::numeric,
  'The distance is in metres between the two sites'
);
reset role;
select tests.clear_authentication();

-- Time entries -------------------------------------------------------------------------------------
select tests.authenticate_as('a_technician');
select lives_ok(
  format(
    $$insert into public.time_entries (organization_id, work_order_id, started_at)
      values (%L, %L, '2026-12-01 15:00+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_work_order')
  ),
  'A technician starts a clock on their work'
);
select throws_ok(
  format(
    $$insert into public.time_entries (organization_id, work_order_id, started_at)
      values (%L, %L, '2026-12-01 16:00+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_work_order')
  ),
  'PT409', 'This time overlaps another time entry of yours',
  'One clock at a time: entries never overlap'
);
select lives_ok(
  format(
    $$update public.time_entries set ended_at = '2026-12-01 16:00+00' where work_order_id = %L;
      insert into public.time_entries (organization_id, work_order_id, started_at, ended_at)
      values (%L, %L, '2026-12-01 16:00+00', '2026-12-01 16:30+00')$$,
    current_setting('tests.a_work_order'), current_setting('tests.org_a'), current_setting('tests.a_work_order')
  ),
  'Stopping the clock lets the next entry start where it ended'
);
select throws_ok(
  format(
    $$insert into public.time_entries (organization_id, work_order_id, started_at, ended_at)
      values (%L, %L, '2026-12-03 16:00+00', '2026-12-03 17:00+00')$$,
    current_setting('tests.org_b'), current_setting('tests.b_work_order')
  ),
  '42501', null,
  'Nobody logs time on another organization''s work'
);
reset role;
select tests.clear_authentication();
alter table public.time_entries disable trigger time_entries_check;
select throws_ok(
  format(
    $$insert into public.time_entries (organization_id, work_order_id, user_id, started_at, ended_at)
      values (%L, %L, %L, '2026-12-01 15:10+00', '2026-12-01 15:20+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_work_order'), current_setting('tests.uid_a_technician')
  ),
  '23P01', null,
  'The database itself refuses overlapping time'
);
alter table public.time_entries enable trigger time_entries_check;
select tests.authenticate_as('a_viewer');
select throws_ok(
  format(
    $$insert into public.time_entries (organization_id, work_order_id, started_at)
      values (%L, %L, '2026-12-04 15:00+00')$$,
    current_setting('tests.org_a'), current_setting('tests.a_other_work_order')
  ),
  '42501', null,
  'A member not assigned to the work logs no time on it'
);
reset role;
select tests.clear_authentication();

-- Events -------------------------------------------------------------------------------------------
select results_eq(
  $$select kind, title from public.notifications
    where user_id = current_setting('tests.uid_a_technician')::uuid and kind like 'visit.%' order by id$$,
  $$values ('visit.booked', 'New visit: #1 Annual backflow test'), ('visit.booked', 'New visit: #2 Repair'),
    ('visit.cancelled', 'Visit cancelled: #2 Repair'), ('visit.booked', 'New visit: #2 Repair')$$,
  'The technician is notified of each visit booked and cancelled'
);
select results_eq(
  $$
    select kind, payload ->> 'to', (payload ->> 'cancelled')::boolean,
      (select array_agg(k order by k) from jsonb_object_keys(payload) as k)
    from queue.all_jobs
    where kind like 'email.appointment%' and payload ->> 'service' = 'Annual backflow test'
  $$,
  $$values ('email.appointment_booked', 'deli@a.test', false,
    array['address', 'cancelled', 'customer_name', 'ends_at', 'previous_starts_at', 'service', 'starts_at',
      'technician_name', 'to'])$$,
  'The customer gets the appointment email, with the appointment''s fields only'
);
select is(
  (
    select count(*)::int from queue.all_jobs
    where kind = 'webhook.deliver' and payload ->> 'event_type' = 'visit.booked'
  ),
  3,
  'Each booking is a visit.booked webhook event for endpoints that subscribe'
);

update public.visits set starts_at = starts_at + interval '30 minutes', ends_at = ends_at + interval '30 minutes'
where work_order_id = current_setting('tests.a_work_order')::uuid and status = 'scheduled';
select results_eq(
  $$
    select n.kind, j.kind, j.payload ->> 'previous_starts_at' is not null
    from public.notifications as n, queue.all_jobs as j
    where n.kind = 'visit.changed' and j.kind = 'email.appointment_changed'
      and j.payload ->> 'service' = 'Annual backflow test'
  $$,
  $$values ('visit.changed', 'email.appointment_changed', true)$$,
  'Moving a visit tells the technician and emails the customer the old and new time'
);

select * from finish();
rollback;
