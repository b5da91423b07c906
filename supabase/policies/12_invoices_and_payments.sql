-- RLS policies of invoices, their lines, credit notes, reminders, payments and refunds.
-- Billing is for owners and admins; viewers read it; technicians read the invoices of the work
-- assigned to them only where the organization lets them see prices; the customer's portal
-- users read their sent invoices and what was paid. Owners and admins write drafts (and delete
-- them); everything after sending goes through RPCs. One permissive policy per role and action.

create policy "Members, priced technicians and portal users can read invoices"
on public.invoices for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,viewer}'))
  or work_order_id in (select private.priced_work_order_ids())
  or (customer_id in (select private.portal_customer_ids()) and status <> 'draft')
);

create policy "Owners and admins can draft invoices"
on public.invoices for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change draft invoices"
on public.invoices for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')) and status = 'draft')
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can delete draft invoices"
on public.invoices for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')) and status = 'draft');

create policy "Members, priced technicians, portal users read invoice lines"
on public.invoice_lines for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,viewer}'))
  or invoice_id in (select private.portal_or_priced_invoice_ids())
);

create policy "Owners and admins can add invoice lines"
on public.invoice_lines for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change invoice lines"
on public.invoice_lines for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove invoice lines"
on public.invoice_lines for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Members and portal users can read credit notes"
on public.credit_notes for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,viewer}'))
  or invoice_id in (select private.portal_invoice_ids())
);

create policy "Owners, admins and viewers can read invoice reminders"
on public.invoice_reminders for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,viewer}')));

create policy "Members and portal users can read payments"
on public.payments for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,viewer}'))
  or invoice_id in (select private.portal_invoice_ids())
);

create policy "Members and portal users can read refunds"
on public.payment_refunds for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,viewer}'))
  or invoice_id in (select private.portal_invoice_ids())
);

create policy "Signed-in users can read the legal invoice moves"
on public.invoice_transitions for select to authenticated
using (true);
