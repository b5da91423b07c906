-- Field operations, part eight: what a job carries. Checklists the technician ticks off, notes
-- from the office and the field, and attachments (photos, PDFs) in Supabase Storage's private
-- `attachments` bucket under <organization_id>/work_orders/<work_order_id>/..., readable and
-- writable exactly as the work order is.

-- ==========================================================================================
-- Checklists and notes
-- ==========================================================================================

-- One step of a job's checklist ("Shut off valve 2", "Photo of the test cock").
create table public.work_order_checklist_items (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid not null,
  position integer not null default 0,
  label text not null check (char_length(label) between 1 and 200),
  done boolean not null default false,
  done_by uuid references auth.users (id) on delete set null,
  done_at timestamptz,
  created_at timestamptz not null default now(),
  constraint work_order_checklist_items_organization_id_id_key unique (organization_id, id),
  constraint work_order_checklist_items_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade
);
create index work_order_checklist_items_work_order_idx
on public.work_order_checklist_items (organization_id, work_order_id, position);
create index work_order_checklist_items_done_by_idx on public.work_order_checklist_items (done_by);

-- A note on a job, by whoever wrote it.
create table public.work_order_notes (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid not null,
  author_id uuid default auth.uid() references auth.users (id) on delete set null,
  body text not null check (char_length(body) between 1 and 5000),
  created_at timestamptz not null default now(),
  constraint work_order_notes_organization_id_id_key unique (organization_id, id),
  constraint work_order_notes_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade
);
create index work_order_notes_work_order_idx
on public.work_order_notes (organization_id, work_order_id, created_at);
create index work_order_notes_author_idx on public.work_order_notes (author_id);

-- Ticking an item records who and when; unticking clears both. Technicians tick; what a step
-- says and where it stands is for owners, admins and dispatchers.
create or replace function private.stamp_checklist_item() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_api_caller()
     and (new.label, new.position) is distinct from (old.label, old.position)
     and new.organization_id not in (select private.organization_ids_for('{owner,admin,dispatcher}')) then
    raise exception 'Only owners, admins and dispatchers edit a checklist; technicians tick it'
    using errcode = '42501';
  end if;
  if new.done is distinct from old.done then
    new.done_by := case when new.done then (select auth.uid()) end;
    new.done_at := case when new.done then now() end;
  end if;
  return new;
end
$$;
revoke all on function private.stamp_checklist_item() from public;

create trigger work_order_checklist_items_stamp
before update on public.work_order_checklist_items
for each row execute function private.stamp_checklist_item();

select private.guard_tenant_table('public.work_order_checklist_items');
select private.guard_tenant_table('public.work_order_notes');
select private.enable_audit('public.work_order_checklist_items', 'organization_id', array[
  'id', 'organization_id', 'work_order_id', 'position', 'label', 'done', 'done_by', 'done_at'
]);
select private.enable_audit('public.work_order_notes', 'organization_id', array[
  'id', 'organization_id', 'work_order_id', 'author_id', 'body'
]);

-- The work orders the signed-in user may add to: all of their organizations' for owners,
-- admins and dispatchers, their assigned ones for everyone else.
create or replace function private.workable_work_order_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select w.id from public.work_orders as w
  where w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  union
  select private.assigned_work_order_ids()
$$;
revoke all on function private.workable_work_order_ids() from public, anon, authenticated, service_role;
grant execute on function private.workable_work_order_ids() to authenticated;

-- ==========================================================================================
-- Attachments in Storage
-- ==========================================================================================

-- The private bucket for what people attach to jobs: photos and PDFs, 20 MB at most.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'attachments', 'attachments', false, 20 * 1024 * 1024,
  array['image/jpeg', 'image/png', 'image/heic', 'image/webp', 'application/pdf']
)
on conflict (id) do nothing;

-- The folder of each work order a user may read ("<organization_id>/work_orders/<id>"), and
-- of each they may add to.
create or replace function private.readable_work_order_folders() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select w.organization_id || '/work_orders/' || w.id from public.work_orders as w
  where w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
     or w.id in (select private.assigned_work_order_ids())
$$;
revoke all on function private.readable_work_order_folders() from public, anon, authenticated, service_role;
grant execute on function private.readable_work_order_folders() to authenticated;

create or replace function private.writable_work_order_folders() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select w.organization_id || '/work_orders/' || w.id from public.work_orders as w
  where w.id in (select private.workable_work_order_ids())
$$;
revoke all on function private.writable_work_order_folders() from public, anon, authenticated, service_role;
grant execute on function private.writable_work_order_folders() to authenticated;

-- ==========================================================================================
-- Grants (policies: supabase/policies/work_order_details.sql)
-- ==========================================================================================

alter table public.work_order_checklist_items enable row level security;
alter table public.work_order_notes enable row level security;
revoke all on table public.work_order_checklist_items, public.work_order_notes
from anon, authenticated, service_role;

grant select, delete on table public.work_order_checklist_items to authenticated;
grant insert (organization_id, work_order_id, position, label)
on table public.work_order_checklist_items to authenticated;
grant update (position, label, done) on table public.work_order_checklist_items to authenticated;

grant select on table public.work_order_notes to authenticated;
grant insert (organization_id, work_order_id, body) on table public.work_order_notes to authenticated;

grant select, insert, update, delete on table public.work_order_checklist_items,
public.work_order_notes to service_role;
