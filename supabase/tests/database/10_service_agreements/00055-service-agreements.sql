-- Service agreements: who keeps them, and their work orders created ahead of each period by
-- pg_cron, once per period however often it runs.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(9);
select tests.create_two_organizations();
select tests.create_field_operations();

insert into public.service_agreements (
  id, organization_id, customer_id, site_id, name, every_months, starts_on, ends_on, price_cents
) values
(
  '00000000-0000-4000-8000-0000000ae001', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_customer')::uuid, current_setting('tests.a_site')::uuid,
  'Yearly backflow testing', 12, date '2026-03-01', date '2028-12-31', 9500
),
(
  '00000000-0000-4000-8000-0000000ae002', current_setting('tests.org_b')::uuid,
  current_setting('tests.b_customer')::uuid, current_setting('tests.b_site')::uuid,
  'Quarterly HVAC maintenance', 3, date '2026-01-15', null, 12000
);
insert into public.service_agreement_assemblies (organization_id, agreement_id, assembly_id)
values (
  current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-0000000ae001',
  current_setting('tests.a_assembly')::uuid
);

select is(
  private.create_agreement_work_orders(timestamptz '2026-02-10 12:00 America/Chicago'), 1,
  'The period starting within the lead time gets its work order'
);
select results_eq(
  $$select w.status::text, w.source::text, w.title, w.period_start, w.number, count(wa.assembly_id)::int
    from public.work_orders as w left join public.work_order_assemblies as wa on wa.work_order_id = w.id
    where w.agreement_id = '00000000-0000-4000-8000-0000000ae001'
    group by w.id$$,
  $$values ('draft', 'agreement', 'Yearly backflow testing (Mar 2026)', date '2026-03-01', 1::bigint, 1)$$,
  'It is a numbered draft for the period, covering the agreement''s assemblies'
);
select
  is(
    private.create_agreement_work_orders(timestamptz '2026-02-10 12:00 America/Chicago'), 0, 'Running twice creates nothing more'
  );
select is(private.create_agreement_work_orders(timestamptz '2026-02-20 12:00 America/Chicago'), 0, 'Nor does the next day');
select is(
  private.create_agreement_work_orders(timestamptz '2026-03-20 12:00 America/Chicago'), 1,
  'A quarterly agreement''s next period comes in its turn'
);
select is(
  private.create_agreement_work_orders(timestamptz '2028-12-20 12:00 America/Chicago'), 1,
  'Periods after an agreement ends make nothing: only the quarterly one continues'
);
update public.organizations set status = 'suspended'
where slug = 'tenant-b';
select is(
  private.create_agreement_work_orders(timestamptz '2029-03-01 12:00 America/Chicago'), 0,
  'A suspended organization''s agreements wait'
);

select results_eq(
  $$select * from tests.access_matrix(
    'update public.service_agreements set price_cents = 1 where organization_id = {a} returning 1'
  )$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '0 rows'), ('a_technician', '0 rows'), ('a_viewer', '0 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Owners and admins keep the agreements (they carry prices)'
);
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.service_agreements where organization_id = {a}')$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '0 rows'), ('a_viewer', '1 row'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '1 row')$$,
  'Members other than technicians read them'
);

select * from finish();
rollback;
