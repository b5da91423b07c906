-- Field operations, part five: compliance. Which assemblies are due soon or overdue, per
-- organization and per water authority, and due notices to customers queued by pg_cron 30
-- days and 7 days before the due date and once overdue, never twice for the same due date.

-- ==========================================================================================
-- What is due
-- ==========================================================================================

-- Every active assembly with a due date: when, in how many days, and where. Security invoker:
-- RLS on assemblies, sites and customers decides what a caller sees (technicians: their work).
create view public.assemblies_due
with (security_invoker = true)
as
select
  a.id as assembly_id,
  a.organization_id,
  a.kind,
  a.serial_number,
  a.next_due_on,
  a.next_due_on - current_date as days_until_due,
  a.next_due_on < current_date as overdue,
  s.id as site_id,
  s.line1,
  s.city,
  s.water_authority_id,
  c.id as customer_id,
  c.name as customer_name
from public.assemblies as a
inner join public.sites as s on a.site_id = s.id
inner join public.customers as c on s.customer_id = c.id
where a.status = 'active' and a.next_due_on is not null;

-- Counts per water authority: due in the next `days` days, and overdue. Security invoker (RLS
-- decides what is counted), behind the guard like every RPC.
create or replace function public.compliance_summary(organization_id uuid, days integer default 30)
returns table (water_authority_id uuid, water_authority text, due_soon bigint, overdue bigint)
language plpgsql stable
set search_path = ''
as $$
begin
  perform private.authorize(
    compliance_summary.organization_id, '{owner,admin,dispatcher,viewer}',
    'Only members other than technicians read the compliance summary', writing => false
  );
  return query
  select d.water_authority_id, w.name, count(*) filter (where not d.overdue), count(*) filter (where d.overdue)
  from public.assemblies_due as d
  left join public.water_authorities as w on d.water_authority_id = w.id
  where d.organization_id = compliance_summary.organization_id and d.days_until_due <= days
  group by d.water_authority_id, w.name
  order by w.name nulls last;
end
$$;
revoke all on function public.compliance_summary(uuid, integer) from public,
anon,
authenticated,
service_role;
grant execute on function public.compliance_summary(uuid, integer) to authenticated, service_role;

-- ==========================================================================================
-- Due notices
-- ==========================================================================================

-- Each notice sent: at most one per assembly, due date and step, whatever runs twice.
create table private.due_notices (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  assembly_id uuid not null,
  due_on date not null,
  step text not null check (step in ('30_days', '7_days', 'overdue')),
  job_id bigint,
  sent_at timestamptz not null default now(),
  primary key (assembly_id, due_on, step),
  constraint due_notices_assembly_fkey foreign key (organization_id, assembly_id)
  references public.assemblies (organization_id, id) on delete cascade
);
create index due_notices_assembly_idx on private.due_notices (organization_id, assembly_id);
alter table private.due_notices enable row level security;
revoke all on table private.due_notices from anon, authenticated, service_role;

-- Queues the due notices of today, set-based: 30 days ahead, 7 days ahead, and overdue (a
-- notice for a step is only sent while that step is the current one, so a late run does not
-- send a stale "due in 30 days"). Suspended, cancelled and deleted organizations, customers
-- without an email and archived customers and sites are skipped. Returns how many it queued.
create or replace function private.queue_due_notices(today date default current_date)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  queued integer;
begin
  with due as (
    select
      a.organization_id, a.id as assembly_id, a.kind, a.serial_number, a.next_due_on,
      case
        when a.next_due_on < today then 'overdue'
        when a.next_due_on <= today + 7 then '7_days'
        when a.next_due_on <= today + 30 then '30_days'
      end as step,
      c.name as customer_name, c.email,
      concat_ws(', ', s.line1, s.city, s.postal_code) as site_address
    from public.assemblies as a
    inner join public.sites as s on a.site_id = s.id
    inner join public.customers as c on s.customer_id = c.id
    inner join public.organizations as o on a.organization_id = o.id
    where
      a.status = 'active' and a.next_due_on <= today + 30
      and s.deleted_at is null and c.deleted_at is null and c.email is not null
      and o.deleted_at is null and o.status not in ('suspended', 'cancelled')
  ),
  todo as (
    select d.* from due as d
    where not exists (
      select from private.due_notices as n
      where n.assembly_id = d.assembly_id and n.due_on = d.next_due_on and n.step = d.step
    )
  )
  -- The enqueue's dedupe key keeps a concurrent run from queueing the same notice twice.
  insert into private.due_notices (organization_id, assembly_id, due_on, step, job_id)
  select
    t.organization_id, t.assembly_id, t.next_due_on, t.step,
    queue.enqueue(
      'email.test_due',
      jsonb_build_object(
        'to', t.email, 'customer_name', t.customer_name, 'site_address', t.site_address,
        'assembly_kind', t.kind, 'serial_number', t.serial_number, 'due_on', t.next_due_on,
        'step', t.step
      ),
      t.organization_id,
      format('test_due:%s:%s:%s', t.assembly_id, t.next_due_on, t.step)
    )
  from todo as t
  on conflict do nothing;
  get diagnostics queued = row_count;
  return queued;
end
$$;
revoke all on function private.queue_due_notices(date) from public, anon, authenticated, service_role;

select cron.schedule('fieldbase-due-notices', '7 13 * * *', 'select private.queue_due_notices()');

revoke all on table public.assemblies_due from anon, authenticated, service_role;
grant select on table public.assemblies_due to authenticated, service_role;
