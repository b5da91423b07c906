-- Dashboards and reports: the KPIs against a fixture computed by hand, who sees them (and the
-- money in them), aged receivables, and CSV exports: what they contain, that a hostile value
-- cannot run as a formula, and who may ask for and read them.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();

-- The fixture, by hand: 2 open work orders (#1 scheduled, #2 draft); one visit today; invoices
-- a_invoice and a_other_invoice of 106.25 each sent today (the draft does not count); 40.00
-- collected on a_invoice; a_other_invoice made 10 days overdue; the fixture assembly due in 10
-- days (the other was never tested); one unresolved ticket past its SLA.
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.a_work_order')::uuid,
  current_setting('tests.uid_a_technician')::uuid,
  (now() at time zone 'UTC')::date + time '10:00' at time zone 'UTC',
  (now() at time zone 'UTC')::date + time '11:00' at time zone 'UTC'
);
select private.apply_payment(
  (
    select i from public.invoices as i
    where i.id = current_setting('tests.a_invoice')::uuid
  ),
  4000, 'check', null, null, 'kpi-payment'
);
-- A sent invoice's due date is fixed; the fixture sets it aside to make one overdue.
alter table public.invoices disable trigger invoices_1_guard;
update public.invoices set due_on = current_date - 10, issued_on = current_date
where id = current_setting('tests.a_other_invoice')::uuid;
alter table public.invoices enable trigger invoices_1_guard;
select private.run_invoice_reminders();
update public.assemblies set last_tested_on = (current_date - interval '12 months' + interval '10 days')::date
where id = current_setting('tests.a_assembly')::uuid;
insert into public.tickets (organization_id, subject, priority, created_at)
values (current_setting('tests.org_a')::uuid, 'Old one', 'urgent', now() - interval '30 days');
select private.flag_sla_breaches();
select private.refresh_organization_kpis();

select tests.authenticate_as('a_owner');
select results_eq(
  $$select open_work_orders, visits_today, billed_this_month_cents, collected_this_month_cents,
      overdue_cents, overdue_invoices, assemblies_due_30_days, tickets_breaching_sla
    from public.dashboard_kpis(current_setting('tests.org_a')::uuid)$$,
  $$values (2::bigint, 1::bigint, 21250::bigint, 4000::bigint, 10625::bigint, 1::bigint, 1::bigint, 1::bigint)$$,
  'The KPIs match the fixture computed by hand'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_dispatcher');
select results_eq(
  $$select open_work_orders, billed_this_month_cents, overdue_cents
    from public.dashboard_kpis(current_setting('tests.org_a')::uuid)$$,
  $$values (2::bigint, null::bigint, null::bigint)$$,
  'A dispatcher sees the work, not the money'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.dashboard_kpis({a})', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '42501'), ('a_viewer', '1 row'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '42501'), ('portal_x', '42501'), ('portal_y', '42501'),
    ('portal_b', '42501')$$,
  'The dashboard: members other than technicians of the organization only'
);
select is(private.refresh_organization_kpis() is null, true, 'Refreshing again (concurrently) does no harm');

-- Aged receivables ---------------------------------------------------------------------------------
select results_eq(
  $$select customer_id, current_cents, days_1_30_cents, total_cents from public.receivables_aging
    where organization_id = current_setting('tests.org_a')::uuid order by total_cents$$,
  $$values (current_setting('tests.a_customer')::uuid, 6625::bigint, null::bigint, 6625::bigint),
    (current_setting('tests.a_other_customer')::uuid, null, 10625, 10625)$$,
  'Aged receivables put each customer''s balance in its bucket'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.receivables_aging where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '2 rows'), ('a_admin', '2 rows'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '2 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '2 rows'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '0 rows')$$,
  'It follows the invoices'' RLS: a portal user sees only their own balance'
);

select tests.authenticate_as_service_role();
select results_eq(
  $$select days_1_30_cents from public.receivables_aging
    where customer_id = current_setting('tests.a_other_customer')::uuid$$,
  $$values (10625::bigint)$$,
  'A backend with the service role gets the buckets too'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('b_owner');
select is(
  private.reader_organization_today(current_setting('tests.org_a')::uuid), null,
  'The view''s date helper tells nothing of an organization the caller does not read'
);
reset role;
select tests.clear_authentication();

-- CSV exports --------------------------------------------------------------------------------------
select is(
  private.csv_line(array['=HYPERLINK("http://evil.test")', 'plain', null, '-1+2', 'say "hi"']),
  '"''=HYPERLINK(""http://evil.test"")","plain",,"''-1+2","say ""hi"""',
  'Fields are quoted, quotes doubled, and formulas neutralised'
);
update public.customers set name = '=cmd|'' /C calc''!A0'
where id = current_setting('tests.a_other_customer')::uuid;
select tests.authenticate_as('a_admin');
select lives_ok(
  $$select set_config(
    'tests.export', (public.request_export(current_setting('tests.org_a')::uuid, 'customers')).id::text, true
  )$$,
  'An admin asks for a customers export'
);
reset role;
select tests.clear_authentication();
select ok(
  exists (
    select from queue.all_jobs
    where kind = 'export.csv' and payload ->> 'export_id' = current_setting('tests.export')
  ),
  'The worker is asked to write it'
);
select results_eq(
  $$select line from queue.export_lines(current_setting('tests.export')::uuid) as line$$,
  $$values
    ('"name","kind","email","phone","billing_line1","billing_city","billing_region","billing_postal_code","water_account_number","created_at"'),
    ((select private.csv_line(array['=cmd|'' /C calc''!A0', 'residential', null, null, null, null, null, '10001', null,
      created_at::text]) from public.customers where id = current_setting('tests.a_other_customer')::uuid)),
    ((select private.csv_line(array['Deli A', 'commercial', 'deli@a.test', null, '1 Main St', null, null, '62701', null,
      created_at::text]) from public.customers where id = current_setting('tests.a_customer')::uuid))$$,
  'The export holds the organization''s customers only, allowlisted columns'
);
select ok(
  (select bool_and(line !~ '(^|,)"=') from queue.export_lines(current_setting('tests.export')::uuid) as line),
  'No field of it starts a formula'
);
select queue.finish_export(
  current_setting('tests.export')::uuid, current_setting('tests.org_a') || '/exports/x.csv', 2, 100
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.exports where organization_id = {a}',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Exports: owners and admins of the organization'
);
insert into storage.objects (bucket_id, name)
values ('documents', current_setting('tests.org_a') || '/exports/x.csv');
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from storage.objects where name = ' || quote_literal(current_setting('tests.org_a') || '/exports/x.csv'),
    tests.actors_with_portal())$$,
  $$values ('anon', '0 rows'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row'), ('portal_x', '0 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'The file: only the owners and admins of the requester''s organization download it'
);
select is(
  (
    select count(*)::int from public.notifications
    where user_id = current_setting('tests.uid_a_admin')::uuid and kind = 'export.ready'
  ),
  1, 'The requester is told it is ready'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.request_export({a}, ''payments'')',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '42501'), ('portal_x', '42501'), ('portal_y', '42501'),
    ('portal_b', '42501')$$,
  'request_export: owners and admins'
);

select * from finish();
rollback;
