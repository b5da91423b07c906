// Live updates with Realtime: the schedule board hears every change to its organization's
// visits, and a user hears their own notifications. Realtime checks each change against the
// table's RLS as this user, so a filter narrows what is sent, it never widens it.
import type { RealtimeChannel } from "@supabase/supabase-js";
import type { Fieldbase, Tables } from "./client";

export function watchSchedule(
  supabase: Fieldbase,
  organizationId: string,
  onChange: (visit: Partial<Tables<"visits">>, event: "INSERT" | "UPDATE" | "DELETE") => void,
): RealtimeChannel {
  return supabase
    .channel(`schedule:${organizationId}`)
    .on<Tables<"visits">>(
      "postgres_changes",
      { event: "*", schema: "public", table: "visits", filter: `organization_id=eq.${organizationId}` },
      (payload) => {
        // A DELETE carries only the primary key (old); inserts and updates the new row.
        onChange(payload.eventType === "DELETE" ? payload.old : payload.new, payload.eventType);
      },
    )
    .subscribe();
}

export function watchNotifications(
  supabase: Fieldbase,
  userId: string,
  onNotification: (notification: Tables<"notifications">) => void,
): RealtimeChannel {
  return supabase
    .channel(`notifications:${userId}`)
    .on<Tables<"notifications">>(
      "postgres_changes",
      { event: "INSERT", schema: "public", table: "notifications", filter: `user_id=eq.${userId}` },
      (payload) => onNotification(payload.new),
    )
    .subscribe();
}
