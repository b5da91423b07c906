-- Dashboards and exports: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- One CSV field: quoted, quotes doubled, and a leading =, +, -, @, tab or carriage return
-- neutralised with an apostrophe, so a value a tenant typed cannot run as a spreadsheet
-- formula on whoever opens the export.
create or replace function private.csv_field(value text)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when value is null then ''
    else '"' || replace(case when value ~ '^[=+\-@\t\r]' then '''' || value else value end, '"', '""') || '"'
  end
$$;
revoke all on function private.csv_field(value text)
from public, anon, authenticated, service_role;

create or replace function private.csv_line(fields text[])
returns text
language sql immutable
set search_path = ''
as $$
  select string_agg(private.csv_field(f), ',' order by n) from unnest(fields) with ordinality as u (f, n)
$$;
revoke all on function private.csv_line(fields text[])
from public, anon, authenticated, service_role;

-- The organization's KPIs as of the last refresh (at most five minutes old). Owners, admins
-- and viewers see everything; dispatchers see the work, not the money (those figures are null).
create or replace function private.dashboard_kpis(organization_id uuid)
returns table (
  open_work_orders bigint,
  visits_today bigint,
  billed_this_month_cents bigint,
  collected_this_month_cents bigint,
  overdue_cents bigint,
  overdue_invoices bigint,
  assemblies_due_30_days bigint,
  tickets_breaching_sla bigint,
  refreshed_at timestamp with time zone
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
revoke all on function private.dashboard_kpis(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.dashboard_kpis(organization_id uuid)
to authenticated;

-- The Storage folders whose exports the signed-in user may download: their organizations
-- where they are an owner or admin (other members download documents, not exports).
create or replace function private.export_folders()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select o::text from private.organization_ids_for('{owner,admin}') as o;
end
$$;
revoke all on function private.export_folders()
from public, anon, authenticated, service_role;
grant execute on function private.export_folders()
to authenticated;

-- What each customer owes, by how long past due (in the organization's time zone): current
-- (not yet due), 1-30, 31-60, 61-90 and over 90 days. Under the invoices' RLS: owners, admins
-- and viewers see their organization's.
-- The date today of an organization whose invoices the caller reads (a member, its portal
-- user, or a backend), in its time zone; null for any other, so the view's helper says
-- nothing of other organizations (portal users cannot read organizations themselves).
create or replace function private.reader_organization_today(organization uuid)
returns date
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
revoke all on function private.reader_organization_today(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function private.reader_organization_today(organization uuid)
to authenticated, service_role;

create or replace function private.refresh_organization_kpis()
returns void
language sql security definer
set search_path = ''
as $$
  refresh materialized view concurrently private.organization_kpis
$$;
revoke all on function private.refresh_organization_kpis()
from public, anon, authenticated, service_role;

-- Asks for an export (owners and admins: the data leaves the system). The worker writes the
-- CSV (for everything, owners only: a zip of one CSV per table) and notifies the requester;
-- download it from Storage at the export's storage_path.
create or replace function private.request_export(organization_id uuid, kind export_kind)
returns exports
language plpgsql security definer
set search_path = ''
as $$
declare
  export public.exports;
begin
  if kind = 'everything' then
    -- Everything leaves with an owner, also while the organization is read-only (cancelled,
    -- suspended, trial expired): that is when they need it.
    perform private.authorize(
      request_export.organization_id, '{owner}', 'Only an owner exports everything', sensitive => true,
      writing => false
    );
  else
    perform private.authorize(
      request_export.organization_id, '{owner,admin}', 'Only owners and admins export data', sensitive => true
    );
  end if;
  if (
    select count(*) from public.exports as e
    where e.organization_id = request_export.organization_id and e.created_at > now() - interval '1 hour'
  ) >= 20 then
    raise exception 'At most 20 exports an hour' using errcode = 'PT429', hint = 'Try again later.';
  end if;
  insert into public.exports (organization_id, kind, requested_by)
  values (request_export.organization_id, kind, (select auth.uid()))
  returning * into export;
  if kind = 'everything' then
    -- A platform job: a read-only organization's own jobs wait, its way out must not.
    perform queue.enqueue(
      'export.archive', jsonb_build_object('export_id', export.id, 'organization_id', export.organization_id),
      null, 'export:' || export.id, now(), 150::smallint
    );
  else
    perform queue.enqueue(
      'export.csv', jsonb_build_object('export_id', export.id), export.organization_id, 'export:' || export.id
    );
  end if;
  return export;
end
$$;
revoke all on function private.request_export(organization_id uuid, kind export_kind)
from public, anon, authenticated, service_role;
grant execute on function private.request_export(organization_id uuid, kind export_kind)
to authenticated;

create or replace function public.dashboard_kpis(organization_id uuid)
returns table (
  open_work_orders bigint,
  visits_today bigint,
  billed_this_month_cents bigint,
  collected_this_month_cents bigint,
  overdue_cents bigint,
  overdue_invoices bigint,
  assemblies_due_30_days bigint,
  tickets_breaching_sla bigint,
  refreshed_at timestamp with time zone
)
language plpgsql stable
set search_path = ''
as $$
begin
  return query select * from private.dashboard_kpis(organization_id);
end
$$;
revoke all on function public.dashboard_kpis(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.dashboard_kpis(organization_id uuid)
to authenticated;

create or replace function public.request_export(organization_id uuid, kind export_kind)
returns exports
language plpgsql
set search_path = ''
as $$
begin
  return private.request_export(organization_id, kind);
end
$$;
revoke all on function public.request_export(organization_id uuid, kind export_kind)
from public, anon, authenticated, service_role;
grant execute on function public.request_export(organization_id uuid, kind export_kind)
to authenticated;

-- The lines of an export (heading first): allowlisted columns of the organization's rows only.
create or replace function queue.export_lines(export_id uuid)
returns setof text
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
  elsif export.kind = 'work_orders' then
    return next private.csv_line(array[
      'number', 'title', 'status', 'priority', 'source', 'customer', 'site', 'created_at', 'completed_at'
    ]);
    return query
    select private.csv_line(array[
      w.number::text, w.title, w.status::text, w.priority::text, w.source::text, c.name,
      concat_ws(', ', s.line1, s.city), w.created_at::text, w.completed_at::text
    ])
    from public.work_orders as w
    inner join public.customers as c on w.customer_id = c.id
    inner join public.sites as s on w.site_id = s.id
    where w.organization_id = export.organization_id
    order by w.number;
  elsif export.kind = 'assemblies' then
    return next private.csv_line(array[
      'serial_number', 'kind', 'size', 'make', 'model', 'location_at_site', 'status', 'customer', 'site',
      'water_authority', 'installed_on', 'last_tested_on', 'next_due_on'
    ]);
    return query
    select private.csv_line(array[
      a.serial_number, a.kind::text, a.size, a.make, a.model, a.location_at_site, a.status::text, c.name,
      concat_ws(', ', s.line1, s.city), wa.name, a.installed_on::text, a.last_tested_on::text,
      a.next_due_on::text
    ])
    from public.assemblies as a
    inner join public.sites as s on a.site_id = s.id
    inner join public.customers as c on s.customer_id = c.id
    left join public.water_authorities as wa on s.water_authority_id = wa.id
    where a.organization_id = export.organization_id
    order by c.name, s.line1, a.serial_number, a.id;
  elsif export.kind = 'everything' then
    raise exception 'Export % is a zip of every table (export.archive), not one CSV', export_id
    using errcode = '22023';
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
revoke all on function queue.export_lines(export_id uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.export_lines(export_id uuid)
to fieldbase_worker;

-- Records where the worker stored an export (or why it failed), and tells the requester.
create or replace function queue.finish_export(
  export_id uuid,
  storage_path text,
  row_count integer,
  size_bytes bigint,
  error text default null::text
)
returns void
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
revoke all on function queue.finish_export(export_id uuid, storage_path text, row_count integer, size_bytes bigint, error text)
from public, anon, authenticated, service_role;
grant execute on function queue.finish_export(export_id uuid, storage_path text, row_count integer, size_bytes bigint, error text)
to fieldbase_worker;

create or replace view public.receivables_aging with (security_invoker = true) as
with aged as (
  select
    i.organization_id,
    i.customer_id,
    i.currency,
    i.balance_cents,
    private.reader_organization_today(i.organization_id) - i.due_on as days
  from invoices as i
  where
    (i.status = any(array['sent'::invoice_status, 'partially_paid'::invoice_status, 'overdue'::invoice_status]))
    and i.balance_cents > 0
)

select
  a.organization_id,
  a.customer_id,
  a.currency,
  sum(a.balance_cents) filter (where a.days <= 0)::bigint as current_cents,
  sum(a.balance_cents) filter (where a.days >= 1 and a.days <= 30)::bigint as days_1_30_cents,
  sum(a.balance_cents) filter (where a.days >= 31 and a.days <= 60)::bigint as days_31_60_cents,
  sum(a.balance_cents) filter (where a.days >= 61 and a.days <= 90)::bigint as days_61_90_cents,
  sum(a.balance_cents) filter (where a.days > 90)::bigint as days_over_90_cents,
  sum(a.balance_cents)::bigint as total_cents,
  count(*) as open_invoices
from aged as a
group by a.organization_id, a.customer_id, a.currency;
revoke all on table public.receivables_aging from public, anon, authenticated, service_role;
grant select on table public.receivables_aging to authenticated;
grant select on table public.receivables_aging to service_role;

create or replace trigger enforce_organization_writable before insert or delete or update
on public.exports
for each row
execute function private.enforce_organization_writable();
