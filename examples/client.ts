// A typed supabase-js client for fieldbase. Every example takes one: the frontend signs the user
// in with Supabase Auth and sends their JWT; the database alone decides what they see and do.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "../types/database";

export type Fieldbase = SupabaseClient<Database>;
export type Tables<T extends keyof Database["public"]["Tables"]> =
  Database["public"]["Tables"][T]["Row"];
export type Enums<T extends keyof Database["public"]["Enums"]> = Database["public"]["Enums"][T];

// url and publishableKey from the project's API settings (locally, `supabase status`): the
// publishable (anon) key, never the secret key, in a browser or a mobile app.
export function fieldbase(url: string, publishableKey: string): Fieldbase {
  return createClient<Database>(url, publishableKey);
}

// Every call returns { data, error }: raise the error so the examples read top to bottom.
export function must<R extends { data: unknown; error: { message: string } | null }>(
  result: R,
): NonNullable<R["data"]> {
  if (result.error) throw result.error;
  if (result.data === null || result.data === undefined) throw new Error("no data");
  return result.data as NonNullable<R["data"]>;
}
