-- RLS policies of support tickets, their comments, business hours and SLA targets. Members
-- other than technicians read every ticket; owners, admins and dispatchers open and work them;
-- a member a ticket is assigned to works it too; the customer's portal users read their
-- customer's tickets and the comments meant for them (never internal ones), and write through
-- RPCs. One permissive policy per role and action.

create policy "Members read tickets; assignees and portal users theirs"
on public.tickets for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or id in (select private.assigned_ticket_ids())
  or customer_id in (select private.portal_customer_ids())
);

create policy "Owners, admins and dispatchers can open tickets"
on public.tickets for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins, dispatchers and assignees can work tickets"
on public.tickets for update to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or id in (select private.assigned_ticket_ids())
)
with check (organization_id in (select private.organization_ids_for()));

create policy "Members read comments; portal users those not internal"
on public.ticket_comments for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or ticket_id in (select private.assigned_ticket_ids())
  or (ticket_id in (select private.portal_ticket_ids()) and not internal)
);

create policy "Owners, admins, dispatchers and assignees can comment"
on public.ticket_comments for insert to authenticated
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or ticket_id in (select private.assigned_ticket_ids())
);

create policy "Signed-in users can read the legal ticket moves"
on public.ticket_transitions for select to authenticated
using (true);

create policy "Members can read business hours"
on public.business_hours for select to authenticated
using (organization_id in (select private.organization_ids_for()));

create policy "Owners and admins can add business hours"
on public.business_hours for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change business hours"
on public.business_hours for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove business hours"
on public.business_hours for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Members can read SLA targets"
on public.ticket_sla_targets for select to authenticated
using (organization_id in (select private.organization_ids_for()));

create policy "Owners and admins can add SLA targets"
on public.ticket_sla_targets for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change SLA targets"
on public.ticket_sla_targets for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove SLA targets"
on public.ticket_sla_targets for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));
