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

-- attachments ------------------------------------------------------------------------------------
create policy "Dispatchers and assigned technicians can attach files to jobs"
on storage.objects for insert to authenticated
with check (
  bucket_id = 'attachments'
  and array_to_string((storage.foldername(name))[1:3], '/')
  in (select private.writable_work_order_folders())
);

create policy "Dispatchers and assigned technicians can remove job attachments"
on storage.objects for delete to authenticated
using (
  bucket_id = 'attachments'
  and array_to_string((storage.foldername(name))[1:3], '/')
  in (select private.writable_work_order_folders())
);
