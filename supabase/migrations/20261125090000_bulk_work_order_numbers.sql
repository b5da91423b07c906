-- Numbering a bulk insert of work orders in linear time. The row trigger used to upsert the
-- organization's counter once per row: inside one transaction every update leaves a new
-- version of the same counter row that no one can prune yet, and each next upsert walks the
-- whole chain, so 100,000 work orders in one statement took minutes (quadratic). Now each row
-- locks the counter row (a lock we already hold adds no version) and takes the next number
-- after the larger of the counter and the organization's highest number (an index probe that
-- sees the earlier rows of the same statement); one statement trigger then moves the counter
-- past every number the statement gave. Numbers stay unique and gap-free, concurrent inserts
-- still queue on the counter row, and a number is never reused after a delete.

create or replace function private.number_work_order() returns trigger
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
revoke all on function private.number_work_order() from public;

create or replace function private.count_work_order_numbers() returns trigger
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
revoke all on function private.count_work_order_numbers() from public;

create trigger work_orders_count_numbers
after insert on public.work_orders
referencing new table as inserted
for each statement execute function private.count_work_order_numbers();
