// The 72 hours after an abandoned call (model/redial-policy.ts), as SQL over the record: when the wait of a
// contact row ends, counted from the end of its latest abandoned call, as the engine counts it when the
// call ends (engine/outcomes.ts abandonRule). For the statements that move a contact's due time outside
// the engine (a list reset, a personal callback handed to the campaign).
import { type Kysely, type RawBuilder, sql } from "kysely";
import { ABANDON_REDIAL_GAP_MS, ABANDONED_WAIT_REASON } from "../model/redial-policy.ts";
import type { Database } from "./schema.ts";

/** End of the wait of the contact whose id `contactId` refers to (the `contacts` row in scope by default);
 *  null when the contact has no abandoned call. */
export function abandonedWaitEnd(contactId = "contacts.id"): RawBuilder<number | null> {
  return sql<
    number | null
  >`(SELECT max(abandoned.ended_at) FROM attempts abandoned WHERE abandoned.contact_id = ${sql.ref(contactId)} AND abandoned.outcome = 'abandoned') + ${ABANDON_REDIAL_GAP_MS}`;
}

/**
 * A preview campaign dials contacts whose call was abandoned without the 72 h wait (an agent is reserved
 * before each of its dials); once it dials any other way, those still waiting to be called within the 72 h
 * wait them out. Personal callbacks keep their time: their agent is reserved first whatever the method.
 * Returns how many contacts were put off.
 */
export async function enforceAbandonedWait(
  db: Kysely<Database>,
  campaignId: number,
  now: number,
): Promise<number> {
  const waitEnd = abandonedWaitEnd();
  const recentlyAbandoned = db
    .selectFrom("attempts")
    .select("contact_id")
    .where("campaign_id", "=", campaignId)
    .where("outcome", "=", "abandoned")
    .where("ended_at", ">", now - ABANDON_REDIAL_GAP_MS);
  const r = await db
    .updateTable("contacts")
    .set({
      ready: 0,
      wait_reason: ABANDONED_WAIT_REASON,
      next_attempt_at: sql<number>`${waitEnd}`,
      // Later than any time a reader may hold, so its optimistic writes see the change.
      updated_at: sql<number>`CASE WHEN updated_at >= ${now} THEN updated_at + 1 ELSE ${now} END`,
    })
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "pending")
    .where("callback_agent_id", "is", null)
    .where("id", "in", recentlyAbandoned)
    .where(sql<boolean>`${waitEnd} > next_attempt_at`)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
