-- Signatures: the customer's on a completed work order (on the technician's phone) and on an
-- approved estimate (in the portal, or on the phone with the office): the image in Storage, the
-- signer's name, when, and the client address the API gateway saw. Written by
-- public.sign_work_order and public.sign_estimate (the next migration), printed on the PDFs.
create table public.signatures (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid,
  estimate_id uuid,
  signer_name text not null,
  image_path text not null,
  client_address text,
  signed_by uuid references auth.users (id) on delete set null,
  signed_at timestamptz not null default now(),
  constraint signatures_organization_id_id_key unique (organization_id, id),
  constraint signatures_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade,
  constraint signatures_estimate_fkey foreign key (organization_id, estimate_id)
  references public.estimates (organization_id, id) on delete cascade,
  constraint signatures_one_subject check (num_nonnulls(work_order_id, estimate_id) = 1),
  constraint signatures_signer_name_check check (char_length(signer_name) between 1 and 200),
  constraint signatures_image_path_check check (char_length(image_path) <= 500),
  constraint signatures_client_address_check check (char_length(client_address) <= 64)
);
-- One signature per work order and per estimate; the indexes also serve the foreign keys.
create unique index signatures_work_order_idx on public.signatures (organization_id, work_order_id);
create unique index signatures_estimate_idx on public.signatures (organization_id, estimate_id);
create index signatures_organization_idx on public.signatures (organization_id, signed_at desc);
create index signatures_signed_by_idx on public.signatures (signed_by);
alter table public.signatures enable row level security;
revoke all on table public.signatures from public, anon, authenticated, service_role;
grant select on table public.signatures to authenticated, service_role;

comment on table public.signatures is
'A customer''s signature on a completed work order or an approved estimate: the image in Storage '
'(attachments bucket, under the work order''s or the estimate''s folder), the signer''s name, when, '
'and the client address the API gateway saw. Read as the work order or estimate is; written by '
'sign_work_order and sign_estimate; printed on the work order, estimate and test report PDFs.';
comment on column public.signatures.id is 'The signature''s id.';
comment on column public.signatures.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.signatures.work_order_id is 'The work order signed on completion.';
comment on column public.signatures.estimate_id is 'The estimate signed on approval.';
comment on column public.signatures.signer_name is 'The name the signer gave.';
comment on column public.signatures.image_path is
'The signature image in the attachments bucket (PNG or JPEG).';
comment on column public.signatures.client_address is
'The client address the API gateway saw (X-Real-IP, else the last X-Forwarded-For hop).';
comment on column public.signatures.signed_by is
'The signed-in user who recorded it (technician, office or portal user).';
comment on column public.signatures.signed_at is 'When it was signed.';
