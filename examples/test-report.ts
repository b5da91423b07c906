// Finalise a backflow test report: the readings are checked, the result is computed, the
// report is locked, the PDF and the customer's and the water authority's emails are queued.
import { type Fieldbase, must } from "./client";

export async function recordAndFinalize(supabase: Fieldbase, reportId: string) {
  must(
    await supabase
      .from("backflow_test_reports")
      .update({ check_valve_1_psid: 5.2, check_valve_2_psid: 2.1, relief_valve_opening_psid: 3.4 })
      .eq("id", reportId)
      .select("id")
      .single(),
  );
  const report = must(await supabase.rpc("finalize_backflow_test", { report_id: reportId }));
  return { result: report.result, status: report.status, finalizedAt: report.finalized_at };
}
