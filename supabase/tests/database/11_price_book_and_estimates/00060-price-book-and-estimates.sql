-- The price book and estimates: price history, totals the database computes (rounding,
-- discounts, taxes per rate), gap-free numbers, drafts only change, legal moves, decisions and
-- conversion to a work order and an invoice.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(28);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();

-- Price book ---------------------------------------------------------------------------------
select is(
  (
    select array_agg(p.unit_price_cents order by p.effective_at) from public.price_book_prices as p
    inner join public.price_book_items as i on p.item_id = i.id
    where i.code = 'TEST-RP' and i.organization_id = current_setting('tests.org_a')::uuid
  ),
  array[9500::bigint], 'A new item starts its price history'
);
select tests.authenticate_as('a_admin');
update public.price_book_items set unit_price_cents = 9900
where code = 'TEST-RP';
reset role;
select tests.clear_authentication();
select is(
  (
    select array_agg(p.unit_price_cents order by p.unit_price_cents) from public.price_book_prices as p
    inner join public.price_book_items as i on p.item_id = i.id
    where i.code = 'TEST-RP' and i.organization_id = current_setting('tests.org_a')::uuid
  ),
  array[9500, 9900]::bigint[], 'A price change is kept in the history'
);

-- Totals -------------------------------------------------------------------------------------
insert into public.estimates (id, organization_id, customer_id, title)
values (
  '00000000-0000-4000-8000-0000000e0001', current_setting('tests.org_a')::uuid,
  current_setting('tests.a_customer')::uuid, 'Rounding'
);
insert into public.estimate_options (id, organization_id, estimate_id)
values (
  '00000000-0000-4000-8000-0000000e0002', current_setting('tests.org_a')::uuid,
  '00000000-0000-4000-8000-0000000e0001'
);
select tests.authenticate_as('a_dispatcher');
insert into public.estimate_lines (
  organization_id, estimate_id, option_id, description, quantity, unit_price_cents, discount_percent, taxable
) values
-- 3 x 3.33 = 9.99, 10% off = 1.00 (0.999 rounded), taxed at the default 6.25%.
(
  current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-0000000e0001',
  '00000000-0000-4000-8000-0000000e0002', 'Fittings', 3, 333, 10, true
),
-- 1.5 x 19.99 = 29.985, rounded half away from zero to 29.99; not taxable.
(
  current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-0000000e0001',
  '00000000-0000-4000-8000-0000000e0002', 'Labour', 1.5, 1999, 0, false
);
-- The price book item at its new price, taxed at the default rate.
insert into public.estimate_lines (organization_id, estimate_id, option_id, price_book_item_id)
select
  current_setting('tests.org_a')::uuid as organization_id,
  '00000000-0000-4000-8000-0000000e0001'::uuid as estimate_id,
  '00000000-0000-4000-8000-0000000e0002'::uuid as option_id,
  i.id
from public.price_book_items as i
where i.code = 'TEST-RP';
reset role;
select tests.clear_authentication();
select results_eq(
  $$select subtotal_cents, discount_cents, net_cents, tax_rate from public.estimate_lines
    where estimate_id = '00000000-0000-4000-8000-0000000e0001' order by subtotal_cents$$,
  $$values (999::bigint, 100::bigint, 899::bigint, 0.0625), (2999, 0, 2999, 0), (9900, 0, 9900, 0.0625)$$,
  'Line amounts round half away from zero; the line copies its tax rate'
);
select results_eq(
  $$select subtotal_cents, discount_cents, tax_cents, total_cents from public.estimate_options
    where id = '00000000-0000-4000-8000-0000000e0002'$$,
  -- Tax on the rate's sum of net amounts: (899 + 9900) x 6.25% = 674.94 -> 675.
  $$values (13898::bigint, 100::bigint, 675::bigint, 14473::bigint)$$,
  'The option''s totals are computed by the database: tax per rate on the net sum'
);
update public.price_book_items set unit_price_cents = 12000
where code = 'TEST-RP';
select is(
  (
    select total_cents from public.estimate_options
    where id = '00000000-0000-4000-8000-0000000e0002'
  ),
  14473::bigint, 'A later price change does not change the document'
);
select tests.authenticate_as('a_owner');
select throws_ok(
  $$update public.estimate_options set tax_cents = 0 where id = '00000000-0000-4000-8000-0000000e0002'$$,
  '42501', null, 'Totals cannot be written by a frontend'
);
reset role;
select tests.clear_authentication();
select throws_ok(
  $$update public.estimate_options set total_cents = 1 where id = '00000000-0000-4000-8000-0000000e0002'$$,
  '428C9', null, 'The total is generated: it cannot disagree with its parts'
);
select throws_ok(
  $$insert into public.estimate_lines (organization_id, estimate_id, option_id, quantity)
    values (current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-0000000e0001',
      '00000000-0000-4000-8000-0000000e0002', 1)$$,
  '23502', 'A line needs a description and a unit price, or a price book item',
  'A line without a price is refused with a clear message'
);
select throws_ok(
  $$insert into public.estimate_lines (organization_id, estimate_id, option_id, description, unit_price_cents,
      discount_percent)
    values (current_setting('tests.org_a')::uuid, '00000000-0000-4000-8000-0000000e0001',
      '00000000-0000-4000-8000-0000000e0002', 'Too generous', 100, 120)$$,
  '23514', null, 'A discount above 100% is refused'
);

-- Numbers ------------------------------------------------------------------------------------
select results_eq(
  $$select e.number from public.estimates as e inner join public.organizations as o on e.organization_id = o.id
    where o.slug = 'tenant-a' order by e.number$$,
  $$values (1::bigint), (2::bigint)$$,
  'Estimates are numbered 1, 2... per organization'
);
insert into public.estimates (organization_id, customer_id, title)
values (current_setting('tests.org_b')::uuid, current_setting('tests.b_customer')::uuid, 'B''s first');
select is(
  (
    select e.number from public.estimates as e
    where e.organization_id = current_setting('tests.org_b')::uuid
  ),
  1::bigint, 'Each organization counts its own'
);

-- Sending and deciding -------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select throws_ok(
  $$select public.approve_estimate('00000000-0000-4000-8000-0000000e0001', '00000000-0000-4000-8000-0000000e0002')$$,
  'PT409', null, 'A draft cannot be approved'
);
select is(
  (public.send_estimate('00000000-0000-4000-8000-0000000e0001')).status, 'sent'::public.estimate_status,
  'A dispatcher sends the estimate'
);
reset role;
select tests.clear_authentication();
select ok(
  exists (
    select from queue.all_jobs
    where
      kind = 'pdf.render' and payload -> 'document' ->> 'number' = 'EST-2'
      and payload -> 'then' -> 0 ->> 'kind' = 'email.estimate_sent'
  ),
  'Sending queues the PDF, then the customer''s email with it'
);
select is(
  (
    select valid_until from public.estimates
    where number = 2 and organization_id = current_setting('tests.org_a')::uuid
  ),
  private.organization_today(current_setting('tests.org_a')::uuid) + 30,
  'It is valid for the organization''s default 30 days'
);
select tests.authenticate_as('a_dispatcher');
select throws_ok(
  $$update public.estimate_lines set quantity = 2 where estimate_id = '00000000-0000-4000-8000-0000000e0001'$$,
  'PT409', 'A sent estimate cannot change', 'A sent estimate''s lines cannot change'
);
select throws_ok(
  $$select public.approve_estimate(current_setting('tests.a_estimate')::uuid, '00000000-0000-4000-8000-0000000e0002')$$,
  '22023', 'Choose one of the estimate''s options', 'Approving names one of the estimate''s own options'
);
reset role;
select tests.clear_authentication();

-- The customer's portal user decides.
select tests.authenticate_as('portal_y');
select throws_ok(
  $$select public.approve_estimate(current_setting('tests.a_estimate')::uuid, current_setting('tests.a_estimate_best')::uuid)$$,
  'PT404', null, 'Another customer''s portal user cannot see, let alone approve, the estimate'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('portal_x');
select results_eq(
  $$select status::text, approved_option_id, decided_by_name
    from public.approve_estimate(current_setting('tests.a_estimate')::uuid, current_setting('tests.a_estimate_best')::uuid)$$,
  $$values ('approved', current_setting('tests.a_estimate_best')::uuid, 'Portal X')$$,
  'The customer''s portal user approves an option; the approval records who and which'
);
select throws_ok(
  $$select public.decline_estimate(current_setting('tests.a_estimate')::uuid, 'Changed my mind')$$,
  'PT409', null, 'A decided estimate is not decided again'
);
select throws_ok(
  $$select public.convert_estimate(current_setting('tests.a_estimate')::uuid)$$,
  'PT404', null, 'The portal user does not convert estimates'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select a.summary
    from public.activity as a
    where
      a.verb = 'estimate.approved'
      and a.organization_id = current_setting('tests.org_a')::uuid
  ),
  'Estimate 1 was approved', 'The approval is in the feed'
);

-- Converting ---------------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select lives_ok(
  $$select set_config('tests.converted', (select to_jsonb(c)::text from public.convert_estimate(
      current_setting('tests.a_estimate')::uuid) as c), true)$$,
  'A dispatcher converts the approved estimate'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select w.status::text, w.site_id, w.title from public.work_orders as w
    where w.id = (current_setting('tests.converted')::jsonb ->> 'work_order_id')::uuid$$,
  $$values ('draft', current_setting('tests.a_site')::uuid, 'Replace RP')$$,
  'It becomes a draft work order at the estimate''s site'
);
select results_eq(
  $$select i.status::text, i.total_cents, i.estimate_id, i.work_order_id from public.invoices as i
    where i.id = (current_setting('tests.converted')::jsonb ->> 'invoice_id')::uuid$$,
  $$select 'draft', o.total_cents, e.id, e.work_order_id from public.estimates as e
    inner join public.estimate_options as o on e.approved_option_id = o.id
    where e.id = current_setting('tests.a_estimate')::uuid$$,
  'And a draft invoice for the approved option''s total, linked to both'
);
select is(
  (
    select status::text from public.estimates
    where id = current_setting('tests.a_estimate')::uuid
  ),
  'converted', 'The estimate is converted'
);

-- Expiry ---------------------------------------------------------------------------------------
select private.expire_estimates(now() + interval '31 days');
select is(
  (
    select status::text from public.estimates
    where id = '00000000-0000-4000-8000-0000000e0001'
  ), 'expired',
  'A sent estimate past its date expires'
);
select is(private.expire_estimates(now() + interval '31 days'), 0, 'Running twice expires nothing more');

select * from finish();
rollback;
