// The campaigns a vendor face gave contacts to after they completed: found so that the engine can bring
// back those a dead node left completed (engine/face-add-recovery.ts), and the mark a face leaves on one it
// could not bring back for the balance. Which of them a face brings back is decided in model/face-adds.ts.
import { sql } from "kysely";
import { LOW_BALANCE_REASON } from "../model/billing.ts";
import type { Store } from "./db.ts";
import type { Campaign } from "./schema.ts";

/** A completed campaign with a pending contact, and whether it has a campaign token (a JAICP campaign). */
export type CompletedWithPending = Campaign & { hasCampaignToken: boolean };

/**
 * The completed campaigns with a pending contact, but for one a face left completed for the balance (it
 * waits for its client's own start). A campaign completes only once none is pending, so any pending one
 * was added (or made pending again) since.
 */
export async function completedWithPending(store: Store): Promise<CompletedWithPending[]> {
  // Two probes, each on a partial index: contacts due now (the dial queue) and ones waiting for later.
  // Without statistics SQLite would take the (campaign_id, phone) index and read every contact of every
  // completed campaign; INDEXED BY keeps it on the partial ones (PostgreSQL's planner finds them itself).
  const on = (index: string) =>
    sql.raw(store.dialect === "sqlite" ? `contacts k INDEXED BY ${index}` : "contacts k");
  const { rows } = await sql<Campaign & { has_token: unknown }>`
    SELECT c.*, EXISTS (SELECT 1 FROM campaign_tokens t WHERE t.campaign_id = c.id) AS has_token
      FROM campaigns c
      WHERE c.status = 'completed' AND (c.status_reason IS NULL OR c.status_reason <> ${LOW_BALANCE_REASON}) AND (
        EXISTS (SELECT 1 FROM ${on("contacts_dial_queue")} WHERE k.campaign_id = c.id AND k.ready = 1)
        OR EXISTS (SELECT 1 FROM ${on("contacts_waiting")}
          WHERE k.campaign_id = c.id AND k.status = 'pending' and k.ready = 0))`.execute(store.db);
  return rows.map(({ has_token, ...row }) => ({ ...row, hasCampaignToken: Boolean(has_token) }));
}

/** Says on a completed campaign that it was left so under 1 USD: completedWithPending passes it over. */
export async function leaveCompletedForBalance(store: Store, campaignId: number): Promise<void> {
  await store.db
    .updateTable("campaigns")
    .set({ status_reason: LOW_BALANCE_REASON })
    .where("id", "=", campaignId)
    .where("status", "=", "completed")
    .execute();
}
