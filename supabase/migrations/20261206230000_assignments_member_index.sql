-- The foreign key from a work order's assignment to the membership it names
-- (work_order_assignments_member_fkey: organization_id, user_id) had no index that starts with
-- its columns, so removing a member scanned every assignment (Supabase's advisor, lint 0001,
-- which our own index convention missed: the user-first index serves policies, not this key).
create index work_order_assignments_member_idx
on public.work_order_assignments (organization_id, user_id);
