-- Dashboards and reports: an organization's KPIs, precomputed in a materialized view that
-- pg_cron refreshes and exposed only through a function that checks membership (a materialized
-- view is not under RLS, so it lives in private); aged receivables; and CSV exports that the
-- worker writes to Storage under the organization's folder.

-- ==========================================================================================
-- KPIs
-- ==========================================================================================

-- One row per live organization; "today" and "this month" are in the organization's time zone.
create materialized view private.organization_kpis as
with orgs as (
  select
    o.id,
    (now() at time zone o.time_zone)::date as today,
    date_trunc('month', now() at time zone o.time_zone)::date as month_start,
    o.time_zone
  from public.organizations as o
  where o.deleted_at is null
)

select
  g.id as organization_id,
  (
    select count(*) from public.work_orders as w
    where w.organization_id = g.id and w.status not in ('completed', 'cancelled')
  ) as open_work_orders,
  (
    select count(*) from public.visits as v
    where
      v.organization_id = g.id and v.status not in ('cancelled', 'missed')
      and v.starts_at >= g.today::timestamp at time zone g.time_zone
      and v.starts_at < (g.today + 1)::timestamp at time zone g.time_zone
  ) as visits_today,
  (
    select coalesce(sum(i.total_cents), 0)::bigint from public.invoices as i
    where i.organization_id = g.id and i.status <> 'void' and i.issued_on >= g.month_start
  ) as billed_this_month_cents,
  ((
    select coalesce(sum(p.amount_cents), 0) from public.payments as p
    where p.organization_id = g.id and p.received_at >= g.month_start::timestamp at time zone g.time_zone
  ) - (
    select coalesce(sum(r.amount_cents), 0) from public.payment_refunds as r
    where r.organization_id = g.id and r.refunded_at >= g.month_start::timestamp at time zone g.time_zone
  ))::bigint as collected_this_month_cents,
  (
    select coalesce(sum(i.balance_cents), 0)::bigint from public.invoices as i
    where i.organization_id = g.id and i.status = 'overdue'
  ) as overdue_cents,
  (
    select count(*) from public.invoices as i
    where i.organization_id = g.id and i.status = 'overdue'
  ) as overdue_invoices,
  (
    select count(*) from public.assemblies as a
    where a.organization_id = g.id and a.status = 'active' and a.next_due_on <= g.today + 30
  ) as assemblies_due_30_days,
  (
    select count(*) from public.tickets as t
    where t.organization_id = g.id and t.sla_breached and t.status not in ('resolved', 'closed')
  ) as tickets_breaching_sla,
  now() as refreshed_at
from orgs as g;
-- Needed to refresh concurrently (readers are never blocked).
create unique index organization_kpis_organization_idx on private.organization_kpis (organization_id);
revoke all on table private.organization_kpis from public, anon, authenticated, service_role;

create or replace function private.refresh_organization_kpis() returns void
language sql security definer
set search_path = ''
as $$
  refresh materialized view concurrently private.organization_kpis
$$;
revoke all on function private.refresh_organization_kpis() from public, anon, authenticated, service_role;

select cron.schedule('fieldbase-kpis', '*/5 * * * *', 'select private.refresh_organization_kpis()');

-- The organization's KPIs as of the last refresh (at most five minutes old). Owners, admins
-- and viewers see everything; dispatchers see the work, not the money (those figures are null).
create or replace function private.dashboard_kpis(organization_id uuid)
returns table (
  open_work_orders bigint, visits_today bigint, billed_this_month_cents bigint,
  collected_this_month_cents bigint, overdue_cents bigint, overdue_invoices bigint,
  assemblies_due_30_days bigint, tickets_breaching_sla bigint, refreshed_at timestamptz
)
language plpgsql stable security definer
set search_path = ''
as $$
declare
  caller_role public.member_role := private.authorize(
    dashboard_kpis.organization_id, '{owner,admin,dispatcher,viewer}',
    'Only members other than technicians see the dashboard', writing => false
  );
  money boolean := caller_role <> 'dispatcher';
begin
  return query
  select
    k.open_work_orders, k.visits_today,
    case when money then k.billed_this_month_cents end,
    case when money then k.collected_this_month_cents end,
    case when money then k.overdue_cents end,
    case when money then k.overdue_invoices end,
    k.assemblies_due_30_days, k.tickets_breaching_sla, k.refreshed_at
  from private.organization_kpis as k
  where k.organization_id = dashboard_kpis.organization_id;
end
$$;
revoke all on function private.dashboard_kpis(uuid) from public, anon, authenticated, service_role;
grant execute on function private.dashboard_kpis(uuid) to authenticated;

create function public.dashboard_kpis(organization_id uuid)
returns table (
  open_work_orders bigint, visits_today bigint, billed_this_month_cents bigint,
  collected_this_month_cents bigint, overdue_cents bigint, overdue_invoices bigint,
  assemblies_due_30_days bigint, tickets_breaching_sla bigint, refreshed_at timestamptz
)
language sql stable
set search_path = ''
as $$
  select * from private.dashboard_kpis(organization_id)
$$;
revoke all on function public.dashboard_kpis(uuid) from public, anon, authenticated, service_role;
grant execute on function public.dashboard_kpis(uuid) to authenticated;

-- ==========================================================================================
-- Aged receivables
-- ==========================================================================================

-- What each customer owes, by how long past due (in the organization's time zone): current
-- (not yet due), 1-30, 31-60, 61-90 and over 90 days. Under the invoices' RLS: owners, admins
-- and viewers see their organization's.
-- The date today of an organization whose invoices the caller reads (a member, its portal
-- user, or a backend), in its time zone; null for any other, so the view's helper says
-- nothing of other organizations (portal users cannot read organizations themselves).
create or replace function private.reader_organization_today(organization uuid) returns date
language sql stable security definer
set search_path = ''
as $$
  select (now() at time zone o.time_zone)::date
  from public.organizations as o
  where
    o.id = organization
    and (
      -- Not a signed-in user: the service role, the schema owner, a scheduled job.
      (select auth.role()) is distinct from 'authenticated'
      or o.id in (select private.organization_ids_for())
      or o.id in (
        select p.organization_id from public.portal_accounts as p
        where p.user_id = (select auth.uid()) and p.revoked_at is null
      )
    )
$$;
revoke all on function private.reader_organization_today(uuid) from public, anon, authenticated, service_role;
grant execute on function private.reader_organization_today(uuid) to authenticated, service_role;

create view public.receivables_aging
with (security_invoker = true)
as
with aged as (
  select
    i.organization_id,
    i.customer_id,
    i.currency,
    i.balance_cents,
    -- The organization's date (its time zone): portal users cannot read organizations.
    private.reader_organization_today(i.organization_id) - i.due_on as days
  from public.invoices as i
  where i.status in ('sent', 'partially_paid', 'overdue') and i.balance_cents > 0
)

select
  a.organization_id,
  a.customer_id,
  a.currency,
  (sum(a.balance_cents) filter (where a.days <= 0))::bigint as current_cents,
  (sum(a.balance_cents) filter (where a.days between 1 and 30))::bigint as days_1_30_cents,
  (sum(a.balance_cents) filter (where a.days between 31 and 60))::bigint as days_31_60_cents,
  (sum(a.balance_cents) filter (where a.days between 61 and 90))::bigint as days_61_90_cents,
  (sum(a.balance_cents) filter (where a.days > 90))::bigint as days_over_90_cents,
  sum(a.balance_cents)::bigint as total_cents,
  count(*) as open_invoices
from aged as a
group by a.organization_id, a.customer_id, a.currency;

revoke all on table public.receivables_aging from anon, authenticated, service_role;
grant select on table public.receivables_aging to authenticated, service_role;

-- ==========================================================================================
-- CSV exports
-- ==========================================================================================

create type public.export_kind as enum ('customers', 'invoices', 'payments', 'test_reports');
create type public.export_status as enum ('queued', 'ready', 'failed');

create table public.exports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind public.export_kind not null,
  status public.export_status not null default 'queued',
  requested_by uuid references auth.users (id) on delete set null,
  -- In the documents bucket, under the organization's folder.
  storage_path text,
  row_count integer,
  size_bytes bigint,
  error text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  constraint exports_organization_id_id_key unique (organization_id, id),
  constraint exports_path_in_organization check (storage_path like organization_id::text || '/exports/%')
);
create index exports_organization_idx on public.exports (organization_id, created_at desc);
create index exports_requested_by_idx on public.exports (requested_by);
select private.guard_tenant_table('public.exports');

-- One CSV field: quoted, quotes doubled, and a leading =, +, -, @, tab or carriage return
-- neutralised with an apostrophe, so a value a tenant typed cannot run as a spreadsheet
-- formula on whoever opens the export.
create or replace function private.csv_field(value text) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when value is null then ''
    else '"' || replace(case when value ~ '^[=+\-@\t\r]' then '''' || value else value end, '"', '""') || '"'
  end
$$;
revoke all on function private.csv_field(text) from public, anon, authenticated, service_role;

create or replace function private.csv_line(fields text[]) returns text
language sql immutable
set search_path = ''
as $$
  select string_agg(private.csv_field(f), ',' order by n) from unnest(fields) with ordinality as u (f, n)
$$;
revoke all on function private.csv_line(text[]) from public, anon, authenticated, service_role;

-- The lines of an export (heading first): allowlisted columns of the organization's rows only.
create or replace function queue.export_lines(export_id uuid) returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  export public.exports;
begin
  select * into export from public.exports as e where e.id = export_id;
  if export.id is null then
    raise exception 'Export % was not found', export_id using errcode = 'PT404';
  end if;
  if export.kind = 'customers' then
    return next private.csv_line(array[
      'name', 'kind', 'email', 'phone', 'billing_line1', 'billing_city', 'billing_region', 'billing_postal_code',
      'water_account_number', 'created_at'
    ]);
    return query
    select private.csv_line(array[
      c.name, c.kind::text, c.email, c.phone, c.billing_line1, c.billing_city, c.billing_region,
      c.billing_postal_code, c.water_account_number, c.created_at::text
    ])
    from public.customers as c
    where c.organization_id = export.organization_id and c.deleted_at is null
    order by c.name, c.id;
  elsif export.kind = 'invoices' then
    return next private.csv_line(array[
      'number', 'customer', 'status', 'issued_on', 'due_on', 'currency', 'total', 'paid', 'credited', 'balance'
    ]);
    return query
    select private.csv_line(array[
      i.number::text, c.name, i.status::text, i.issued_on::text, i.due_on::text, i.currency,
      (i.total_cents / 100.0)::numeric(20, 2)::text, (i.paid_cents / 100.0)::numeric(20, 2)::text,
      (i.credited_cents / 100.0)::numeric(20, 2)::text, (i.balance_cents / 100.0)::numeric(20, 2)::text
    ])
    from public.invoices as i
    inner join public.customers as c on i.customer_id = c.id
    where i.organization_id = export.organization_id and i.status <> 'draft'
    order by i.number;
  elsif export.kind = 'payments' then
    return next private.csv_line(array[
      'received_at', 'invoice_number', 'customer', 'method', 'reference', 'amount', 'refunded'
    ]);
    return query
    select private.csv_line(array[
      p.received_at::text, i.number::text, c.name, p.method::text, p.reference,
      (p.amount_cents / 100.0)::numeric(20, 2)::text, (p.refunded_cents / 100.0)::numeric(20, 2)::text
    ])
    from public.payments as p
    inner join public.invoices as i on p.invoice_id = i.id
    inner join public.customers as c on i.customer_id = c.id
    where p.organization_id = export.organization_id
    order by p.received_at, p.id;
  else
    return next private.csv_line(array[
      'tested_on', 'customer', 'site', 'assembly_kind', 'serial_number', 'result', 'tester', 'finalized_at'
    ]);
    return query
    select private.csv_line(array[
      r.tested_on::text, c.name, concat_ws(', ', s.line1, s.city), a.kind::text, a.serial_number,
      r.result::text, private.display_name(r.user_id), r.finalized_at::text
    ])
    from public.backflow_test_reports as r
    inner join public.assemblies as a on r.assembly_id = a.id
    inner join public.sites as s on a.site_id = s.id
    inner join public.customers as c on s.customer_id = c.id
    where r.organization_id = export.organization_id and r.status = 'finalized'
    order by r.tested_on, r.id;
  end if;
end
$$;
revoke all on function queue.export_lines(uuid) from public, anon, authenticated, service_role;
grant execute on function queue.export_lines(uuid) to fieldbase_worker;

-- Records where the worker stored an export (or why it failed), and tells the requester.
create or replace function queue.finish_export(
  export_id uuid, storage_path text, row_count integer, size_bytes bigint, error text default null
) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  export public.exports;
begin
  update public.exports as e
  set
    status = case when finish_export.error is null then 'ready' else 'failed' end::public.export_status,
    storage_path = finish_export.storage_path, row_count = finish_export.row_count,
    size_bytes = finish_export.size_bytes, error = left(finish_export.error, 1000), completed_at = now()
  where e.id = export_id
  returning * into export;
  if export.requested_by is not null then
    perform private.notify_user(
      export.organization_id, export.requested_by, 'export.' || export.status::text,
      format('Your %s export is %s', replace(export.kind::text, '_', ' '), export.status),
      null, '/exports/' || export.id
    );
  end if;
end
$$;
revoke all on function queue.finish_export(uuid, text, integer, bigint, text) from public,
anon,
authenticated,
service_role;
grant execute on function queue.finish_export(uuid, text, integer, bigint, text) to fieldbase_worker;

-- Asks for an export (owners and admins: the data leaves the system). The worker writes the
-- CSV and notifies the requester; download it from Storage at the export's storage_path.
create or replace function private.request_export(organization_id uuid, kind public.export_kind)
returns public.exports
language plpgsql security definer
set search_path = ''
as $$
declare
  export public.exports;
begin
  perform private.authorize(
    request_export.organization_id, '{owner,admin}', 'Only owners and admins export data', sensitive => true
  );
  if (
    select count(*) from public.exports as e
    where e.organization_id = request_export.organization_id and e.created_at > now() - interval '1 hour'
  ) >= 20 then
    raise exception 'At most 20 exports an hour' using errcode = 'PT429', hint = 'Try again later.';
  end if;
  insert into public.exports (organization_id, kind, requested_by)
  values (request_export.organization_id, kind, (select auth.uid()))
  returning * into export;
  perform queue.enqueue(
    'export.csv', jsonb_build_object('export_id', export.id), export.organization_id, 'export:' || export.id
  );
  return export;
end
$$;
revoke all on function private.request_export(uuid, public.export_kind) from public,
anon,
authenticated,
service_role;
grant execute on function private.request_export(uuid, public.export_kind) to authenticated;

create function public.request_export(organization_id uuid, kind public.export_kind) returns public.exports
language sql volatile
set search_path = ''
as $$
  select private.request_export(organization_id, kind)
$$;
revoke all on function public.request_export(uuid, public.export_kind) from public,
anon,
authenticated,
service_role;
grant execute on function public.request_export(uuid, public.export_kind) to authenticated;

-- The Storage folders whose exports the signed-in user may download: their organizations
-- where they are an owner or admin (other members download documents, not exports).
create or replace function private.export_folders() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select o::text from private.organization_ids_for('{owner,admin}') as o
$$;
revoke all on function private.export_folders() from public, anon, authenticated, service_role;
grant execute on function private.export_folders() to authenticated;

alter table public.exports enable row level security;
revoke all on table public.exports from anon, authenticated, service_role;
grant select on table public.exports to authenticated;
grant select, insert, update, delete on table public.exports to service_role;
