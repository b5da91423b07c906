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
