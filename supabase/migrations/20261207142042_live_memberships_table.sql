-- live_memberships_table
-- The memberships of organizations that are not deleted, as one narrow table the policy helper
-- private.organization_ids_for reads with one index lookup. Every statement a member sends
-- calls that helper, and its join of memberships with organizations (to leave deleted
-- organizations out) was a quarter of its cost. Triggers on memberships and organizations
-- keep the copy exact within the statement that changes either (the next migration, which also
-- fills it). Internal: no API role may read it; the helper is SECURITY DEFINER.

create table private.live_memberships (
  user_id uuid not null,
  organization_id uuid not null,
  role public.member_role not null,
  primary key (user_id, organization_id) include (role),
  -- A removed member's row goes with the membership, in the same statement.
  constraint live_memberships_membership_fkey foreign key (organization_id, user_id)
  references public.memberships (organization_id, user_id) on delete cascade on update cascade
);

create index live_memberships_organization_idx on private.live_memberships (organization_id, user_id);

alter table private.live_memberships enable row level security;
revoke all on table private.live_memberships from public, anon, authenticated, service_role;
