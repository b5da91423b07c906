-- The upload path of an offline client (public.upload_changes, next migration): a change the
-- server refuses (the work order was reassigned while the phone was offline, a stale version)
-- is kept here with why, for the office to see and settle, instead of being lost.
create table public.sync_conflicts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid references auth.users (id) on delete set null,
  table_name text not null,
  operation text not null,
  row_id uuid,
  data jsonb,
  error_code text not null,
  error_message text not null,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by uuid references auth.users (id) on delete set null,
  constraint sync_conflicts_organization_id_id_key unique (organization_id, id),
  constraint sync_conflicts_table_name_check check (char_length(table_name) <= 63),
  constraint sync_conflicts_operation_check check (operation in ('PUT', 'PATCH', 'DELETE')),
  constraint sync_conflicts_error_code_check check (char_length(error_code) <= 5),
  constraint sync_conflicts_error_message_check check (char_length(error_message) <= 1000),
  constraint sync_conflicts_data_size_check check (pg_column_size(data) <= 65536)
);
create index sync_conflicts_open_idx on public.sync_conflicts (organization_id, created_at desc)
where resolved_at is null;
create index sync_conflicts_user_idx on public.sync_conflicts (user_id);
create index sync_conflicts_resolved_by_idx on public.sync_conflicts (resolved_by);
alter table public.sync_conflicts enable row level security;
revoke all on table public.sync_conflicts from public, anon, authenticated, service_role;
grant select on table public.sync_conflicts to authenticated, service_role;
grant update (resolved_at) on table public.sync_conflicts to authenticated;
grant update on table public.sync_conflicts to service_role;

comment on table public.sync_conflicts is
'Offline changes the server refused when they were uploaded (public.upload_changes): the '
'operation, the row, the data as the phone sent it and why, kept for the office to settle. '
'Owners, admins and dispatchers read and resolve their organization''s; the technician reads '
'their own.';
comment on column public.sync_conflicts.id is 'The conflict''s id.';
comment on column public.sync_conflicts.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.sync_conflicts.user_id is 'Who uploaded the change.';
comment on column public.sync_conflicts.table_name is 'The table the change was for.';
comment on column public.sync_conflicts.operation is
'PUT (create), PATCH (update) or DELETE, as PowerSync names them.';
comment on column public.sync_conflicts.row_id is 'The row the change was for.';
comment on column public.sync_conflicts.data is 'The values as the phone sent them (64 KB at most).';
comment on column public.sync_conflicts.error_code is 'The SQLSTATE it was refused with (42501, PT409, ...).';
comment on column public.sync_conflicts.error_message is 'Why it was refused, as the phone was told.';
comment on column public.sync_conflicts.created_at is 'When it was refused.';
comment on column public.sync_conflicts.resolved_at is
'When someone in the office settled it (set it to now()).';
comment on column public.sync_conflicts.resolved_by is 'Who settled it (set by the database).';
