-- RLS policies of backflow test reports and their thresholds. Members other than technicians
-- read every report; a technician reads their own and those of the assemblies on their work,
-- records tests of those assemblies, and edits their own drafts. Finalising is an RPC
-- (public.finalize_backflow_test). One permissive policy per role and action.

create policy "Signed-in users can read the test thresholds"
on public.backflow_test_thresholds for select to authenticated
using (true);

create policy "Members read test reports; technicians and portal users theirs"
on public.backflow_test_reports for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or (user_id = (select auth.uid()) and organization_id in (select private.organization_ids_for()))
  or assembly_id in (select private.assigned_assembly_ids())
  or (assembly_id in (select private.portal_assembly_ids()) and status = 'finalized')
);

create policy "Dispatchers record tests; technicians tests on their work"
on public.backflow_test_reports for insert to authenticated
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (user_id = (select auth.uid()) and assembly_id in (select private.assigned_assembly_ids()))
);

create policy "Dispatchers edit reports; technicians their own drafts"
on public.backflow_test_reports for update to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (
    user_id = (select auth.uid())
    and organization_id in (select private.organization_ids_for())
    and status = 'draft'
  )
)
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (user_id = (select auth.uid()) and organization_id in (select private.organization_ids_for()))
);
