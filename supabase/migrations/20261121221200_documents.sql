-- Generated documents (invoices, estimates, inspection reports, work orders) rendered by the
-- worker and stored at <organization_id>/<kind>/<file> in the private `documents` bucket.

-- ==========================================================================================
-- Tables
-- ==========================================================================================

create table public.documents (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null check (kind in ('invoice', 'estimate', 'inspection_report', 'work_order')),
  title text not null check (char_length(title) between 1 and 300),
  storage_bucket text not null default 'documents',
  -- Starts with the organization's id, so storage policies can check it.
  storage_path text not null,
  content_type text not null default 'application/pdf',
  size_bytes bigint not null check (size_bytes > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  page_count integer not null check (page_count > 0),
  -- What the document was rendered from ('invoice', <id>), when it was.
  source_type text,
  source_id text,
  job_id bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint documents_path_in_organization check (
    storage_path like organization_id::text || '/%'
  ),
  constraint documents_storage_path_key unique (storage_bucket, storage_path)
);
create index documents_organization_id_idx on public.documents (organization_id, created_at desc);

alter table public.documents enable row level security;
revoke all on table public.documents from anon, authenticated, service_role;
grant select on table public.documents to authenticated;
grant select on table public.documents to service_role;

create trigger documents_touch_updated_at
before update on public.documents
for each row execute function private.touch_updated_at();

-- The private bucket the worker uploads to on Supabase Storage.
insert into storage.buckets (id, name, public)
values ('documents', 'documents', false)
on conflict (id) do nothing;

-- ==========================================================================================
-- Helpers (policies)
-- ==========================================================================================

-- The storage folders (organization ids) whose documents the caller may download: every
-- member's but a technician's, who sees the field paperwork through document rows only.
create or replace function private.document_folders() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select o::text from private.organization_ids_for('{owner,admin,dispatcher,viewer}') as o
$$;
revoke execute on function private.document_folders() from public;
grant execute on function private.document_folders() to authenticated;

-- ==========================================================================================
-- Functions for the worker
-- ==========================================================================================

-- Records (or replaces, when rendered again) a stored document; returns its id.
create or replace function queue.record_document(
  organization_id uuid, kind text, title text, storage_path text, size_bytes bigint,
  sha256 text, page_count integer, source_type text default null, source_id text default null,
  job_id bigint default null, storage_bucket text default 'documents'
) returns uuid
language sql security definer
set search_path = ''
as $$
  insert into public.documents as d (
    organization_id, kind, title, storage_bucket, storage_path, size_bytes, sha256, page_count,
    source_type, source_id, job_id
  )
  values (
    organization_id, kind, title, storage_bucket, storage_path, size_bytes, sha256, page_count,
    source_type, source_id, job_id
  )
  on conflict on constraint documents_storage_path_key do update
  set
    title = excluded.title, size_bytes = excluded.size_bytes, sha256 = excluded.sha256,
    page_count = excluded.page_count, job_id = excluded.job_id
  where d.organization_id = excluded.organization_id
  returning d.id
$$;
revoke execute on function queue.record_document(
  uuid, text, text, text, bigint, text, integer, text, text, bigint, text
) from public;
grant execute on function queue.record_document(
  uuid, text, text, text, bigint, text, integer, text, text, bigint, text
) to fieldbase_worker;
