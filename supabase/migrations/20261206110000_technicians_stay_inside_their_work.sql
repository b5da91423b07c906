-- A technician's writes and reads stay inside their work.
--
-- Found under test: a technician could move their draft report onto a colleague's work order,
-- or file a new one under it (the policies checked the user and the assembly, never the work
-- order); a report's assembly and its work order could name different customers whoever wrote
-- it; a support ticket's assignee could move it to any customer, contact or person; and
-- `documents` listed every work-order and inspection-report PDF in the organization to every
-- technician. The policies (supabase/policies/) now check every reference a technician sets,
-- and this migration adds what policies cannot say: the consistency rule for everyone, the
-- assignee rule (it compares old and new values) and the helpers the policies call.

-- ==========================================================================================
-- A test report's assembly is one of its work order's assemblies
-- ==========================================================================================

-- Refuses a report whose work order does not cover its assembly (and so another site or
-- customer), for every writer. A constraint trigger rather than a foreign key: the message says
-- what is wrong, and a frontend gets a 400, not the 409 of a missing reference.
create or replace function private.report_assembly_on_its_work_order() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.work_order_id is not null and not exists (
    select from public.work_order_assemblies as wa
    where wa.organization_id = new.organization_id
      and wa.work_order_id = new.work_order_id
      and wa.assembly_id = new.assembly_id
  ) then
    raise exception 'A test report''s assembly must be one of its work order''s assemblies'
    using errcode = '23514', constraint = 'backflow_test_reports_assembly_on_work_order',
      hint = 'Add the assembly to the work order first, or file the report without one.';
  end if;
  return null;
end
$$;
revoke all on function private.report_assembly_on_its_work_order() from public;

create constraint trigger backflow_test_reports_assembly_on_work_order
after insert or update of work_order_id, assembly_id on public.backflow_test_reports
deferrable initially immediate
for each row execute function private.report_assembly_on_its_work_order();

-- An assembly with a test report on a work order stays on it, unless the work order or the
-- assembly itself is being deleted (their cascades take the reports' links with them).
create or replace function private.keep_reported_assemblies_on_work_orders() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.backflow_test_reports as r
    where r.organization_id = old.organization_id
      and r.work_order_id = old.work_order_id
      and r.assembly_id = old.assembly_id
  )
  and exists (select from public.work_orders as w where w.id = old.work_order_id)
  and exists (select from public.assemblies as a where a.id = old.assembly_id) then
    raise exception 'This assembly has a test report on this work order'
    using errcode = '23514', constraint = 'backflow_test_reports_assembly_on_work_order',
      hint = 'Move the report off the work order first.';
  end if;
  return old;
end
$$;
revoke all on function private.keep_reported_assemblies_on_work_orders() from public;

create trigger work_order_assemblies_keep_reported
before delete on public.work_order_assemblies
for each row execute function private.keep_reported_assemblies_on_work_orders();

-- A retest names a finalised failed test of the same assembly. The assembly was left to the
-- foreign key, so another assembly's failed test gave a 23503 where a missing one gave this
-- 23514: the difference told a technician that a colleague's failed test existed.
create or replace function private.evaluate_backflow_test() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  readings jsonb := jsonb_build_object(
    'check_valve_1', new.check_valve_1_psid, 'check_valve_2', new.check_valve_2_psid,
    'relief_valve_opening', new.relief_valve_opening_psid,
    'air_inlet_opening', new.air_inlet_opening_psid
  );
  missing integer;
  -- What a submission may still add to a finalised report.
  submission text[] := array['submitted_at', 'submitted_via', 'submission_reference', 'updated_at'];
begin
  if tg_op = 'UPDATE' and old.status = 'finalized'
     and (to_jsonb(new) - submission) is distinct from (to_jsonb(old) - submission) then
    raise exception 'A finalised test report cannot be changed' using errcode = 'PT409',
    hint = 'Record a retest instead.';
  end if;
  if new.retest_of_id is not null
     and (tg_op = 'INSERT' or new.retest_of_id is distinct from old.retest_of_id)
     and not exists (
       select from public.backflow_test_reports as r
       where r.id = new.retest_of_id and r.organization_id = new.organization_id
         and r.assembly_id = new.assembly_id and r.status = 'finalized' and r.result = 'fail'
     ) then
    raise exception 'A retest follows a finalised failed test of the same assembly'
    using errcode = '23514';
  end if;
  if tg_op = 'UPDATE' and old.status = 'finalized' then
    return new;
  end if;
  select
    count(*) filter (where readings ->> t.reading is null),
    coalesce(array_agg(t.label order by t.label) filter (
      where (readings ->> t.reading)::numeric < t.minimum_psid
    ), '{}')
  into missing, new.failed_checks
  from public.backflow_test_thresholds as t
  inner join public.assemblies as a on a.kind = t.kind
  where a.id = new.assembly_id and a.organization_id = new.organization_id;
  new.result := case
    when missing > 0 then null
    when cardinality(new.failed_checks) = 0 then 'pass'
    else 'fail'
  end::public.backflow_result;
  return new;
end
$$;
revoke all on function private.evaluate_backflow_test() from public;

-- ==========================================================================================
-- Helpers the policies call (plpgsql: planned once per session)
-- ==========================================================================================

-- The signed-in user's own tester certifications, in organizations they belong to.
create or replace function private.own_certification_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select c.id from public.tester_certifications as c
  where c.user_id = (select auth.uid()) and c.organization_id in (select private.organization_ids_for());
end
$$;
revoke all on function private.own_certification_ids() from public, anon, authenticated, service_role;
grant execute on function private.own_certification_ids() to authenticated;

-- The test gauges issued to the signed-in user, in organizations they belong to.
create or replace function private.own_gauge_ids() returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select g.id from public.test_gauges as g
  where g.user_id = (select auth.uid()) and g.organization_id in (select private.organization_ids_for());
end
$$;
revoke all on function private.own_gauge_ids() from public, anon, authenticated, service_role;
grant execute on function private.own_gauge_ids() to authenticated;

-- The storage paths of the documents of a technician's work: PDFs of work orders assigned to
-- them, and of test reports they may read (their own, and those of their work's assemblies).
create or replace function private.assigned_document_paths() returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select d.storage_path from public.documents as d
  where d.organization_id in (select private.organization_ids_for('{technician}'))
    and (
      (
        d.source_type = 'work_order'
        and d.source_id in (select w::text from private.assigned_work_order_ids() as w)
      )
      or (
        d.source_type = 'backflow_test_report'
        and d.source_id in (
          select r.id::text from public.backflow_test_reports as r
          where r.organization_id = d.organization_id
            and (
              r.user_id = (select auth.uid())
              or r.assembly_id in (select private.assigned_assembly_ids())
            )
        )
      )
    );
end
$$;
revoke all on function private.assigned_document_paths() from public, anon, authenticated, service_role;
grant execute on function private.assigned_document_paths() to authenticated;

-- ==========================================================================================
-- Tickets: an assignee works the ticket; where it belongs is the office's to change
-- ==========================================================================================

-- A member who works a ticket only because it is assigned to them (a technician, a viewer)
-- may change its status, priority and text, not its customer, contact or assignee.
create or replace function private.assignees_keep_ticket_references() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is not null
     and (
       new.customer_id is distinct from old.customer_id
       or new.contact_id is distinct from old.contact_id
       or new.assignee_id is distinct from old.assignee_id
     )
     and new.organization_id not in (select private.organization_ids_for('{owner,admin,dispatcher}')) then
    raise exception 'Only owners, admins and dispatchers can move a ticket to another customer, contact or assignee'
    using errcode = '42501';
  end if;
  return new;
end
$$;
revoke all on function private.assignees_keep_ticket_references() from public;

create trigger tickets_0_assignee_limits
before update of customer_id, contact_id, assignee_id on public.tickets
for each row execute function private.assignees_keep_ticket_references();
