-- Technicians tick checklist items; what a step says and where it stands is for owners, admins
-- and dispatchers. The column grant lets an assigned technician update the row (to tick it),
-- so the stamping trigger now runs on every update and refuses an API caller outside those
-- roles who changes the label or the position.
create or replace function private.stamp_checklist_item() returns trigger
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
revoke all on function private.stamp_checklist_item() from public;

drop trigger if exists work_order_checklist_items_stamp on public.work_order_checklist_items;
create trigger work_order_checklist_items_stamp
before update on public.work_order_checklist_items
for each row execute function private.stamp_checklist_item();
