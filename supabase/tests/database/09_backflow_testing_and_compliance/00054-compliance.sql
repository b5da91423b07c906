-- Compliance: what is due and overdue, per organization and authority, and due notices queued
-- by pg_cron at 30 days, 7 days and overdue, never twice for the same due date.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(10);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

-- Only the two test organizations' assemblies take part (the local seed has some too).
update public.assemblies set status = 'removed'
where organization_id not in (current_setting('tests.org_a')::uuid, current_setting('tests.org_b')::uuid);

-- Due dates relative to a fixed "today" (2026-12-01); test intervals are 12 months.
update public.assemblies set last_tested_on = date '2025-12-31'
where id = current_setting('tests.a_assembly')::uuid;
update public.assemblies set last_tested_on = date '2025-12-08'
where serial_number = 'DC-OTHER-1';
insert into public.assemblies (organization_id, site_id, kind, serial_number, last_tested_on)
values
(current_setting('tests.org_a')::uuid, current_setting('tests.a_site')::uuid, 'pvb', 'LATE-1', date '2025-11-20'),
(current_setting('tests.org_a')::uuid, current_setting('tests.a_site')::uuid, 'svb', 'LATER-1', date '2026-03-01');
update public.customers set email = 'other@a.test'
where id = current_setting('tests.a_other_customer')::uuid;
update public.assemblies set last_tested_on = date '2025-12-05'
where id = current_setting('tests.b_assembly')::uuid;
update public.organizations set status = 'suspended'
where slug = 'tenant-b';

select is(
  private.queue_due_notices(timestamptz '2026-12-01 12:00 America/Chicago'), 3,
  'Today''s notices are queued: 30 days, 7 days and overdue'
);
select results_eq(
  $$
    select payload ->> 'serial_number', payload ->> 'step', payload ->> 'to'
    from queue.all_jobs where kind = 'email.test_due' order by payload ->> 'serial_number'
  $$,
  $$values ('DC-OTHER-1', '7_days', 'other@a.test'), ('LATE-1', 'overdue', 'deli@a.test'),
    ('RP-A-0001', '30_days', 'deli@a.test')$$,
  'Each notice goes to the customer with the assembly, due date and step (a suspended organization sends none)'
);
select is(
  private.queue_due_notices(timestamptz '2026-12-01 12:00 America/Chicago'), 0, 'Running twice queues nothing more'
);
select is(
  private.queue_due_notices(timestamptz '2026-12-02 12:00 America/Chicago'), 0,
  'The next day brings no repeat of a step'
);
select is(
  private.queue_due_notices(timestamptz '2026-12-24 12:00 America/Chicago'), 2,
  'A week before its due date the 7-day notice follows, and a missed date its overdue notice'
);
select is(
  (
    select count(*)::int from queue.all_jobs
    where kind = 'email.test_due'
  ),
  5,
  'Never two notices for the same assembly, due date and step'
);

-- What members see -------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.assemblies_due where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '4 rows'), ('a_admin', '4 rows'),
    ('a_dispatcher', '4 rows'), ('a_technician', '1 row'), ('a_viewer', '4 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '4 rows')$$,
  'Members see what is due; a technician what is due on their work'
);
-- Relative to the real date for the views: due in a month, overdue, due in six months, due in
-- two months (at the site without an authority).
update public.assemblies as a
set last_tested_on = (current_date - make_interval(months => m.months))::date
from (values ('RP-A-0001', 11), ('LATE-1', 13), ('LATER-1', 6), ('DC-OTHER-1', 10)) as m (serial, months)
where a.serial_number = m.serial;
select tests.authenticate_as('a_dispatcher');
select results_eq(
  format(
    'select water_authority, due_soon::int, overdue::int from public.compliance_summary(%L, 400)', current_setting('tests.org_a')
  ),
  $$values ('City Water A', 2, 1), (null, 1, 0)$$,
  'The summary counts due and overdue assemblies per water authority'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('b_owner');
select throws_ok(
  format('select * from public.compliance_summary(%L)', current_setting('tests.org_a')),
  '42501', 'Only members other than technicians read the compliance summary',
  'Another organization''s summary is refused without telling anything'
);
reset role;
select tests.clear_authentication();
select ok(
  exists (
    select from cron.job
    where jobname = 'fieldbase-due-notices'
  ),
  'pg_cron queues the due notices daily'
);

select * from finish();
rollback;
