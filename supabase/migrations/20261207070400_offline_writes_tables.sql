-- Writes that survive a dead zone: what a technician writes in the field accepts the id the
-- phone generated (a retried insert is absorbed, see supabase/current/19_offline_sync.sql), rows
-- the office and a technician both change carry a version, every synced table has an updated_at
-- the database keeps, and a deleted row leaves a tombstone for 30 days, so "what changed for me
-- since T" is one indexed query per table. Tables only: the triggers are in the next migration.

-- A phone names the rows it creates, so a retry after a lost answer is the same row.
grant insert (id) on table public.backflow_test_reports to authenticated;
grant insert (id) on table public.time_entries to authenticated;
grant insert (id) on table public.work_order_checklist_items to authenticated;
grant insert (id) on table public.work_order_notes to authenticated;

-- What an office edit and a technician's edit can cross on.
alter table public.work_orders add column version integer not null default 1;
alter table public.visits add column version integer not null default 1;
alter table public.backflow_test_reports add column version integer not null default 1;
grant select (version), update (version) on table public.work_orders to authenticated;
grant select (version), update (version) on table public.visits to authenticated;
grant select (version), update (version) on table public.backflow_test_reports to authenticated;
comment on column public.work_orders.version is
'Goes up by one with every change. Send the version you read with an update: a stale one is '
'refused with PT409 and the current row, instead of overwriting a change you have not seen.';
comment on column public.visits.version is
'Goes up by one with every change. Send the version you read with an update: a stale one is '
'refused with PT409 and the current row.';
comment on column public.backflow_test_reports.version is
'Goes up by one with every change. Send the version you read with an update: a stale one is '
'refused with PT409 and the current row.';

-- Every synced table says when each row last changed.
alter table public.time_entries add column updated_at timestamptz not null default now();
alter table public.work_order_checklist_items add column updated_at timestamptz not null default now();
alter table public.work_order_notes add column updated_at timestamptz not null default now();
alter table public.work_order_assignments add column updated_at timestamptz not null default now();
alter table public.work_order_assemblies add column updated_at timestamptz not null default now();
grant select (updated_at) on table public.time_entries to authenticated;
grant select (updated_at) on table public.work_order_checklist_items to authenticated;
grant select (updated_at) on table public.work_order_notes to authenticated;
grant select (updated_at) on table public.work_order_assignments to authenticated;
grant select (updated_at) on table public.work_order_assemblies to authenticated;
comment on column public.time_entries.updated_at is
'When the row last changed (kept by the database).';
comment on column public.work_order_checklist_items.updated_at is
'When the row last changed (kept by the database).';
comment on column public.work_order_notes.updated_at is
'When the row last changed (kept by the database).';
comment on column public.work_order_assignments.updated_at is
'When the row last changed (kept by the database).';
comment on column public.work_order_assemblies.updated_at is
'When the row last changed (kept by the database).';

-- "Changed since T" per table: one index range per organization.
create index work_orders_changed_idx on public.work_orders (organization_id, updated_at);
create index visits_changed_idx on public.visits (organization_id, updated_at);
create index backflow_test_reports_changed_idx on public.backflow_test_reports (organization_id, updated_at);
create index time_entries_changed_idx on public.time_entries (organization_id, updated_at);
create index work_order_checklist_items_changed_idx on public.work_order_checklist_items (
  organization_id, updated_at
);
create index work_order_notes_changed_idx on public.work_order_notes (organization_id, updated_at);
create index work_order_assignments_changed_idx on public.work_order_assignments (
  organization_id, updated_at
);
create index work_order_assemblies_changed_idx on public.work_order_assemblies (organization_id, updated_at);
create index customers_changed_idx on public.customers (organization_id, updated_at);
create index customer_contacts_changed_idx on public.customer_contacts (organization_id, updated_at);
create index sites_changed_idx on public.sites (organization_id, updated_at);
create index assemblies_changed_idx on public.assemblies (organization_id, updated_at);

-- What was deleted, for 30 days: an offline client drops its copy. The work order and the person
-- a deleted row concerned decide who reads its tombstone, as they decided who read the row.
create table public.sync_tombstones (
  table_name text not null,
  row_id uuid not null,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid,
  user_id uuid,
  deleted_at timestamptz not null default now(),
  primary key (table_name, row_id),
  constraint sync_tombstones_table_name_check check (char_length(table_name) <= 63)
);
create index sync_tombstones_changed_idx on public.sync_tombstones (organization_id, deleted_at);
create index sync_tombstones_work_order_idx on public.sync_tombstones (organization_id, work_order_id);
create index sync_tombstones_user_idx on public.sync_tombstones (user_id);
alter table public.sync_tombstones enable row level security;
revoke all on table public.sync_tombstones from public, anon, authenticated, service_role;
grant select on table public.sync_tombstones to authenticated, service_role;
comment on table public.sync_tombstones is
'Rows deleted from synced tables in the last 30 days: which table, which id, when. An offline '
'client asks for deleted_at > its last sync and drops those rows. The office reads its '
'organization''s; a technician those of their assigned work and of rows that were theirs.';
comment on column public.sync_tombstones.table_name is 'The table the row was deleted from.';
comment on column public.sync_tombstones.row_id is 'The deleted row''s id.';
comment on column public.sync_tombstones.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.sync_tombstones.work_order_id is
'The work order the deleted row belonged to, if any.';
comment on column public.sync_tombstones.user_id is
'The person the deleted row concerned (an assignment''s technician, a visit''s, a time entry''s).';
comment on column public.sync_tombstones.deleted_at is 'When it was deleted.';
