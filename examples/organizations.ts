// Create an organization (the caller becomes its owner), invite a teammate, and accept the
// invitation as that teammate (the token comes from the emailed link).
import { type Enums, type Fieldbase, must } from "./client";

export async function createOrganization(supabase: Fieldbase, name: string) {
  const organization = must(await supabase.rpc("create_organization", { name }));
  return { id: organization.id, slug: organization.slug };
}

export async function invite(
  supabase: Fieldbase,
  organizationId: string,
  email: string,
  role: Enums<"member_role"> = "technician",
) {
  // Owners and admins only, with MFA (aal2) where the organization requires it.
  const [invitation] = must(
    await supabase.rpc("invite_member", { organization_id: organizationId, email, role }),
  );
  return invitation?.invitation_id;
}

export async function acceptInvitation(supabase: Fieldbase, token: string) {
  const membership = must(await supabase.rpc("accept_invitation", { token }));
  // The new organization is in the next token: refresh so the claim shows it.
  await supabase.auth.refreshSession();
  return { organizationId: membership.organization_id, role: membership.role };
}
