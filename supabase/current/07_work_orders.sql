-- Work orders: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- The signed-in user's work order assignments in live organizations they still belong to
-- (assignments name memberships, so support access never applies): the one join the
-- technician's helpers share. A view is expanded into each helper's cached plan, so it costs
-- none of a nested helper call. Read by the SECURITY DEFINER helpers only.
create or replace view private.caller_assignments with (security_invoker = true) as
select
  a.organization_id,
  a.work_order_id
from public.work_order_assignments as a
inner join private.live_memberships as l on a.organization_id = l.organization_id and a.user_id = l.user_id
where a.user_id = (select auth.uid());
revoke all on table private.caller_assignments from public, anon, authenticated, service_role;

-- The assemblies of that work.
create or replace function private.assigned_assembly_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select wa.assembly_id
  from private.caller_assignments as a
  inner join public.work_order_assemblies as wa
    on a.organization_id = wa.organization_id and a.work_order_id = wa.work_order_id;
end
$$;
revoke all on function private.assigned_assembly_ids()
from public, anon, authenticated, service_role;
grant execute on function private.assigned_assembly_ids()
to authenticated;

-- The customers and sites of that work.
create or replace function private.assigned_customer_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select w.customer_id
  from private.caller_assignments as a
  inner join public.work_orders as w on a.organization_id = w.organization_id and a.work_order_id = w.id;
end
$$;
revoke all on function private.assigned_customer_ids()
from public, anon, authenticated, service_role;
grant execute on function private.assigned_customer_ids()
to authenticated;

create or replace function private.assigned_site_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select w.site_id
  from private.caller_assignments as a
  inner join public.work_orders as w on a.organization_id = w.organization_id and a.work_order_id = w.id;
end
$$;
revoke all on function private.assigned_site_ids()
from public, anon, authenticated, service_role;
grant execute on function private.assigned_site_ids()
to authenticated;

-- The work orders assigned to the signed-in user, in live organizations they still belong to.
create or replace function private.assigned_work_order_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select a.work_order_id from private.caller_assignments as a;
end
$$;
revoke all on function private.assigned_work_order_ids()
from public, anon, authenticated, service_role;
grant execute on function private.assigned_work_order_ids()
to authenticated;

-- Holds every status change to the legal moves, with a clear error listing what is possible.
create or replace function private.check_work_order_status()
returns trigger
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
revoke all on function private.check_work_order_status()
from public, anon, authenticated, service_role;

-- Moves a work order to another status. Owners, admins and dispatchers make any legal move;
-- an assigned technician makes the moves marked technician_may (start, pause, finish).
create or replace function private.move_work_order(
  work_order_id uuid,
  to_status work_order_status,
  reason text default null::text
)
returns work_orders
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
revoke all on function private.move_work_order(work_order_id uuid, to_status work_order_status, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.move_work_order(work_order_id uuid, to_status work_order_status, reason text)
to authenticated;

-- Numbering a bulk insert of work orders in linear time. The row trigger used to upsert the
-- organization's counter once per row: inside one transaction every update leaves a new
-- version of the same counter row that no one can prune yet, and each next upsert walks the
-- whole chain, so 100,000 work orders in one statement took minutes (quadratic). Now each row
-- locks the counter row (a lock we already hold adds no version) and takes the next number
-- after the larger of the counter and the organization's highest number (an index probe that
-- sees the earlier rows of the same statement); one statement trigger then moves the counter
-- past every number the statement gave. Numbers stay unique and gap-free, concurrent inserts
-- still queue on the counter row, and a number is never reused after a delete.
create or replace function private.number_work_order()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  counted bigint;
begin
  insert into private.work_order_counters (organization_id, last_number)
  values (new.organization_id, 0)
  on conflict (organization_id) do nothing;
  select c.last_number into counted
  from private.work_order_counters as c
  where c.organization_id = new.organization_id
  for update;
  new.number := greatest(
    counted,
    (
      select w.number from public.work_orders as w
      where w.organization_id = new.organization_id
      order by w.number desc
      limit 1
    )
  ) + 1;
  new.created_by := coalesce(new.created_by, (select auth.uid()));
  return new;
end
$$;
revoke all on function private.number_work_order()
from public, anon, authenticated, service_role;

-- A completed work order tells the feed, and the organization's subscribed webhooks, with an
-- allowlisted body (no customer details).
create or replace function private.work_order_events()
returns trigger
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
revoke all on function private.work_order_events()
from public, anon, authenticated, service_role;

create or replace function public.move_work_order(
  work_order_id uuid,
  to_status work_order_status,
  reason text default null::text
)
returns work_orders
language plpgsql
set search_path = ''
as $$
begin
  return private.move_work_order(work_order_id, to_status, reason);
end
$$;
revoke all on function public.move_work_order(work_order_id uuid, to_status work_order_status, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.move_work_order(work_order_id uuid, to_status work_order_status, reason text)
to authenticated;

-- The folder of each work order a user may read ("<organization_id>/work_orders/<id>"), and
-- of each they may add to.
create or replace function private.readable_work_order_folders()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select w.organization_id || '/work_orders/' || w.id from public.work_orders as w
  where w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
     or w.id in (select private.assigned_work_order_ids());
end
$$;
revoke all on function private.readable_work_order_folders()
from public, anon, authenticated, service_role;
grant execute on function private.readable_work_order_folders()
to authenticated;

-- Technicians tick checklist items; what a step says and where it stands is for owners, admins
-- and dispatchers. The column grant lets an assigned technician update the row (to tick it),
-- so the stamping trigger now runs on every update and refuses an API caller outside those
-- roles who changes the label or the position.
create or replace function private.stamp_checklist_item()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_api_caller()
     and (new.label, new.position) is distinct from (old.label, old.position)
     and new.organization_id not in (select private.organization_ids_for('{owner,admin,dispatcher}')) then
    raise exception 'Only owners, admins and dispatchers edit a checklist; technicians tick it'
    using errcode = '42501';
  end if;
  if new.done is distinct from old.done then
    new.done_by := case when new.done then (select auth.uid()) end;
    new.done_at := case when new.done then now() end;
  end if;
  return new;
end
$$;
revoke all on function private.stamp_checklist_item()
from public, anon, authenticated, service_role;

-- The work orders the signed-in user may add to: all of their organizations' for owners,
-- admins and dispatchers, their assigned ones for everyone else.
create or replace function private.workable_work_order_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select w.id from public.work_orders as w
  where w.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  union
  select private.assigned_work_order_ids();
end
$$;
revoke all on function private.workable_work_order_ids()
from public, anon, authenticated, service_role;
grant execute on function private.workable_work_order_ids()
to authenticated;

create or replace function private.writable_work_order_folders()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select w.organization_id || '/work_orders/' || w.id from public.work_orders as w
  where w.id in (select private.workable_work_order_ids());
end
$$;
revoke all on function private.writable_work_order_folders()
from public, anon, authenticated, service_role;
grant execute on function private.writable_work_order_folders()
to authenticated;

create or replace function private.count_work_order_numbers()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update private.work_order_counters as c
  set last_number = n.last_number
  from (
    select i.organization_id, max(i.number) as last_number
    from inserted as i
    group by i.organization_id
  ) as n
  where c.organization_id = n.organization_id and c.last_number < n.last_number;
  return null;
end
$$;
revoke all on function private.count_work_order_numbers()
from public, anon, authenticated, service_role;

create or replace trigger audit_delete after delete
on public.test_gauges
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.tester_certifications
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.work_order_assemblies
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.work_order_assignments
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.work_orders
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.test_gauges
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.tester_certifications
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.work_order_assemblies
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.work_order_assignments
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.work_orders
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.test_gauges
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.tester_certifications
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.work_order_assemblies
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.work_order_assignments
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.work_orders
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.test_gauges
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.tester_certifications
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.work_order_assemblies
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.work_order_assignments
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.work_orders
for each row
execute function private.enforce_organization_writable();

create or replace trigger test_gauges_touch_updated_at before update
on public.test_gauges
for each row
execute function private.touch_updated_at();

create or replace trigger tester_certifications_touch_updated_at before update
on public.tester_certifications
for each row
execute function private.touch_updated_at();

create or replace trigger work_order_assemblies_keep_reported before delete
on public.work_order_assemblies
for each row
execute function private.keep_reported_assemblies_on_work_orders();

create or replace trigger work_orders_0_number before insert
on public.work_orders
for each row
execute function private.number_work_order();

create or replace trigger work_orders_1_check_status before insert or update of status
on public.work_orders
for each row
execute function private.check_work_order_status();

create or replace trigger work_orders_count_numbers after insert
on public.work_orders
referencing new table as inserted
for each statement
execute function private.count_work_order_numbers();

create or replace trigger work_orders_events after update of status
on public.work_orders
for each row
execute function private.work_order_events();

create or replace trigger work_orders_touch_updated_at before update
on public.work_orders
for each row
execute function private.touch_updated_at();

create or replace trigger audit_delete after delete
on public.work_order_checklist_items
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.work_order_notes
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.work_order_checklist_items
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.work_order_notes
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.work_order_checklist_items
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.work_order_notes
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.work_order_checklist_items
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.work_order_notes
for each row
execute function private.enforce_organization_writable();

create or replace trigger work_order_checklist_items_0_cap before insert or update of work_order_id
on public.work_order_checklist_items
for each row
execute function private.limit_lines_per_document('work_orders', 'work_order_id', '500', 'A work order checklist');

create or replace trigger work_order_checklist_items_stamp before update
on public.work_order_checklist_items
for each row
execute function private.stamp_checklist_item();
