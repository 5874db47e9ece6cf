// The calls of deleted campaigns, kept for the account's per-number rules (migration 022). It owns the copy
// made when a campaign is deleted and the pruning of what no rule can reach any more; the claim reads the
// rows beside the attempts (store/dispatch). It must not hold anything but when a number was called.
import { type CompiledQuery, type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

const DAY_MS = 86_400_000;
/** The furthest back a per-number rule looks: a minimum gap of up to a year (the settings' maximum), with
 *  a day's margin for per-calendar-day caps in the callee's zone. */
export const NUMBER_HISTORY_KEEP_MS = 367 * DAY_MS;

/** The statement that copies the campaign's calls a per-number rule may still count into number_history;
 *  run in the transaction that deletes the campaign (whose attempts then cascade away). A call with no end
 *  on record (never dialed, or lost) is kept as ending when it started, so that it never reads as live. */
export function keepCallsQuery(
  db: Kysely<Database>,
  accountId: number,
  campaignId: number,
  now: number,
): CompiledQuery {
  const since = now - NUMBER_HISTORY_KEEP_MS;
  return db
    .insertInto("number_history")
    .columns(["account_id", "phone", "started_at", "ended_at"])
    .expression((eb) =>
      eb
        .selectFrom("attempts")
        .select([
          "account_id",
          "phone",
          "started_at",
          sql<number>`coalesce(ended_at, started_at)`.as("ended_at"),
        ])
        .where("campaign_id", "=", campaignId)
        .where("account_id", "=", accountId)
        .where((w) => w.or([w("started_at", ">=", since), w("ended_at", ">=", since)])),
    )
    .compile();
}

/** Deletes calls no rule can count any more; returns how many. */
export async function pruneNumberHistory(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db
    .deleteFrom("number_history")
    .where("started_at", "<", now - NUMBER_HISTORY_KEEP_MS - DAY_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
