-- RLS policies of billing settings, tax rates and the price book. Members other than
-- technicians read the price book and tax rates (a dispatcher drafts estimates from them);
-- owners and admins keep them, and alone see costs and billing settings. One permissive
-- policy per role and action.

create policy "Owners and admins can read billing settings"
on public.billing_settings for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can add billing settings"
on public.billing_settings for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change billing settings"
on public.billing_settings for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Members other than technicians can read tax rates"
on public.tax_rates for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners and admins can add tax rates"
on public.tax_rates for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change tax rates"
on public.tax_rates for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Members other than technicians can read the price book"
on public.price_book_items for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners and admins can add price book items"
on public.price_book_items for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change price book items"
on public.price_book_items for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Members other than technicians can read price history"
on public.price_book_prices for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners and admins can read costs"
on public.price_book_item_costs for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can add costs"
on public.price_book_item_costs for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change costs"
on public.price_book_item_costs for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove costs"
on public.price_book_item_costs for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

-- RLS policies of estimates, their options and lines. Members other than technicians read
-- them; owners, admins and dispatchers draft them; the customer's portal users read the ones
-- sent to them (never drafts), and so does the technician on their work (to present it on site).
-- Status, numbers and totals are the database's (see the grants
-- and the RPCs). One permissive policy per role and action.

create policy "Members and portal users can read estimates"
on public.estimates for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or (customer_id in (select private.portal_customer_ids()) and status <> 'draft')
  or (customer_id in (select private.assigned_customer_ids()) and status <> 'draft')
);

create policy "Owners, admins and dispatchers can draft estimates"
on public.estimates for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can change estimates"
on public.estimates for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Members and portal users can read estimate options"
on public.estimate_options for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or estimate_id in (select private.portal_estimate_ids())
  or estimate_id in (select private.field_estimate_ids())
);

create policy "Owners, admins and dispatchers can add estimate options"
on public.estimate_options for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can change estimate options"
on public.estimate_options for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can remove estimate options"
on public.estimate_options for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Members and portal users can read estimate lines"
on public.estimate_lines for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or estimate_id in (select private.portal_estimate_ids())
  or estimate_id in (select private.field_estimate_ids())
);

create policy "Owners, admins and dispatchers can add estimate lines"
on public.estimate_lines for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can change estimate lines"
on public.estimate_lines for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can remove estimate lines"
on public.estimate_lines for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Signed-in users can read the legal estimate moves"
on public.estimate_transitions for select to authenticated
using (true);
