// Sign in, then read the organizations claim the access token hook puts in every token:
// { "<organization id>": "<role>" }. Claims only speed the UI up (which organizations to list,
// which buttons to show); RLS never trusts them, so a stale token cannot keep access.
import type { Enums, Fieldbase } from "./client";

export type OrganizationsClaim = Record<string, Enums<"member_role">>;

export async function signIn(supabase: Fieldbase, email: string, password: string) {
  const { error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) throw error;
  const { data, error: claimsError } = await supabase.auth.getClaims();
  if (claimsError || !data) throw claimsError ?? new Error("not signed in");
  const organizations = (data.claims["organizations"] ?? {}) as OrganizationsClaim;
  // Owners and admins manage the team; everyone else gets their own view.
  const managed = Object.entries(organizations)
    .filter(([, role]) => role === "owner" || role === "admin")
    .map(([id]) => id);
  return { userId: data.claims.sub, organizations, managed };
}
