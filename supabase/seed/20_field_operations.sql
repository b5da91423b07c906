-- Local development data: a week of work at Acme Backflow Testing. A water authority, three
-- customers with their sites (located in Springfield, IL) and assemblies coming due, Tim's
-- certification and gauge, work orders, this week's visits, and a failed test with its
-- passing retest. Plain statements only: the Supabase CLI prepares each before running any.

insert into public.water_authorities (id, organization_id, name, submission_method, email, required_fields)
values (
  'a2000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'Springfield City Water Light & Power', 'email', 'backflow@cwlp.example.test',
  '{water_account_number}'
);

insert into public.customers (
  id, organization_id, kind, name, email, phone, billing_line1, billing_city, billing_region,
  billing_postal_code, water_account_number, tags
) values
(
  'a3000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000', 'commercial',
  'City Deli', 'owner@citydeli.example.test', '+12175550101', '5 Elm St', 'Springfield', 'IL', '62701',
  'CW-100234', '{restaurant}'
),
(
  'a3000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000', 'commercial',
  'Lincoln Elementary School', 'facilities@lincoln.example.test', '+12175550102', '200 School Rd',
  'Springfield', 'IL', '62702', 'CW-200871', '{school,fire}'
),
(
  'a3000000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000', 'residential',
  'Maria Gomez', 'maria.gomez@example.test', '+12175550103', '17 Maple Ave', 'Springfield', 'IL', '62704',
  'CW-301556', '{irrigation}'
);

insert into public.customer_contacts (organization_id, customer_id, name, role, email, phone, is_primary)
values
(
  'a1000000-0000-4000-8000-000000000000', 'a3000000-0000-4000-8000-000000000001', 'Sam Deli', 'Owner',
  'owner@citydeli.example.test', '+12175550101', true
),
(
  'a1000000-0000-4000-8000-000000000000', 'a3000000-0000-4000-8000-000000000002', 'Pat Rivera',
  'Facilities manager', 'facilities@lincoln.example.test', '+12175550102', true
);

insert into public.sites (
  id, organization_id, customer_id, name, line1, city, region, postal_code, access_notes,
  time_zone, location, water_authority_id
) values
(
  'a4000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000001', 'City Deli', '5 Elm St', 'Springfield', 'IL', '62701',
  'Back door; the meter room is behind the walk-in.', 'America/Chicago',
  extensions.st_setsrid(extensions.st_makepoint(-89.6501, 39.8017), 4326)::extensions.geography,
  'a2000000-0000-4000-8000-000000000001'
),
(
  'a4000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000002', 'Main building', '200 School Rd', 'Springfield', 'IL', '62702',
  'Sign in at the office first.', 'America/Chicago',
  extensions.st_setsrid(extensions.st_makepoint(-89.6123, 39.8312), 4326)::extensions.geography,
  'a2000000-0000-4000-8000-000000000001'
),
(
  'a4000000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000003', null, '17 Maple Ave', 'Springfield', 'IL', '62704',
  'Gate code 4417; the dog is friendly.', 'America/Chicago',
  extensions.st_setsrid(extensions.st_makepoint(-89.6870, 39.7722), 4326)::extensions.geography,
  'a2000000-0000-4000-8000-000000000001'
);

insert into public.assemblies (
  id, organization_id, site_id, kind, make, model, serial_number, size, location_at_site, hazard,
  service_type, installed_on, last_tested_on
) values
(
  'a5000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a4000000-0000-4000-8000-000000000001', 'rp', 'Watts', '009M2', 'AX-40871', '3/4"', 'Meter room',
  'high', 'domestic', date '2019-05-02', (current_date - interval '11 months 3 weeks')::date
),
(
  'a5000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a4000000-0000-4000-8000-000000000002', 'dcda', 'Ames', '3000SS', 'F-22019', '6"', 'Fire riser room',
  'low', 'fire', date '2015-08-20', (current_date - interval '12 months 1 week')::date
),
(
  'a5000000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000',
  'a4000000-0000-4000-8000-000000000003', 'pvb', 'Febco', '765', 'PV-55310', '1"', 'Side yard',
  'high', 'irrigation', date '2021-04-11', (current_date - interval '11 months')::date
);

insert into public.tester_certifications (
  id, organization_id, user_id, issuer, certificate_number, expires_on
) values (
  'a6000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a0000000-0000-4000-8000-000000000004', 'Illinois EPA', 'XCC-08812', (current_date + 400)
);

insert into public.test_gauges (
  id, organization_id, user_id, serial_number, make, model, last_calibrated_on, calibration_due_on
) values (
  'a7000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a0000000-0000-4000-8000-000000000004', 'MIDW-845-0092', 'Midwest', '845-5',
  (current_date - 60), (current_date + 305)
);

insert into public.work_orders (
  id, organization_id, customer_id, site_id, status, priority, source, title, description
) values
(
  'a8000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000001', 'a4000000-0000-4000-8000-000000000001', 'scheduled',
  'normal', 'due_notice', 'Annual backflow test', 'Test the RP assembly in the meter room.'
),
(
  'a8000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000002', 'a4000000-0000-4000-8000-000000000002', 'scheduled',
  'high', 'due_notice', 'Annual fire line backflow test', 'Overdue: the fire marshal asked for it.'
),
(
  'a8000000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000000',
  'a3000000-0000-4000-8000-000000000003', 'a4000000-0000-4000-8000-000000000003', 'draft',
  'low', 'request', 'Irrigation start-up and PVB test', null
);

insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id) values
(
  'a1000000-0000-4000-8000-000000000000', 'a8000000-0000-4000-8000-000000000001',
  'a5000000-0000-4000-8000-000000000001'
),
(
  'a1000000-0000-4000-8000-000000000000', 'a8000000-0000-4000-8000-000000000002',
  'a5000000-0000-4000-8000-000000000002'
),
(
  'a1000000-0000-4000-8000-000000000000', 'a8000000-0000-4000-8000-000000000003',
  'a5000000-0000-4000-8000-000000000003'
);

-- Tim's visits tomorrow (the visits also assign him the work).
insert into public.visits (organization_id, work_order_id, user_id, starts_at, ends_at) values
(
  'a1000000-0000-4000-8000-000000000000', 'a8000000-0000-4000-8000-000000000001',
  'a0000000-0000-4000-8000-000000000004',
  (current_date + 1 + time '09:00') at time zone 'America/Chicago',
  (current_date + 1 + time '10:00') at time zone 'America/Chicago'
),
(
  'a1000000-0000-4000-8000-000000000000', 'a8000000-0000-4000-8000-000000000002',
  'a0000000-0000-4000-8000-000000000004',
  (current_date + 1 + time '11:00') at time zone 'America/Chicago',
  (current_date + 1 + time '12:30') at time zone 'America/Chicago'
);

-- Last week at the school: a failed test of the fire line assembly, then the passing retest.
insert into public.backflow_test_reports (
  id, organization_id, assembly_id, work_order_id, user_id, certification_id, gauge_id, tested_on,
  check_valve_1_psid, check_valve_2_psid, status, finalized_at, finalized_by
) values (
  'a9000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000000',
  'a5000000-0000-4000-8000-000000000002', 'a8000000-0000-4000-8000-000000000002',
  'a0000000-0000-4000-8000-000000000004', 'a6000000-0000-4000-8000-000000000001',
  'a7000000-0000-4000-8000-000000000001',
  (current_date - 7),
  0.6,
  1.8,
  'finalized',
  now() - interval '7 days',
  'a0000000-0000-4000-8000-000000000004'
);

insert into public.backflow_test_reports (
  id, organization_id, assembly_id, work_order_id, user_id, certification_id, gauge_id, tested_on,
  check_valve_1_psid, check_valve_2_psid, repairs, retest_of_id
) values (
  'a9000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000000',
  'a5000000-0000-4000-8000-000000000002', 'a8000000-0000-4000-8000-000000000002',
  'a0000000-0000-4000-8000-000000000004', 'a6000000-0000-4000-8000-000000000001',
  'a7000000-0000-4000-8000-000000000001', (current_date - 6), 2.3, 1.9,
  'Replaced check valve 1 rubber and spring.', 'a9000000-0000-4000-8000-000000000001'
);

-- Seeding is history, not news: the bookings above sent nothing. Their queued emails,
-- notifications and activity are dropped (a dispatcher booking in the app sends them).
delete from queue.job_queue
where kind like 'email.appointment%';
delete from public.notifications
where kind like 'visit.%';
