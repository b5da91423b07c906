-- RLS policies of CSV exports: owners and admins of the organization see its exports (the
-- files are in Storage under <organization_id>/exports/, for the same people). Exports are
-- requested through public.request_export and finished by the worker.

create policy "Owners and admins can read their organization's exports"
on public.exports for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));
