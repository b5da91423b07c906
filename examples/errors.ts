// What fieldbase's errors mean. Functions and constraints raise a SQLSTATE that PostgREST maps
// to an HTTP status; supabase-js gives it as error.code, with a message a person can read and
// often a hint saying what to do instead.
import type { PostgrestError } from "@supabase/supabase-js";
import type { Fieldbase } from "./client";

export type Outcome =
  | { kind: "ok" }
  | { kind: "show"; message: string } // tell the user, let them change their input
  | { kind: "upgrade"; message: string } // a plan limit
  | { kind: "reload"; message: string } // the thing moved on since the page was loaded
  | { kind: "gone"; message: string } // used or withdrawn: nothing to retry
  | { kind: "sign-in-again"; message: string } // MFA needed, or no right to do this
  | { kind: "retry-later"; message: string };

export function explain(error: PostgrestError | null): Outcome {
  if (!error) return { kind: "ok" };
  const message = error.hint ? `${error.message} ${error.hint}` : error.message;
  switch (error.code) {
    case "PT402": // 402: the plan's limit (members, technicians)
      return { kind: "upgrade", message };
    case "PT404": // 404: not found, or not yours
      return { kind: "show", message };
    case "PT409": // 409: a state conflict (an invoice already sent, a double booking)
    case "23505": // 409: already exists
    case "23503": // 409: refers to something missing
      return { kind: "reload", message };
    case "PT410": // 410: an invitation already used or withdrawn
      return { kind: "gone", message };
    case "42501": // 403: not allowed for this role, or MFA (aal2) required
      return { kind: "sign-in-again", message };
    case "22023": // 400: an invalid value
    case "23514": // 400: a rule the data breaks (an overpayment names the amounts)
      return { kind: "show", message };
    case "PT429": // 429: too many requests
      return { kind: "retry-later", message };
    default:
      return { kind: "show", message };
  }
}

export async function acceptWithMessages(supabase: Fieldbase, token: string) {
  const { error } = await supabase.rpc("accept_invitation", { token });
  return explain(error);
}
