-- list_indexes_members_can_use
-- The two lists a dispatcher and a bookkeeper open most, open work orders and overdue
-- invoices, get partial indexes in their order. Under RLS a member's status filter cannot be
-- an index condition (enum comparisons are not leakproof, so PostgreSQL runs them after the
-- policy): a member's page of open work orders read all of the organization's work orders
-- through (organization_id) and sorted them, where the same query bypassing RLS read only the
-- open ones. A partial index whose predicate the filter implies serves the member all the
-- same: the predicate was evaluated when the row was written, and no function runs on a row
-- the policy hides. "Open" is what the dashboard counts: not completed and not cancelled
-- (`status=in.(draft,...,on_hold)` and `status=not.in.(completed,cancelled)` both imply it).

create index if not exists work_orders_open_idx on public.work_orders (organization_id, number desc)
where status not in ('completed', 'cancelled');

create index if not exists invoices_overdue_idx on public.invoices (organization_id, number desc)
where status = 'overdue';
