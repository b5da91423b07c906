// A technician's day: their visits today with the work order, the customer and the site
// embedded. A technician sees only work assigned to them; the same query as a dispatcher
// would list everyone's, so filter by user_id for "my day".
import { type Fieldbase, must } from "./client";

export async function todaysVisits(supabase: Fieldbase, organizationId: string, userId: string) {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  const visits = must(
    await supabase
      .from("visits")
      .select(
        "id, starts_at, ends_at, status, work_orders(number, title, status, customers(name), sites(line1, city))",
      )
      .eq("organization_id", organizationId)
      .eq("user_id", userId)
      .gte("starts_at", start.toISOString())
      .lt("starts_at", end.toISOString())
      .order("starts_at"),
  );
  return visits.map((visit) => ({
    at: visit.starts_at,
    job: visit.work_orders ? `#${visit.work_orders.number} ${visit.work_orders.title}` : "",
    where: visit.work_orders?.sites?.line1 ?? "",
  }));
}
