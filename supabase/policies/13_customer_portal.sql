-- RLS policies of portal accounts: owners, admins and dispatchers see their organization's;
-- a portal user sees their own. Invitations and revocations go through RPCs.

create policy "Staff members and the account's user can read portal accounts"
on public.portal_accounts for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'))
  or user_id = (select auth.uid())
);
