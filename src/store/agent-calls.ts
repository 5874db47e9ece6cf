// What the store keeps of agents' calls: who took an attempt and how long the callee waited, the agent's
// disposition, and the live answers and abandons a campaign's abandonment rate is counted from. The
// database is the record; the engine's in-memory tracker is seeded from it after a restart.
import { sql } from "kysely";
import type { Store } from "./db.ts";

export async function recordAgentOnAttempt(
  store: Store,
  attemptId: number,
  agentId: number,
  waitMs: number,
): Promise<void> {
  await store.db
    .updateTable("attempts")
    .set({ agent_id: agentId, wait_ms: Math.round(waitMs) })
    .where("id", "=", attemptId)
    .execute();
}

/** Sets the disposition of an attempt of the account; the number it called, or null when there is no such
 *  attempt. */
export async function setDisposition(
  store: Store,
  accountId: number,
  attemptId: number,
  disposition: string,
  agentId: number,
  at: number,
): Promise<string | null> {
  const r = await store.db
    .updateTable("attempts")
    .set({ disposition, disposition_at: at, agent_id: agentId })
    .where("id", "=", attemptId)
    .where("account_id", "=", accountId)
    .returning("phone")
    .executeTakeFirst();
  return r?.phone ?? null;
}

export interface LiveAnswer {
  at: number;
  fate: "connected" | "no_agent";
}

/** The campaign's live answers in time order, each connected or abandoned. */
export async function liveAnswers(store: Store, campaignId: number): Promise<LiveAnswer[]> {
  const rows = await store.db
    .selectFrom("attempts")
    .select(["answered_at", "outcome"])
    .where("campaign_id", "=", campaignId)
    .where("outcome", "in", ["human", "abandoned"])
    .where("answered_at", "is not", null)
    .orderBy("answered_at")
    .execute();
  return rows.map((r) => ({
    at: Number(r.answered_at),
    fate: r.outcome === "abandoned" ? "no_agent" : "connected",
  }));
}

export interface AbandonmentWindow {
  liveAnswers: number;
  abandoned: number;
  /** abandoned / liveAnswers; 0 before the first live answer. */
  rate: number;
}

/** Abandoned / live answers over the last 24 h, 30 days and the whole campaign, from the attempts. */
export async function abandonment(
  store: Store,
  campaignId: number,
  now: number,
): Promise<Record<"rolling24h" | "rolling30d" | "campaign", AbandonmentWindow>> {
  const day = now - 24 * 3600 * 1000;
  const month = now - 30 * 24 * 3600 * 1000;
  const row = await store.db
    .selectFrom("attempts")
    .select([
      sql<number>`count(*)`.as("live"),
      sql<number>`sum(case when outcome = 'abandoned' then 1 else 0 end)`.as("abandoned"),
      sql<number>`sum(case when answered_at > ${day} then 1 else 0 end)`.as("live_day"),
      sql<number>`sum(case when answered_at > ${day} and outcome = 'abandoned' then 1 else 0 end)`.as(
        "abandoned_day",
      ),
      sql<number>`sum(case when answered_at > ${month} then 1 else 0 end)`.as("live_month"),
      sql<number>`sum(case when answered_at > ${month} and outcome = 'abandoned' then 1 else 0 end)`.as(
        "abandoned_month",
      ),
    ])
    .where("campaign_id", "=", campaignId)
    .where("outcome", "in", ["human", "abandoned"])
    .where("answered_at", "is not", null)
    .executeTakeFirstOrThrow();
  const window = (live: unknown, abandoned: unknown): AbandonmentWindow => {
    const l = Number(live ?? 0);
    const a = Number(abandoned ?? 0);
    return { liveAnswers: l, abandoned: a, rate: l > 0 ? a / l : 0 };
  };
  return {
    rolling24h: window(row.live_day, row.abandoned_day),
    rolling30d: window(row.live_month, row.abandoned_month),
    campaign: window(row.live, row.abandoned),
  };
}
