-- RLS policies of offline sync: a tombstone is read by whoever read its row: the office reads
-- its organization's, a technician those of their assigned work orders and of rows that were
-- theirs (an assignment taken away, a visit moved to someone else).

create policy "Members read the tombstones of what they could read"
on public.sync_tombstones for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
  or (user_id, organization_id) in (select * from private.own_memberships())
);

-- Own rows first: a technician's statement calls one helper, not two.
create policy "The office reads its sync conflicts; a technician their own"
on public.sync_conflicts for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
);

create policy "Owners, admins and dispatchers settle sync conflicts"
on public.sync_conflicts for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));
