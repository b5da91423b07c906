-- Field operations, part two: technicians' credentials (tester certifications, test gauges)
-- and work orders: numbered gap-free per organization, for a customer's site and some of its
-- assemblies, assigned to technicians, moving through a status machine the database enforces.
-- Technicians see the work orders assigned to them, and the customer, site and assemblies of
-- that work, and nothing else of the organization's work.

-- ==========================================================================================
-- Technicians' credentials
-- ==========================================================================================

-- Memberships are what credentials and assignments reference: (organization_id, user_id).
-- (memberships_organization_user_key already makes the pair unique.)

-- A technician's backflow tester certification (issuer, number, expiry).
create table public.tester_certifications (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null,
  issuer text not null check (char_length(issuer) between 1 and 200),
  certificate_number text not null check (char_length(certificate_number) between 1 and 64),
  expires_on date not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tester_certifications_organization_id_id_key unique (organization_id, id),
  constraint tester_certifications_number_key unique (organization_id, issuer, certificate_number),
  constraint tester_certifications_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade
);
create index tester_certifications_member_idx on public.tester_certifications (organization_id, user_id);

-- A differential pressure gauge used for tests, and when its calibration runs out.
create table public.test_gauges (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- The technician who carries it, if any.
  user_id uuid,
  serial_number text not null check (char_length(serial_number) between 1 and 100),
  make text check (char_length(make) <= 100),
  model text check (char_length(model) <= 100),
  last_calibrated_on date,
  calibration_due_on date not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint test_gauges_organization_id_id_key unique (organization_id, id),
  constraint test_gauges_serial_key unique (organization_id, serial_number),
  constraint test_gauges_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete set null (user_id),
  constraint test_gauges_calibration_order check (
    last_calibrated_on is null or last_calibrated_on <= calibration_due_on
  )
);
create index test_gauges_member_idx on public.test_gauges (organization_id, user_id);

-- ==========================================================================================
-- Work orders
-- ==========================================================================================

create type public.work_order_status as enum (
  'draft', 'scheduled', 'dispatched', 'in_progress', 'completed', 'on_hold', 'cancelled'
);
create type public.work_order_priority as enum ('low', 'normal', 'high', 'emergency');
-- Why the work exists: a customer asked, a service agreement's period came, a test fell due.
create type public.work_order_source as enum ('request', 'agreement', 'due_notice');

-- The legal moves of a work order, and who may make each: the one table the database enforces
-- and frontends read to offer only the moves that will work.
create table public.work_order_transitions (
  from_status public.work_order_status not null,
  to_status public.work_order_status not null,
  -- Technicians assigned to the work may make this move too (start, pause, finish the job).
  technician_may boolean not null default false,
  primary key (from_status, to_status)
);
insert into public.work_order_transitions (from_status, to_status, technician_may) values
('draft', 'scheduled', false),
('draft', 'cancelled', false),
('scheduled', 'dispatched', false),
('scheduled', 'draft', false),
('scheduled', 'on_hold', false),
('scheduled', 'cancelled', false),
('dispatched', 'in_progress', true),
('dispatched', 'scheduled', false),
('dispatched', 'on_hold', false),
('dispatched', 'cancelled', false),
('in_progress', 'completed', true),
('in_progress', 'on_hold', true),
('on_hold', 'scheduled', false),
('on_hold', 'in_progress', true),
('on_hold', 'cancelled', false);

-- The last number given per organization; the row lock makes numbers gap-free and unique.
create table private.work_order_counters (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  last_number bigint not null
);
alter table private.work_order_counters enable row level security;
revoke all on table private.work_order_counters from anon, authenticated, service_role;

-- What a work order's (customer, site) pair references, so the site is always the customer's;
-- it also serves lookups of a customer's sites.
alter table public.sites add constraint sites_organization_customer_id_key
unique (organization_id, customer_id, id);
drop index public.sites_customer_idx;

-- A job to do at a customer's site.
create table public.work_orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- 1, 2, 3... per organization, set by the database.
  number bigint not null,
  customer_id uuid not null,
  site_id uuid not null,
  status public.work_order_status not null default 'draft',
  priority public.work_order_priority not null default 'normal',
  source public.work_order_source not null default 'request',
  title text not null check (char_length(title) between 1 and 200),
  description text check (char_length(description) <= 10000),
  -- Why it was put on hold or cancelled.
  status_reason text check (char_length(status_reason) <= 1000),
  completed_at timestamptz,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint work_orders_organization_id_id_key unique (organization_id, id),
  constraint work_orders_number_key unique (organization_id, number),
  constraint work_orders_customer_fkey foreign key (organization_id, customer_id)
  references public.customers (organization_id, id),
  -- The site must be the customer's own.
  constraint work_orders_site_fkey foreign key (organization_id, customer_id, site_id)
  references public.sites (organization_id, customer_id, id)
);
-- Open work orders page by page, newest number first, per organization.
create index work_orders_list_idx on public.work_orders (organization_id, status, number desc);
create index work_orders_number_desc_idx on public.work_orders (organization_id, number desc);
create index work_orders_site_idx on public.work_orders (organization_id, customer_id, site_id);
create index work_orders_created_by_idx on public.work_orders (created_by);

-- The assemblies a work order covers (all at its site).
create table public.work_order_assemblies (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid not null,
  assembly_id uuid not null,
  id uuid not null default gen_random_uuid() unique,
  primary key (work_order_id, assembly_id),
  constraint work_order_assemblies_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade,
  constraint work_order_assemblies_assembly_fkey foreign key (organization_id, assembly_id)
  references public.assemblies (organization_id, id) on delete cascade
);
create index work_order_assemblies_work_order_idx
on public.work_order_assemblies (organization_id, work_order_id);
create index work_order_assemblies_assembly_idx
on public.work_order_assemblies (organization_id, assembly_id);

-- The technicians (members) a work order is assigned to.
create table public.work_order_assignments (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  work_order_id uuid not null,
  user_id uuid not null,
  id uuid not null default gen_random_uuid() unique,
  assigned_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (work_order_id, user_id),
  constraint work_order_assignments_work_order_fkey foreign key (organization_id, work_order_id)
  references public.work_orders (organization_id, id) on delete cascade,
  constraint work_order_assignments_member_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade
);
-- Policies look assignments up by the signed-in user.
create index work_order_assignments_user_idx
on public.work_order_assignments (user_id, organization_id, work_order_id);
create index work_order_assignments_work_order_idx
on public.work_order_assignments (organization_id, work_order_id);
create index work_order_assignments_assigned_by_idx on public.work_order_assignments (assigned_by);

-- ==========================================================================================
-- Helpers used by policies: what the signed-in technician is assigned to
-- ==========================================================================================

-- The work orders assigned to the signed-in user, in live organizations they still belong to.
create or replace function private.assigned_work_order_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select a.work_order_id
  from public.work_order_assignments as a
  where a.user_id = (select auth.uid())
    and a.organization_id in (select private.organization_ids_for())
$$;
revoke all on function private.assigned_work_order_ids() from public, anon, authenticated, service_role;
grant execute on function private.assigned_work_order_ids() to authenticated;

-- The customers and sites of that work.
create or replace function private.assigned_customer_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select w.customer_id from public.work_orders as w
  where w.id in (select private.assigned_work_order_ids())
$$;
revoke all on function private.assigned_customer_ids() from public, anon, authenticated, service_role;
grant execute on function private.assigned_customer_ids() to authenticated;

create or replace function private.assigned_site_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select w.site_id from public.work_orders as w
  where w.id in (select private.assigned_work_order_ids())
$$;
revoke all on function private.assigned_site_ids() from public, anon, authenticated, service_role;
grant execute on function private.assigned_site_ids() to authenticated;

-- The assemblies of that work.
create or replace function private.assigned_assembly_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select wa.assembly_id from public.work_order_assemblies as wa
  where wa.work_order_id in (select private.assigned_work_order_ids())
$$;
revoke all on function private.assigned_assembly_ids() from public, anon, authenticated, service_role;
grant execute on function private.assigned_assembly_ids() to authenticated;

-- ==========================================================================================
-- Triggers
-- ==========================================================================================

-- Gives a new work order the next number of its organization. The counter row stays locked
-- until the transaction ends, so concurrent inserts queue, and a rolled-back insert gives its
-- number back: numbers are unique and gap-free.
create or replace function private.number_work_order() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into private.work_order_counters as c (organization_id, last_number)
  values (new.organization_id, 1)
  on conflict (organization_id) do update set last_number = c.last_number + 1
  returning c.last_number into new.number;
  new.created_by := coalesce(new.created_by, (select auth.uid()));
  return new;
end
$$;
revoke all on function private.number_work_order() from public;

create trigger work_orders_0_number
before insert on public.work_orders
for each row execute function private.number_work_order();

-- Holds every status change to the legal moves, with a clear error listing what is possible.
create or replace function private.check_work_order_status() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  possible text;
begin
  if tg_op = 'INSERT' then
    if new.status not in ('draft', 'scheduled') then
      raise exception 'A new work order starts as draft or scheduled, not %', new.status
      using errcode = '23514';
    end if;
    return new;
  end if;
  if new.status is distinct from old.status then
    if not exists (
      select from public.work_order_transitions as t
      where t.from_status = old.status and t.to_status = new.status
    ) then
      select string_agg(t.to_status::text, ', ' order by t.to_status) into possible
      from public.work_order_transitions as t where t.from_status = old.status;
      raise exception 'A work order cannot go from % to %', old.status, new.status
      using errcode = 'PT409', hint = coalesce('From ' || old.status || ' it can go to: ' || possible || '.',
        'A ' || old.status || ' work order is final.');
    end if;
    new.completed_at := case when new.status = 'completed' then now() end;
  end if;
  return new;
end
$$;
revoke all on function private.check_work_order_status() from public;

create trigger work_orders_1_check_status
before insert or update of status on public.work_orders
for each row execute function private.check_work_order_status();

create trigger work_orders_touch_updated_at before update on public.work_orders
for each row execute function private.touch_updated_at();
create trigger tester_certifications_touch_updated_at before update on public.tester_certifications
for each row execute function private.touch_updated_at();
create trigger test_gauges_touch_updated_at before update on public.test_gauges
for each row execute function private.touch_updated_at();

-- A completed work order tells the feed, and the organization's subscribed webhooks, with an
-- allowlisted body (no customer details).
create or replace function private.work_order_events() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.status = 'completed' and old.status is distinct from 'completed' then
    perform private.record_activity(
      new.organization_id, 'work_order.completed', 'work_order', new.id::text,
      format('Work order #%s was completed', new.number)
    );
    perform private.emit_webhook_event(
      new.organization_id, 'work_order.completed',
      jsonb_build_object(
        'work_order_id', new.id, 'number', new.number, 'customer_id', new.customer_id,
        'site_id', new.site_id, 'completed_at', new.completed_at
      )
    );
  end if;
  return null;
end
$$;
revoke all on function private.work_order_events() from public;

create trigger work_orders_events
after update of status on public.work_orders
for each row execute function private.work_order_events();

select private.guard_tenant_table('public.tester_certifications');
select private.guard_tenant_table('public.test_gauges');
select private.guard_tenant_table('public.work_orders');
select private.guard_tenant_table('public.work_order_assemblies');
select private.guard_tenant_table('public.work_order_assignments');

select private.enable_audit('public.tester_certifications', 'organization_id', array[
  'id', 'organization_id', 'user_id', 'issuer', 'certificate_number', 'expires_on'
]);
select private.enable_audit('public.test_gauges', 'organization_id', array[
  'id', 'organization_id', 'user_id', 'serial_number', 'make', 'model', 'last_calibrated_on',
  'calibration_due_on'
]);
select private.enable_audit('public.work_orders', 'organization_id', array[
  'id', 'organization_id', 'number', 'customer_id', 'site_id', 'status', 'priority', 'source',
  'title', 'status_reason', 'completed_at', 'created_by'
]);
select private.enable_audit('public.work_order_assemblies', 'organization_id', array[
  'id', 'organization_id', 'work_order_id', 'assembly_id'
]);
select private.enable_audit('public.work_order_assignments', 'organization_id', array[
  'id', 'organization_id', 'work_order_id', 'user_id', 'assigned_by'
]);

-- ==========================================================================================
-- RPC: moving a work order (the one path for status changes)
-- ==========================================================================================

-- Moves a work order to another status. Owners, admins and dispatchers make any legal move;
-- an assigned technician makes the moves marked technician_may (start, pause, finish).
create or replace function private.move_work_order(
  work_order_id uuid, to_status public.work_order_status, reason text default null
) returns public.work_orders
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.work_orders;
  caller_role public.member_role;
  moved public.work_orders;
begin
  select * into target from public.work_orders as w
  where w.id = work_order_id
    and (
      w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
      or w.id in (select private.assigned_work_order_ids())
    );
  if target.id is null then
    raise exception 'Work order % was not found', work_order_id using errcode = 'PT404';
  end if;
  caller_role := private.authorize(
    target.organization_id, '{owner,admin,dispatcher,technician}',
    'Only owners, admins, dispatchers and assigned technicians move work orders'
  );
  if caller_role = 'technician' and not exists (
    select from public.work_order_transitions as t
    where t.from_status = target.status and t.to_status = move_work_order.to_status and t.technician_may
  ) then
    raise exception 'A technician cannot move a work order from % to %', target.status, to_status
    using errcode = '42501', hint = 'Ask a dispatcher.';
  end if;
  update public.work_orders as w
  set status = to_status, status_reason = coalesce(nullif(btrim(reason), ''), w.status_reason)
  where w.id = work_order_id
  returning * into moved;
  return moved;
end
$$;
revoke all on function private.move_work_order(uuid, public.work_order_status, text)
from public, anon, authenticated, service_role;
grant execute on function private.move_work_order(uuid, public.work_order_status, text)
to authenticated;

create function public.move_work_order(
  work_order_id uuid, to_status public.work_order_status, reason text default null
) returns public.work_orders
language sql volatile
set search_path = ''
as $$
  select private.move_work_order(work_order_id, to_status, reason)
$$;
revoke all on function public.move_work_order(uuid, public.work_order_status, text)
from public, anon, authenticated, service_role;
grant execute on function public.move_work_order(uuid, public.work_order_status, text)
to authenticated;

-- ==========================================================================================
-- Grants (policies: supabase/policies/work_orders.sql)
-- ==========================================================================================

alter table public.tester_certifications enable row level security;
alter table public.test_gauges enable row level security;
alter table public.work_order_transitions enable row level security;
alter table public.work_orders enable row level security;
alter table public.work_order_assemblies enable row level security;
alter table public.work_order_assignments enable row level security;

revoke all on table public.tester_certifications, public.test_gauges,
public.work_order_transitions, public.work_orders, public.work_order_assemblies,
public.work_order_assignments from anon, authenticated, service_role;

grant select, delete on table public.tester_certifications to authenticated;
grant insert (organization_id, user_id, issuer, certificate_number, expires_on)
on table public.tester_certifications to authenticated;
grant update (issuer, certificate_number, expires_on) on table public.tester_certifications
to authenticated;

grant select, delete on table public.test_gauges to authenticated;
grant insert (
  organization_id, user_id, serial_number, make, model, last_calibrated_on, calibration_due_on
) on table public.test_gauges to authenticated;
grant update (user_id, serial_number, make, model, last_calibrated_on, calibration_due_on)
on table public.test_gauges to authenticated;

grant select on table public.work_order_transitions to authenticated, service_role;

-- Status changes go through move_work_order; numbers are the database's.
grant select on table public.work_orders to authenticated;
grant insert (organization_id, customer_id, site_id, status, priority, source, title, description)
on table public.work_orders to authenticated;
grant update (customer_id, site_id, priority, title, description) on table public.work_orders
to authenticated;

grant select, insert, delete on table public.work_order_assemblies to authenticated;
grant select, delete on table public.work_order_assignments to authenticated;
grant insert (organization_id, work_order_id, user_id) on table public.work_order_assignments
to authenticated;

grant select, insert, update, delete on table public.tester_certifications, public.test_gauges,
public.work_orders, public.work_order_assemblies, public.work_order_assignments to service_role;
