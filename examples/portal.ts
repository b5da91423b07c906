// The customer portal: a portal user (a customer's contact who accepted an invitation) reads
// their sent estimates with the options and approves one.
import { type Fieldbase, must } from "./client";

export async function openEstimates(supabase: Fieldbase) {
  return must(
    await supabase
      .from("estimates")
      .select("id, number, title, status, valid_until, estimate_options(id, name, total_cents)")
      .eq("status", "sent")
      .order("number", { ascending: false }),
  );
}

export async function approve(supabase: Fieldbase, estimateId: string, optionId: string) {
  const estimate = must(
    await supabase.rpc("approve_estimate", { estimate_id: estimateId, option_id: optionId }),
  );
  return { status: estimate.status, decidedAt: estimate.decided_at };
}
