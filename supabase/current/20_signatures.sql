-- Signatures: the customer signs a completed work order (on the technician's phone) or an
-- approved estimate (in the portal, or with the office). The image is uploaded to Storage first,
-- under the work order's or the estimate's folder of the attachments bucket; the RPC records who,
-- when and the gateway's client address, and queues the signed PDF.

-- A signature as the PDFs print it, or null.
create or replace function private.signature_document(work_order uuid, estimate uuid)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object('signer_name', s.signer_name, 'signed_at', s.signed_at, 'image_path', s.image_path)
  from public.signatures as s
  where (work_order is not null and s.work_order_id = work_order) or (estimate is not null and s.estimate_id = estimate)
  limit 1
$$;
revoke all on function private.signature_document(work_order uuid, estimate uuid)
from public, anon, authenticated, service_role;

-- What both signatures share: a name and an image uploaded to the subject's folder are checked,
-- then the signature is recorded once with the address the API gateway saw (private.client_address:
-- never the hop the client wrote). Asking again with the same name and image answers the same
-- signature (recorded false: a phone retrying); anything else on a signed subject is PT409.
create or replace function private.record_signature(
  organization uuid,
  work_order uuid,
  estimate uuid,
  signer_name text,
  image_path text,
  out signature public.signatures,
  out recorded boolean
)
language plpgsql security definer
set search_path = ''
as $$
declare
  name text := btrim(signer_name);
  folder text := organization || case
    when work_order is not null then '/work_orders/' || work_order
    else '/estimates/' || estimate
  end;
begin
  if name is null or name = '' or char_length(name) > 200 then
    raise exception 'A signature needs the signer''s name (200 characters at most)' using errcode = '22023';
  end if;
  if image_path is null or not starts_with(image_path, folder || '/') or image_path ~ '(^|/)\.\.?(/|$)'
     or lower(image_path) !~ '\.(png|jpe?g)$' then
    raise exception 'The signature image (PNG or JPEG) belongs under %/', folder using errcode = '22023';
  end if;
  if not exists (select from storage.objects as o where o.bucket_id = 'attachments' and o.name = image_path) then
    raise exception 'Upload the signature image before recording the signature' using errcode = 'PT404';
  end if;
  select * into signature from public.signatures as s
  where s.organization_id = organization and (s.work_order_id = work_order or s.estimate_id = estimate);
  if signature.id is not null then
    if signature.image_path = image_path and signature.signer_name = name then
      recorded := false;
      return;
    end if;
    raise exception 'This % was signed by % already',
      case when work_order is not null then 'work order' else 'estimate' end, signature.signer_name
    using errcode = 'PT409';
  end if;
  insert into public.signatures (
    organization_id, work_order_id, estimate_id, signer_name, image_path, client_address, signed_by
  )
  values (
    organization, work_order, estimate, name, image_path,
    host(private.client_address(coalesce(current_setting('request.headers', true), '{}')::jsonb)),
    (select auth.uid())
  )
  returning * into signature;
  recorded := true;
end
$$;
revoke all on function private.record_signature(
  organization uuid, work_order uuid, estimate uuid, signer_name text, image_path text
)
from public, anon, authenticated, service_role;

-- The work order as its PDF shows it, signature included.
create or replace function private.work_order_document(work_order uuid)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'type', 'work_order',
    'number', 'WO-' || w.number,
    'scheduled_for', coalesce(
      (select min(v.starts_at) from public.visits as v where v.work_order_id = w.id and v.status <> 'cancelled'),
      w.created_at
    ),
    'customer', (select p.party from private.billing_party(w.customer_id) as p),
    'site_address', concat_ws(', ', s.line1, s.city, s.postal_code),
    'technician', (
      select private.display_name(a.user_id) from public.work_order_assignments as a
      where a.work_order_id = w.id order by a.created_at limit 1
    ),
    'tasks', coalesce((
      select jsonb_agg(jsonb_build_object('description', c.label, 'done', c.done) order by c.position, c.id)
      from public.work_order_checklist_items as c where c.work_order_id = w.id
    ), '[]'::jsonb),
    'notes', w.description,
    'signature', private.signature_document(w.id, null)
  )
  from public.work_orders as w
  inner join public.sites as s on w.site_id = s.id
  where w.id = work_order
$$;
revoke all on function private.work_order_document(work_order uuid)
from public, anon, authenticated, service_role;

-- The customer signs the completed work: the visit's technician or the office records it. Asking
-- again with the same name and image answers the same signature (a phone retrying).
create or replace function private.sign_work_order(work_order_id uuid, signer_name text, image_path text)
returns public.signatures
language plpgsql security definer
set search_path = ''
as $$
declare
  work public.work_orders;
  caller_role public.member_role;
  signed record;
begin
  select * into work from public.work_orders as w
  where w.id = sign_work_order.work_order_id and w.organization_id in (select private.organization_ids_for());
  if work.id is null then
    raise exception 'This work order does not exist' using errcode = 'PT404';
  end if;
  caller_role := private.authorize(
    work.organization_id, '{owner,admin,dispatcher,technician}', 'Viewers cannot record a signature'
  );
  if caller_role = 'technician' and work.id not in (select private.assigned_work_order_ids()) then
    raise exception 'This work order does not exist' using errcode = 'PT404';
  end if;
  if work.status not in ('in_progress', 'completed') then
    raise exception 'A work order is signed when the work is done; this one is %', work.status
    using errcode = 'PT409';
  end if;
  select * into signed from private.record_signature(work.organization_id, work.id, null, signer_name, image_path);
  if signed.recorded then
    perform queue.enqueue(
      'pdf.render',
      jsonb_build_object(
        'document', private.work_order_document(work.id), 'source_type', 'work_order', 'source_id', work.id
      ),
      work.organization_id,
      'work_order_signed:' || work.id::text
    );
  end if;
  return signed.signature;
end
$$;
revoke all on function private.sign_work_order(work_order_id uuid, signer_name text, image_path text)
from public, anon, authenticated, service_role;
grant execute on function private.sign_work_order(work_order_id uuid, signer_name text, image_path text)
to authenticated;

create or replace function public.sign_work_order(work_order_id uuid, signer_name text, image_path text)
returns public.signatures
language plpgsql
set search_path = ''
as $$
begin
  return private.sign_work_order(work_order_id, signer_name, image_path);
end
$$;
revoke all on function public.sign_work_order(work_order_id uuid, signer_name text, image_path text)
from public, anon, authenticated, service_role;
grant execute on function public.sign_work_order(work_order_id uuid, signer_name text, image_path text)
to authenticated;

-- The customer signs the estimate they approved: in the portal, on the technician's phone on site,
-- or with the office. The estimate PDF is rendered again with the signature.
create or replace function private.sign_estimate(estimate_id uuid, signer_name text, image_path text)
returns public.signatures
language plpgsql security definer
set search_path = ''
as $$
declare
  estimate public.estimates;
  signed record;
begin
  select * into estimate from public.estimates as e
  where
    e.id = sign_estimate.estimate_id
    and (
      e.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
      or e.id in (select private.portal_estimate_ids())
      or e.id in (select private.field_estimate_ids())
    );
  if estimate.id is null then
    raise exception 'This estimate does not exist' using errcode = 'PT404';
  end if;
  perform private.assert_organization_writable(estimate.organization_id);
  if estimate.status <> 'approved' then
    raise exception 'An estimate is signed once it is approved; this one is %', estimate.status
    using errcode = 'PT409';
  end if;
  select * into signed from private.record_signature(estimate.organization_id, null, estimate.id, signer_name, image_path);
  if signed.recorded then
    perform queue.enqueue(
      'pdf.render',
      jsonb_build_object(
        'document', private.estimate_document(estimate.id) || jsonb_build_object(
          'signature', private.signature_document(null, estimate.id)
        ),
        'source_type', 'estimate', 'source_id', estimate.id
      ),
      estimate.organization_id,
      'estimate_signed:' || estimate.id::text
    );
  end if;
  return signed.signature;
end
$$;
revoke all on function private.sign_estimate(estimate_id uuid, signer_name text, image_path text)
from public, anon, authenticated, service_role;
grant execute on function private.sign_estimate(estimate_id uuid, signer_name text, image_path text)
to authenticated;

create or replace function public.sign_estimate(estimate_id uuid, signer_name text, image_path text)
returns public.signatures
language plpgsql
set search_path = ''
as $$
begin
  return private.sign_estimate(estimate_id, signer_name, image_path);
end
$$;
revoke all on function public.sign_estimate(estimate_id uuid, signer_name text, image_path text)
from public, anon, authenticated, service_role;
grant execute on function public.sign_estimate(estimate_id uuid, signer_name text, image_path text)
to authenticated;

-- Where estimate signatures are uploaded (<organization_id>/estimates/<estimate_id>): the office's
-- approved estimates, the portal user's own and those the technician presents on site, while
-- unsigned. Reading: the same people's estimates.
create or replace function private.estimate_signature_folders(writing boolean)
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select e.organization_id || '/estimates/' || e.id from public.estimates as e
  where
    (
      e.organization_id in (
        select private.organization_ids_for(
          case when writing then '{owner,admin,dispatcher}'::public.member_role[]
          else '{owner,admin,dispatcher,viewer}'::public.member_role[] end
        )
      )
      or e.id in (select private.portal_estimate_ids())
      or e.id in (select private.field_estimate_ids())
    )
    and (
      not writing
      or (e.status = 'approved' and not exists (select from public.signatures as s where s.estimate_id = e.id))
    );
end
$$;
revoke all on function private.estimate_signature_folders(writing boolean)
from public, anon, authenticated, service_role;
grant execute on function private.estimate_signature_folders(writing boolean)
to authenticated;
