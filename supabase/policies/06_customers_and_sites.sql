-- RLS policies of customers, their contacts, sites, water authorities and assemblies. Members
-- other than technicians read them, technicians those of the work assigned to them; owners,
-- admins and dispatchers add and edit them; archived customers and sites are invisible. One
-- permissive policy per role and action.

-- customers ------------------------------------------------------------------------------------
create policy "Members can read live customers; technicians their work's"
on public.customers for select to authenticated
using (
  (
    organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
    or id in (select private.assigned_customer_ids())
  )
  and deleted_at is null
);

create policy "Owners, admins and dispatchers can add customers"
on public.customers for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can edit live customers"
on public.customers for update to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  and deleted_at is null
)
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- customer contacts ----------------------------------------------------------------------------
create policy "Members can read contacts; technicians their work's"
on public.customer_contacts for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or customer_id in (select private.assigned_customer_ids())
);

create policy "Owners, admins and dispatchers can add customer contacts"
on public.customer_contacts for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can edit customer contacts"
on public.customer_contacts for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can remove customer contacts"
on public.customer_contacts for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- water authorities ----------------------------------------------------------------------------
create policy "Members can read their organization's water authorities"
on public.water_authorities for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));

create policy "Owners and admins can add water authorities"
on public.water_authorities for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can edit water authorities"
on public.water_authorities for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove water authorities"
on public.water_authorities for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

-- sites ----------------------------------------------------------------------------------------
create policy "Members read live sites; technicians and portal users theirs"
on public.sites for select to authenticated
using (
  (
    organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
    or id in (select private.assigned_site_ids())
    or id in (select private.portal_site_ids())
  )
  and deleted_at is null
);

create policy "Owners, admins and dispatchers can add sites"
on public.sites for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can edit live sites"
on public.sites for update to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  and deleted_at is null
)
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- assemblies -----------------------------------------------------------------------------------
create policy "Members read assemblies; technicians and portal users theirs"
on public.assemblies for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or id in (select private.assigned_assembly_ids())
  or id in (select private.portal_assembly_ids())
);

create policy "Owners, admins and dispatchers can add assemblies"
on public.assemblies for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can edit assemblies"
on public.assemblies for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- water authority thresholds -------------------------------------------------------------------
create policy "Members can read their water authorities' thresholds"
on public.water_authority_thresholds for select to authenticated
using (organization_id in (select private.organization_ids_for()));

create policy "Owners and admins can set water authorities' thresholds"
on public.water_authority_thresholds for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change water authorities' thresholds"
on public.water_authority_thresholds for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove water authorities' thresholds"
on public.water_authority_thresholds for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));
