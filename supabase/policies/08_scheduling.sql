-- RLS policies of scheduling: visits, working hours, time off and time entries. Members other
-- than technicians read the organization's schedule; a technician reads their own visits and
-- those on their work, their own hours and time off, and their own time. Owners, admins and
-- dispatchers book and change visits and hours; technicians log their own time on their work.
-- One permissive policy per role and action.

-- visits ---------------------------------------------------------------------------------------
-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members can read the schedule; technicians their visits"
on public.visits for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
  or work_order_id in (select private.assigned_work_order_ids())
);

create policy "Owners, admins and dispatchers can book visits"
on public.visits for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can change visits"
on public.visits for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- working hours and time off -------------------------------------------------------------------
-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members can read working hours; technicians their own"
on public.working_hours for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
);

create policy "Owners, admins and dispatchers can set working hours"
on public.working_hours for insert to authenticated
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can change working hours"
on public.working_hours for update to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')))
with check (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

create policy "Owners, admins and dispatchers can remove working hours"
on public.working_hours for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members can read time off; technicians their own"
on public.time_off for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
);

-- Own rows first: a technician's statement calls one helper, not two.
create policy "Dispatchers record time off; members their own"
on public.time_off for insert to authenticated
with check (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
);

create policy "Owners, admins and dispatchers can remove time off"
on public.time_off for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}')));

-- time entries -----------------------------------------------------------------------------------
-- Own rows first: a technician's statement calls one helper, not two.
create policy "Members can read time entries; technicians their own"
on public.time_entries for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
  or organization_id in (select private.organization_ids_for('{owner,admin,dispatcher,viewer}'))
);

create policy "Dispatchers log anyone's time; technicians their own"
on public.time_entries for insert to authenticated
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (user_id = (select auth.uid()) and work_order_id in (select private.assigned_work_order_ids()))
);

create policy "Dispatchers correct anyone's time; technicians their own"
on public.time_entries for update to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (user_id = (select auth.uid()) and work_order_id in (select private.assigned_work_order_ids()))
)
with check (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or (user_id = (select auth.uid()) and work_order_id in (select private.assigned_work_order_ids()))
);

create policy "Owners and admins can remove time entries"
on public.time_entries for delete to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));
