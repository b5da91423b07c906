-- RLS policies of bulk imports: owners and admins of the organization see its imports, what
-- each row became, and edit the saved mappings. Imports are started, committed and cancelled
-- through public.start_import, commit_import and cancel_import, and run by the worker; the
-- uploaded files are in Storage under <organization_id>/imports/ for the same people.

create policy "Owners and admins can read their organization's imports"
on public.imports for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can read what their imports' rows became"
on public.import_rows for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can read their import mappings"
on public.import_mappings for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can save import mappings"
on public.import_mappings for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change import mappings"
on public.import_mappings for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove import mappings"
on public.import_mappings for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Signed-in users can read the import fields"
on public.import_fields for select to authenticated
using (true);
