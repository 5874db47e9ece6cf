// Contact lists of a campaign (each import or manual batch goes into one): create, read with counts, and
// reset a list's finished contacts for another round.
import { type Kysely, sql } from "kysely";
import { ABANDONED_WAIT_REASON, EARLIER_ROUNDS_KEY } from "../model/redial-policy.ts";
import { abandonedWaitEnd } from "./abandon-wait.ts";
import { atomically } from "./atomic.ts";
import { holdOffCompletionQuery } from "./contacts-insert.ts";
import type { Store } from "./db.ts";
import type { Database, ListRow } from "./schema.ts";

export async function insertList(
  db: Kysely<Database>,
  l: { accountId: number; campaignId: number; name: string; now: number },
): Promise<ListRow> {
  return db
    .insertInto("lists")
    .values({ account_id: l.accountId, campaign_id: l.campaignId, name: l.name, created_at: l.now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The campaign's list `listId` (the campaign's own account owns it too). */
export async function findList(
  db: Kysely<Database>,
  campaignId: number,
  listId: number,
): Promise<ListRow | undefined> {
  return db
    .selectFrom("lists")
    .selectAll()
    .where("id", "=", listId)
    .where("campaign_id", "=", campaignId)
    .executeTakeFirst();
}

export interface ListWithCount extends ListRow {
  contact_count: number;
  /** Contacts by status (only the statuses the list has). */
  status_counts: Record<string, number>;
}

export async function listListsWithContactCounts(
  db: Kysely<Database>,
  campaignId: number,
): Promise<ListWithCount[]> {
  const [lists, counts] = await Promise.all([
    db.selectFrom("lists").selectAll().where("campaign_id", "=", campaignId).orderBy("id").execute(),
    db
      .selectFrom("contacts")
      .select(["list_id", "status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("campaign_id", "=", campaignId)
      .groupBy(["list_id", "status"])
      .execute(),
  ]);
  const byList = new Map<number, Record<string, number>>();
  for (const c of counts) {
    const of = byList.get(Number(c.list_id)) ?? {};
    of[c.status] = Number(c.n);
    byList.set(Number(c.list_id), of);
  }
  return lists.map((l) => {
    const status_counts = byList.get(l.id) ?? {};
    const contact_count = Object.values(status_counts).reduce((a, b) => a + b, 0);
    return { ...l, contact_count, status_counts };
  });
}

/** The statuses a list reset may take back to pending; suppressed (do-not-call) never goes back. */
export const RESETTABLE_STATUSES = ["failed", "exhausted", "succeeded", "cancelled"] as const;
export type ResettableStatus = (typeof RESETTABLE_STATUSES)[number];

/** Per-phone attempt counts of zero, as many as the contact has phones (at most 20). */
const ZEROS = new Array(20).fill("0").join(",");

/**
 * Puts the list's contacts in `statuses` back to pending for another round: the limits count afresh (the
 * attempts made so far no longer count, per-phone and per-outcome counts restart) and the history stays.
 * They are due at `from`, except that one with a call abandoned lately waits out 72 h from its end (unless
 * `previewOnly`: an agent is reserved before every dial). Caps and do-not-call are checked again at each
 * dial. Returns how many.
 */
export async function resetListContacts(
  store: Store,
  o: {
    campaignId: number;
    listId: number;
    statuses: readonly ResettableStatus[];
    from: number;
    now: number;
    orderClass: number;
    previewOnly: boolean;
  },
): Promise<number> {
  const sqlite = store.dialect === "sqlite";
  const later = sql.raw(sqlite ? "max" : "greatest");
  const phoneCount = sqlite ? sql`json_array_length(phones)` : sql`json_array_length(phones::json)`;
  // Typed, so PostgreSQL never compares two untyped parameters as text.
  const from = sql<number>`CAST(${o.from} AS bigint)`;
  const fromReason = o.from > o.now ? "start_at" : null;
  // The 72 h run from the abandoned call's end (as when the call ended: outcomes.ts abandonRule), not from
  // last_attempt_at (its dial), and from any abandoned call of the contact, not only its last one.
  const waitEnd = abandonedWaitEnd();
  const abandonedLately = sql`${waitEnd} > ${from}`;
  const [due, reason] = o.previewOnly
    ? [from, sql<string | null>`${fromReason}`]
    : [
        sql<number>`CASE WHEN ${abandonedLately} THEN ${later}(${from}, ${waitEnd}) ELSE ${from} END`,
        sql<
          string | null
        >`CASE WHEN ${abandonedLately} THEN ${sql.lit(ABANDONED_WAIT_REASON)} ELSE ${fromReason} END`,
      ];
  const update = store.db
    .updateTable("contacts")
    .set({
      status: "pending",
      ready: 0,
      // The attempt count stays: it numbers the next attempt after those on record. The earlier rounds'
      // attempts stop counting against the limits instead (EARLIER_ROUNDS_KEY).
      phone_index: 0,
      phone_attempts: sql<string>`'[' || substr(${ZEROS}, 1, 2 * ${phoneCount} - 1) || ']'`,
      retry_counts: sql<string>`${sql.lit(`{"${EARLIER_ROUNDS_KEY}":`)} || CAST(attempts AS text) || '}'`,
      order_class: o.orderClass,
      next_attempt_at: due,
      wait_reason: reason,
      lease_owner: null,
      lease_expires_at: null,
      callback_agent_id: null,
      updated_at: o.now,
    })
    .where("list_id", "=", o.listId)
    .where("status", "in", [...o.statuses])
    .compile();
  // Contacts made pending again wait for a completion of the campaign in flight (PostgreSQL): written
  // during its drained check, they would stay pending in a completed campaign (review40).
  const queries = store.sqlite ? [update] : [holdOffCompletionQuery(o.campaignId), update];
  const counts = await atomically(store, queries);
  return counts[queries.length - 1];
}
