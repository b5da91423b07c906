-- RLS policies of feature flags and usage. Helpers are called as (select ...) so they run once
-- per statement, not once per row. A command without a policy here is denied to frontends.

-- feature flags and usage ---------------------------------------------------------------------
create policy "Signed-in users can read the feature flags"
on public.feature_flags for select to authenticated
using (true);

create policy "Members can read their organization's feature flags"
on public.organization_feature_flags for select to authenticated
using (organization_id in (select private.organization_ids_for()));

create policy "Owners, admins and platform staff can read usage"
on public.usage_counters for select to authenticated
using (
  organization_id in (select private.organization_ids_for('{owner,admin}'))
  or (select private.is_platform_staff())
);
