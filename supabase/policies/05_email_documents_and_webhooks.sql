-- RLS policies of the worker's outputs: generated documents and webhook endpoints and their
-- delivery log. Only the worker (through queue.* functions) writes documents and deliveries;
-- endpoints are created through public.create_webhook_endpoint, which returns the secret.

-- documents ------------------------------------------------------------------------------------
create policy "Members read documents; technicians and portal users theirs"
on public.documents for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or storage_path in (select private.assigned_document_paths())
  or storage_path in (select private.portal_document_paths())
);

-- One select policy for both buckets (one permissive policy per role and action): generated
-- documents for members other than technicians, a technician's documents of their own work,
-- CSV exports and imported files for owners and admins, a portal user's own documents, job
-- attachments as the job is readable, photos of assemblies and test reports as they are,
-- estimate signatures as the estimate is.
create policy "Members and portal users can download documents and attachments"
on storage.objects for select to authenticated
using (
  (
    bucket_id = 'documents' and (storage.foldername(name))[1] in (select private.document_folders())
    and coalesce((storage.foldername(name))[2], '') not in ('exports', 'imports')
  )
  or (
    bucket_id = 'documents' and (storage.foldername(name))[2] in ('exports', 'imports')
    and (storage.foldername(name))[1] in (select private.export_folders())
  )
  or (bucket_id = 'documents' and name in (select private.assigned_document_paths()))
  or (bucket_id = 'documents' and name in (select private.portal_document_paths()))
  or (
    bucket_id = 'attachments'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.readable_work_order_folders())
  )
  or (
    bucket_id = 'attachments' and (storage.foldername(name))[2] in ('assemblies', 'backflow_test_reports')
    and (storage.foldername(name))[1] in (select private.document_folders())
  )
  or (
    bucket_id = 'attachments'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.readable_field_photo_folders())
  )
  or (
    bucket_id = 'attachments' and (storage.foldername(name))[2] = 'estimates'
    and array_to_string((storage.foldername(name))[1:3], '/')
    in (select private.estimate_signature_folders(false))
  )
);

-- webhook endpoints ---------------------------------------------------------------------------
create policy "Owners and admins can read their organization's webhook endpoints"
on public.webhook_endpoints for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can change their organization's webhook endpoints"
on public.webhook_endpoints for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin}')));

create policy "Owners and admins can remove their organization's webhook endpoints"
on public.webhook_endpoints for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

-- webhook deliveries --------------------------------------------------------------------------
create policy "Owners and admins can read their organization's webhook deliveries"
on public.webhook_deliveries for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));
