-- Policy helpers cache their plans. Every RLS policy calls these helpers once per statement
-- (wrapped in a subselect). As SQL functions with SET search_path they are never inlined, and
-- PostgreSQL 15 plans a SQL function's body again on every call: parse, analyse and plan of
-- the membership query, nested helpers included, on every statement a member sends. As
-- plpgsql, each session plans them once and reuses the plan (PostgREST keeps its connections),
-- which halves what RLS adds to a member's query (scripts/bench: rls_overhead_ratio).
-- The bodies are unchanged: the same queries, still stable, security definer, search_path ''.
-- CREATE OR REPLACE keeps their owners, grants and the policies that use them.

create or replace function private.organization_ids_for(
  roles public.member_role[] default null
) returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select m.organization_id
  from public.memberships as m
  inner join public.organizations as o on m.organization_id = o.id
  where
    m.user_id = (select auth.uid())
    and o.deleted_at is null
    and (roles is null or m.role = any(roles));
end
$fn$;

create or replace function private.co_member_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select (select auth.uid())
  union
  select m.user_id
  from public.memberships as m
  where m.organization_id in (select private.organization_ids_for());
end
$fn$;

create or replace function private.is_platform_staff() returns boolean
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return (select exists (select from private.platform_staff where user_id = (select auth.uid())));
end
$fn$;

create or replace function private.confirmed_email() returns text
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return (select lower(u.email) from auth.users as u
  where u.id = (select auth.uid()) and u.email_confirmed_at is not null);
end
$fn$;

create or replace function private.assigned_assembly_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select wa.assembly_id from public.work_order_assemblies as wa
  where wa.work_order_id in (select private.assigned_work_order_ids());
end
$fn$;

create or replace function private.assigned_customer_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select w.customer_id from public.work_orders as w
  where w.id in (select private.assigned_work_order_ids());
end
$fn$;

create or replace function private.assigned_site_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select w.site_id from public.work_orders as w
  where w.id in (select private.assigned_work_order_ids());
end
$fn$;

create or replace function private.assigned_ticket_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select t.id from public.tickets as t
  where t.assignee_id = (select auth.uid()) and t.organization_id in (select private.organization_ids_for());
end
$fn$;

create or replace function private.assigned_work_order_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select a.work_order_id
  from public.work_order_assignments as a
  where a.user_id = (select auth.uid())
    and a.organization_id in (select private.organization_ids_for());
end
$fn$;

create or replace function private.document_folders() returns setof text
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select o::text from private.organization_ids_for('{owner,admin,dispatcher,viewer}') as o;
end
$fn$;

create or replace function private.export_folders() returns setof text
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select o::text from private.organization_ids_for('{owner,admin}') as o;
end
$fn$;

create or replace function private.portal_assembly_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select a.id
  from public.portal_accounts as p
  inner join public.organizations as o on p.organization_id = o.id
  inner join public.sites as s on p.organization_id = s.organization_id and p.customer_id = s.customer_id
  inner join public.assemblies as a on s.organization_id = a.organization_id and s.id = a.site_id
  where p.user_id = (select auth.uid()) and p.revoked_at is null and o.deleted_at is null and s.deleted_at is null;
end
$fn$;

create or replace function private.portal_customer_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select p.customer_id
  from public.portal_accounts as p
  inner join public.organizations as o on p.organization_id = o.id
  where p.user_id = (select auth.uid()) and p.revoked_at is null and o.deleted_at is null;
end
$fn$;

create or replace function private.portal_document_paths() returns setof text
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select d.storage_path from public.documents as d
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
    );
end
$fn$;

create or replace function private.portal_estimate_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select e.id from public.estimates as e
  where e.customer_id in (select private.portal_customer_ids()) and e.status <> 'draft';
end
$fn$;

create or replace function private.portal_invoice_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select i.id from public.invoices as i
  where i.customer_id in (select private.portal_customer_ids()) and i.status <> 'draft';
end
$fn$;

create or replace function private.portal_or_priced_invoice_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select private.portal_invoice_ids()
  union all
  select i.id from public.invoices as i
  where i.work_order_id in (select private.priced_work_order_ids());
end
$fn$;

create or replace function private.portal_site_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select s.id
  from public.portal_accounts as p
  inner join public.organizations as o on p.organization_id = o.id
  inner join public.sites as s on p.organization_id = s.organization_id and p.customer_id = s.customer_id
  where p.user_id = (select auth.uid()) and p.revoked_at is null and o.deleted_at is null and s.deleted_at is null;
end
$fn$;

create or replace function private.portal_ticket_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select t.id from public.tickets as t where t.customer_id in (select private.portal_customer_ids());
end
$fn$;

create or replace function private.priced_work_order_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select w.id from public.work_orders as w
  inner join public.billing_settings as b on w.organization_id = b.organization_id
  where w.id in (select private.assigned_work_order_ids()) and b.technicians_see_prices;
end
$fn$;

create or replace function private.readable_work_order_folders() returns setof text
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select w.organization_id || '/work_orders/' || w.id from public.work_orders as w
  where w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
     or w.id in (select private.assigned_work_order_ids());
end
$fn$;

create or replace function private.workable_work_order_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select w.id from public.work_orders as w
  where w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  union
  select private.assigned_work_order_ids();
end
$fn$;

create or replace function private.writable_work_order_folders() returns setof text
language plpgsql stable security definer
set search_path = ''
as $fn$
begin
  return query select w.organization_id || '/work_orders/' || w.id from public.work_orders as w
  where w.id in (select private.workable_work_order_ids());
end
$fn$;
