-- The queries scripts/bench times: what a frontend sends through PostgREST, each in two forms.
-- Each runs twice: as the member (role authenticated, their claims, a read-only transaction),
-- RLS deciding what is visible, and as a role that bypasses RLS. The SQL is the same: the
-- filter a frontend sends (the organization it shows, `organization_id=eq.<id>`) is written
-- out. Only the dashboard differs: members call the function, the bypass reads the view.
-- Parameters: %(org)s, %(customer)s, %(technician)s, %(day)s.

-- name: open_work_orders_first_page
select
  w.id,
  w.number,
  w.title,
  w.status,
  w.priority
from public.work_orders as w
where
  w.organization_id = %(org)s and w.status in ('draft', 'scheduled', 'dispatched', 'in_progress', 'on_hold')
order by w.number desc
limit 25;

-- name: open_work_orders_deep_page
select
  w.id,
  w.number,
  w.title,
  w.status,
  w.priority
from public.work_orders as w
where
  w.organization_id = %(org)s and w.status in ('draft', 'scheduled', 'dispatched', 'in_progress', 'on_hold')
order by w.number desc
limit 25 offset 500;

-- name: technician_schedule
select
  v.id,
  v.starts_at,
  v.ends_at,
  v.status,
  v.work_order_id
from public.visits as v
where
  v.organization_id = %(org)s and v.user_id = %(technician)s
  and v.starts_at >= %(day)s::timestamptz and v.starts_at < %(day)s::timestamptz + interval '1 day'
order by v.starts_at;

-- name: customer_with_sites
select
  c.id,
  c.name,
  (
    select
      coalesce(json_agg(json_build_object(
        'id', s.id, 'line1', s.line1,
        'assemblies', (
          select coalesce(json_agg(json_build_object('id', a.id, 'serial_number', a.serial_number)), '[]')
          from public.assemblies as a
          where a.organization_id = s.organization_id and a.site_id = s.id
        )
      )), '[]')
    from public.sites as s
    where s.organization_id = c.organization_id and s.customer_id = c.id and s.deleted_at is null
  ) as sites
from public.customers as c
where c.organization_id = %(org)s and c.id = %(customer)s and c.deleted_at is null;

-- name: assemblies_due
select
  a.id,
  a.serial_number,
  a.kind,
  a.next_due_on
from public.assemblies as a
where a.organization_id = %(org)s and a.status = 'active' and a.next_due_on <= current_date + 30
order by a.next_due_on
limit 50;

-- name: overdue_invoices
select
  i.id,
  i.number,
  i.balance_cents,
  i.due_on
from public.invoices as i
where i.organization_id = %(org)s and i.status = 'overdue'
order by i.number desc
limit 50;

-- name: dashboard_kpis
select * from public.dashboard_kpis(%(org)s);

-- name: dashboard_kpis_bypass
select
  k.open_work_orders,
  k.visits_today,
  k.billed_this_month_cents,
  k.collected_this_month_cents,
  k.overdue_cents,
  k.overdue_invoices,
  k.assemblies_due_30_days,
  k.tickets_breaching_sla,
  k.refreshed_at
from private.organization_kpis as k
where k.organization_id = %(org)s;

-- name: portal_invoices
select
  i.id,
  i.number,
  i.total_cents,
  i.balance_cents,
  i.status
from public.invoices as i
where i.organization_id = %(org)s and i.customer_id = %(customer)s and i.status <> 'draft'
order by i.created_at desc
limit 25;
