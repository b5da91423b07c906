-- RLS policies of the audit log, the activity feed and notifications. Helpers are called as
-- (select ...) so they run once per statement, not once per row. A command without a policy
-- here is denied to frontends.

-- audit_log -----------------------------------------------------------------------------------
create policy "Owners and admins can read their organization's audit log"
on public.audit_log for select to authenticated
using (organization_id in (select private.organization_ids_for('{owner,admin}')));

-- activity ------------------------------------------------------------------------------------
create policy "Members can read their organization's activity"
on public.activity for select to authenticated
using (organization_id in (select private.organization_ids_for()));

-- notifications -------------------------------------------------------------------------------
create policy "People can read their own notifications"
on public.notifications for select to authenticated
using (
  (user_id, organization_id) in (select * from private.own_memberships())
);
