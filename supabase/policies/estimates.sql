-- RLS policies of estimates, their options and lines. Members other than technicians read
-- them; owners, admins and dispatchers draft them; the customer's portal users read the ones
-- sent to them (never drafts). Status, numbers and totals are the database's (see the grants
-- and the RPCs). One permissive policy per role and action.

create policy "Members and portal users can read estimates"
on public.estimates for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or (customer_id in (select private.portal_customer_ids()) and status <> 'draft')
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
