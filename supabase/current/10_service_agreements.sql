-- Service agreements: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Creates the work orders of every agreement period that starts within its lead time from
-- the site's date at `at` (now, in the site's time zone; set-based; periods already made are
-- skipped, so running twice is harmless), with the agreement's assemblies. Agreements of
-- suspended, cancelled or deleted organizations, of archived customers or sites, and inactive
-- or ended ones make nothing. Returns how many.
create or replace function private.create_agreement_work_orders(at timestamp with time zone default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  created integer;
begin
  with due as (
    select
      a.id as agreement_id, a.organization_id, a.customer_id, a.site_id, a.name,
      p.period_start::date as period_start
    from public.service_agreements as a
    inner join public.organizations as o on a.organization_id = o.id
    inner join public.sites as s on a.site_id = s.id
    inner join public.customers as c on a.customer_id = c.id
    cross join lateral (select (at at time zone s.time_zone)::date as today) as local
    cross join lateral generate_series(
      a.starts_on::timestamp, (local.today + a.lead_days)::timestamp, make_interval(months => a.every_months)
    ) as p (period_start)
    where
      a.active and o.deleted_at is null and o.status not in ('trial_expired', 'suspended', 'cancelled')
      and s.deleted_at is null and c.deleted_at is null
      and p.period_start >= local.today and (a.ends_on is null or p.period_start <= a.ends_on)
      and not exists (
        select from public.work_orders as w
        where w.agreement_id = a.id and w.period_start = p.period_start::date
      )
  ),
  made as (
    insert into public.work_orders (
      organization_id, customer_id, site_id, status, source, title, agreement_id, period_start
    )
    select
      d.organization_id, d.customer_id, d.site_id, 'draft', 'agreement',
      left(d.name, 180) || ' (' || to_char(d.period_start, 'Mon YYYY') || ')', d.agreement_id,
      d.period_start
    from due as d
    on conflict (agreement_id, period_start) do nothing
    returning id, organization_id, agreement_id
  ),
  linked as (
    insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id)
    select m.organization_id, m.id, sa.assembly_id
    from made as m
    inner join public.service_agreement_assemblies as sa on m.agreement_id = sa.agreement_id
    returning 1
  )
  select count(*) into created from made;
  return created;
end
$$;
revoke all on function private.create_agreement_work_orders(at timestamp with time zone)
from public, anon, authenticated, service_role;

create or replace trigger audit_delete after delete
on public.service_agreement_assemblies
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.service_agreements
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.service_agreement_assemblies
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.service_agreements
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.service_agreement_assemblies
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.service_agreements
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.service_agreement_assemblies
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.service_agreements
for each row
execute function private.enforce_organization_writable();

create or replace trigger service_agreements_touch_updated_at before update
on public.service_agreements
for each row
execute function private.touch_updated_at();
