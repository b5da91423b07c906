-- RLS policies of customer messages: members read their organization's messaging settings,
-- owners and admins change them (the sender number is the platform's); the office reads and adds
-- opt-outs; the office reads the communications log, a technician the messages of the customers
-- of their assigned work. Messages themselves are written by the database and the worker.

create policy "Members can read their organization's messaging settings"
on public.messaging_settings for select to authenticated
using (organization_id in (select private.organization_ids_for()));

create policy "Owners and admins can change the messaging settings"
on public.messaging_settings for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "The office can read its organization's opt-outs"
on public.message_opt_outs for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners, admins and dispatchers can record an opt-out"
on public.message_opt_outs for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "The office reads communications; technicians their work's"
on public.communications for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or customer_id in (select private.assigned_customer_ids())
);
