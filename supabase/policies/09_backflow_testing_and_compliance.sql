-- RLS policies of backflow test reports and their thresholds. Members other than technicians
-- read every report; a technician reads their own and those of the assemblies on their work,
-- records tests of those assemblies, and edits their own drafts. Every reference a technician
-- sets stays inside their work: the work order (one assigned to them, or none), the assembly
-- (on their work), their own certification and gauge; a retest's report is of the same
-- assembly by its foreign key. A reference to a colleague's row and to no row are refused
-- alike. Finalising is an RPC (public.finalize_backflow_test). One permissive policy per role
-- and action.

create policy "Signed-in users can read the test thresholds"
on public.backflow_test_thresholds for select to authenticated
using (true);

-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members read test reports; technicians and portal users theirs"
on public.backflow_test_reports for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or assembly_id in (select private.assigned_assembly_ids())
  or (assembly_id in (select private.portal_assembly_ids()) and status = 'finalized')
);

create policy "Dispatchers record tests; technicians tests on their work"
on public.backflow_test_reports for insert to authenticated
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (
    user_id = (select auth.uid())
    and assembly_id in (select private.assigned_assembly_ids())
    and (work_order_id is null or work_order_id in (select private.assigned_work_order_ids()))
    and (certification_id is null or certification_id in (select private.own_certification_ids()))
    and (gauge_id is null or gauge_id in (select private.own_gauge_ids()))
  )
);

create policy "Dispatchers edit reports; technicians their own drafts"
on public.backflow_test_reports for update to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (
    user_id = (select auth.uid())
    and status = 'draft'
    and assembly_id in (select private.assigned_assembly_ids())
    and (work_order_id is null or work_order_id in (select private.assigned_work_order_ids()))
  )
)
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (
    user_id = (select auth.uid())
    and assembly_id in (select private.assigned_assembly_ids())
    and (work_order_id is null or work_order_id in (select private.assigned_work_order_ids()))
    and (certification_id is null or certification_id in (select private.own_certification_ids()))
    and (gauge_id is null or gauge_id in (select private.own_gauge_ids()))
  )
);

-- authority submission batches -------------------------------------------------------------------
create policy "Members can read their authorities' submission batches"
on public.authority_submission_batches for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}')));
