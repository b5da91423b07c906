-- RLS policies of technicians' credentials and of work orders, their assemblies and
-- assignments. Members other than technicians read all of the organization's work; a
-- technician reads the work assigned to them (and their own credentials); owners, admins and
-- dispatchers create and edit work; owners and admins keep the credentials. Status changes go
-- through public.move_work_order. One permissive policy per role and action.

-- tester certifications and test gauges ----------------------------------------------------------
-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members can read certifications; technicians their own"
on public.tester_certifications for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
);

create policy "Owners and admins can add certifications"
on public.tester_certifications for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can edit certifications"
on public.tester_certifications for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove certifications"
on public.tester_certifications for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members can read gauges; technicians their own"
on public.test_gauges for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
);

create policy "Owners and admins can add gauges"
on public.test_gauges for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can edit gauges"
on public.test_gauges for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove gauges"
on public.test_gauges for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

-- the status machine -------------------------------------------------------------------------
create policy "Signed-in users can read the legal work order moves"
on public.work_order_transitions for select to authenticated
using (true);

-- work orders --------------------------------------------------------------------------------
create policy "Members can read work orders; technicians those assigned"
on public.work_orders for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or id in (select private.assigned_work_order_ids())
);

create policy "Owners, admins and dispatchers can create work orders"
on public.work_orders for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can edit work orders"
on public.work_orders for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- work order assemblies ----------------------------------------------------------------------
create policy "Members can read work order assemblies; technicians theirs"
on public.work_order_assemblies for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
);

create policy "Owners, admins and dispatchers can add work order assemblies"
on public.work_order_assemblies for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can remove work order assemblies"
on public.work_order_assemblies for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- work order assignments ---------------------------------------------------------------------
create policy "Members can read assignments; technicians their work's"
on public.work_order_assignments for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
);

create policy "Owners, admins and dispatchers can assign work"
on public.work_order_assignments for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can unassign work"
on public.work_order_assignments for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- RLS policies of what a job carries: checklist items, notes and attachments (Storage bucket
-- `attachments`; its download policy is with the documents' in documents_and_webhooks.sql).
-- Whoever reads the work order reads these; owners, admins and dispatchers manage checklists;
-- they and the assigned technicians tick items, write notes and attach files. Notes are never
-- edited. One permissive policy per role and action.

-- checklist items ------------------------------------------------------------------------------
create policy "Members can read checklists; technicians their work's"
on public.work_order_checklist_items for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
);

create policy "Owners, admins and dispatchers can add checklist items"
on public.work_order_checklist_items for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Dispatchers and assigned technicians can tick checklist items"
on public.work_order_checklist_items for update to authenticated
using (work_order_id in (select private.workable_work_order_ids()))
with check (work_order_id in (select private.workable_work_order_ids()));

create policy "Owners, admins and dispatchers can remove checklist items"
on public.work_order_checklist_items for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- notes ------------------------------------------------------------------------------------------
create policy "Members can read notes; technicians their work's"
on public.work_order_notes for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
);

create policy "Dispatchers and assigned technicians can write notes"
on public.work_order_notes for insert to authenticated
with check (
  work_order_id in (select private.workable_work_order_ids())
  and author_id = (select auth.uid())
);

-- attachments, and files to import ---------------------------------------------------------------
-- One insert and one delete policy on storage.objects (one permissive policy per role and
-- action): job attachments as the job is workable, photos of assemblies and draft test reports
-- as they are (see supabase/current/09_backflow_testing_and_compliance.sql), the signature of
-- an approved estimate (20_signatures.sql), and the files owners
-- and admins import
-- (documents bucket, <organization_id>/imports/; see supabase/current/17_bulk_import.sql).
create policy "Members attach files to jobs; owners and admins upload imports"
on storage.objects for insert to authenticated
with check (
  (
    bucket_id = 'attachments'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.writable_work_order_folders())
  )
  or (
    bucket_id = 'attachments'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.writable_field_photo_folders())
  )
  or (
    bucket_id = 'attachments' and (storage.foldername(name))[2] = 'estimates'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.estimate_signature_folders(true))
  )
  or (
    bucket_id = 'documents' and (storage.foldername(name))[2] = 'imports'
    and (storage.foldername(name))[1] in (select private.export_folders())
  )
);

create policy "Members can remove job attachments; owners and admins imports"
on storage.objects for delete to authenticated
using (
  (
    bucket_id = 'attachments'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.writable_work_order_folders())
  )
  or (
    bucket_id = 'attachments'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.writable_field_photo_folders())
  )
  or (
    bucket_id = 'documents' and (storage.foldername(name))[2] = 'imports'
    and (storage.foldername(name))[1] in (select private.export_folders())
  )
);
