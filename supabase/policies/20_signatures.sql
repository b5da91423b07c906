-- RLS policies of signatures: read as the work order or the estimate is (the office, the
-- technician on the work, the customer in the portal); written only by sign_work_order and
-- sign_estimate. The images are in the attachments bucket, under the work order's folder (its
-- attachment policies) or the estimate's (estimate_signature_folders, with the other storage
-- policies in email_documents_and_webhooks.sql and work_orders.sql).

create policy "Signatures are read as what was signed is"
on public.signatures for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
  or estimate_id in (select private.portal_estimate_ids())
  or estimate_id in (select private.field_estimate_ids())
);
