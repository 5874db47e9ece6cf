// Personal callbacks: contacts held for the agent who promised to call them back (contacts.callback_agent_id,
// wait_reason 'callback_personal'). The dispatcher's promotion leaves them out of the dial queue; the
// agent's desk finds them here and claims them one by one. A hold whose agent no longer serves the
// campaign is released to the campaign's other agents.
import { sql } from "kysely";
import { ABANDONED_WAIT_REASON, CALLBACK_REASON } from "../model/redial-policy.ts";
import { abandonedWaitEnd } from "./abandon-wait.ts";
import type { Store } from "./db.ts";

export interface HeldCallback {
  contactId: number;
  /** When the callee expects the call (the hold's next_attempt_at). */
  at: number;
}

/** The agent's earliest personal callback in the campaign, due or not; null when it holds none there. */
export async function nextPersonalCallback(
  store: Store,
  agentId: number,
  campaignId: number,
): Promise<HeldCallback | null> {
  const row = await store.db
    .selectFrom("contacts")
    .select(["id", "next_attempt_at"])
    .where("callback_agent_id", "=", agentId)
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "pending")
    .orderBy("next_attempt_at")
    .limit(1)
    .executeTakeFirst();
  return row ? { contactId: Number(row.id), at: Number(row.next_attempt_at) } : null;
}

/** The update that hands pending holds (of one agent, or of any) to everyone as ordinary callbacks;
 *  callers narrow it. A personal callback may fall within 72 h of an abandoned call of the contact (its
 *  agent is reserved before the dial); handed to the campaign, which dials with no agent reserved, it waits
 *  out the rest of those 72 h. */
function handOn(store: Store, agentId: number | "any", now: number) {
  const waitEnd = abandonedWaitEnd();
  const held = sql<boolean>`coalesce(${waitEnd}, 0) > next_attempt_at`;
  const pending = store.db
    .updateTable("contacts")
    .set({
      callback_agent_id: null,
      wait_reason: sql<string>`CASE WHEN ${held} THEN ${sql.lit(ABANDONED_WAIT_REASON)} ELSE ${sql.lit(CALLBACK_REASON)} END`,
      next_attempt_at: sql<number>`CASE WHEN ${held} THEN ${waitEnd} ELSE next_attempt_at END`,
      updated_at: now,
    })
    .where("status", "=", "pending");
  return agentId === "any"
    ? pending.where("callback_agent_id", "is not", null)
    : pending.where("callback_agent_id", "=", agentId);
}

/** Hands the campaign's personal callbacks due at `dueBy` or earlier, not yet being made, to all its
 *  agents. Returns how many. */
export async function releaseOverdueCallbacks(
  store: Store,
  campaignId: number,
  dueBy: number,
  now: number,
): Promise<number> {
  const r = await handOn(store, "any", now)
    .where("campaign_id", "=", campaignId)
    .where("next_attempt_at", "<=", dueBy)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Releases the account's personal callbacks whose agent `serves(campaignId, agentId)` no more (taken out of
 * the campaign's queue, or deleted): they become ordinary callbacks any agent of the campaign may take.
 * Returns how many were released.
 */
export async function releaseOrphanedCallbacks(
  store: Store,
  accountId: number,
  serves: (campaignId: number, agentId: number) => Promise<boolean>,
  now: number,
): Promise<number> {
  const holds = await store.db
    .selectFrom("contacts")
    .select(["campaign_id", "callback_agent_id"])
    .distinct()
    .where("callback_agent_id", "is not", null)
    .where("account_id", "=", accountId)
    .where("status", "=", "pending")
    .execute();
  let released = 0;
  for (const h of holds) {
    const campaignId = Number(h.campaign_id);
    const agentId = Number(h.callback_agent_id);
    if (await serves(campaignId, agentId)) continue;
    const r = await handOn(store, agentId, now).where("campaign_id", "=", campaignId).executeTakeFirst();
    released += Number(r.numUpdatedRows);
  }
  return released;
}

export interface PersonalCallbackRow {
  contactId: number;
  campaignId: number;
  phone: string;
  at: number;
  custom: string;
}

/** The agent's personal callbacks still waiting, in all of the account's campaigns, earliest first. */
export async function listPersonalCallbacks(
  store: Store,
  accountId: number,
  agentId: number,
  limit: number,
): Promise<PersonalCallbackRow[]> {
  const rows = await store.db
    .selectFrom("contacts")
    .select(["id", "campaign_id", "phone", "next_attempt_at", "custom"])
    .where("callback_agent_id", "=", agentId)
    .where("account_id", "=", accountId)
    .where("status", "=", "pending")
    .orderBy("next_attempt_at")
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    contactId: Number(r.id),
    campaignId: Number(r.campaign_id),
    phone: r.phone,
    at: Number(r.next_attempt_at),
    custom: r.custom,
  }));
}

/** Hands one of the agent's personal callbacks to the campaign's other agents; its campaign, or null when
 *  the agent holds no such pending callback (of the account). */
export async function releasePersonalCallback(
  store: Store,
  accountId: number,
  agentId: number,
  contactId: number,
  now: number,
): Promise<{ campaignId: number; at: number } | null> {
  const row = await handOn(store, agentId, now)
    .where("id", "=", contactId)
    .where("account_id", "=", accountId)
    .returning(["campaign_id", "next_attempt_at"])
    .executeTakeFirst();
  return row ? { campaignId: Number(row.campaign_id), at: Number(row.next_attempt_at) } : null;
}
