-- Money, part five: what policies need to let a customer's portal users, and technicians
-- where the organization shows them prices, read money documents and the stored PDFs of
-- their own. Each helper is evaluated once per statement by the policies that call it.

-- The estimates a portal user may read: their customer's, once sent.
create or replace function private.portal_estimate_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select e.id from public.estimates as e
  where e.customer_id in (select private.portal_customer_ids()) and e.status <> 'draft'
$$;
revoke all on function private.portal_estimate_ids() from public, anon, authenticated, service_role;
grant execute on function private.portal_estimate_ids() to authenticated;

-- The invoices a portal user may read: their customer's, once sent.
create or replace function private.portal_invoice_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select i.id from public.invoices as i
  where i.customer_id in (select private.portal_customer_ids()) and i.status <> 'draft'
$$;
revoke all on function private.portal_invoice_ids() from public, anon, authenticated, service_role;
grant execute on function private.portal_invoice_ids() to authenticated;

-- The work orders assigned to the signed-in technician in organizations whose billing
-- settings let technicians see prices.
create or replace function private.priced_work_order_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select w.id from public.work_orders as w
  inner join public.billing_settings as b on w.organization_id = b.organization_id
  where w.id in (select private.assigned_work_order_ids()) and b.technicians_see_prices
$$;
revoke all on function private.priced_work_order_ids() from public, anon, authenticated, service_role;
grant execute on function private.priced_work_order_ids() to authenticated;

-- The invoices whose lines a portal user or a priced technician may read.
create or replace function private.portal_or_priced_invoice_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select private.portal_invoice_ids()
  union all
  select i.id from public.invoices as i
  where i.work_order_id in (select private.priced_work_order_ids())
$$;
revoke all on function private.portal_or_priced_invoice_ids() from public, anon, authenticated, service_role;
grant execute on function private.portal_or_priced_invoice_ids() to authenticated;

-- The stored documents a portal user may read and download: the PDFs of their sent
-- estimates and invoices and of their finalized test reports.
create or replace function private.portal_document_paths() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select d.storage_path from public.documents as d
  where d.organization_id in (
    select p.organization_id from public.portal_accounts as p
    where p.user_id = (select auth.uid()) and p.revoked_at is null
  )
    and (
      (d.source_type = 'estimate' and d.source_id in (select e::text from private.portal_estimate_ids() as e))
      or (d.source_type = 'invoice' and d.source_id in (select i::text from private.portal_invoice_ids() as i))
      or (
        d.source_type = 'backflow_test_report'
        and d.source_id in (
          select r.id::text from public.backflow_test_reports as r
          where r.assembly_id in (select private.portal_assembly_ids()) and r.status = 'finalized'
        )
      )
    )
$$;
revoke all on function private.portal_document_paths() from public, anon, authenticated, service_role;
grant execute on function private.portal_document_paths() to authenticated;

-- Portal policies filter by customer alone (a portal user has one): these find their rows.
create index invoices_portal_idx on public.invoices (customer_id, status);
create index estimates_portal_idx on public.estimates (customer_id, status);

-- Documents are looked up by what they were rendered from.
create index documents_source_idx on public.documents (organization_id, source_type, source_id);
