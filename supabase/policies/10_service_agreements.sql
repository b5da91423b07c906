-- RLS policies of service agreements and the assemblies they cover. Members other than
-- technicians read them; owners and admins keep them (they carry prices). One permissive
-- policy per role and action.

create policy "Members other than technicians can read service agreements"
on public.service_agreements for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners and admins can add service agreements"
on public.service_agreements for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change service agreements"
on public.service_agreements for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Members other than technicians can read agreement assemblies"
on public.service_agreement_assemblies for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners and admins can add agreement assemblies"
on public.service_agreement_assemblies for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove agreement assemblies"
on public.service_agreement_assemblies for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));
