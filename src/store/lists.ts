// Contact lists of a campaign (each import or manual batch goes into one): create, read with counts, and
// reset a list's finished contacts for another round.
import { type Kysely, sql } from "kysely";
import { ABANDONED_WAIT_REASON, EARLIER_ROUNDS_KEY } from "../model/redial-policy.ts";
import { eventRow, reopenedContactEvent } from "../outbox/events.ts";
import { abandonedWaitEnd } from "./abandon-wait.ts";
import { holdOffCompletionQuery } from "./contacts-insert.ts";
import type { Store } from "./db.ts";
import { outboxInsertBatches } from "./outbox-insert-batch.ts";
import type { Database, ListRow, WebhookRow } from "./schema.ts";
import { runInOneTransaction, type TransactionSteps } from "./transaction-steps.ts";
import { campaignSubscriptionsQuery } from "./webhooks.ts";

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

/** Reopened contacts whose events are built at a time: their custom fields are read by the batch, so
 *  however large the list, the reset holds a batch of them in memory, not the list's. */
const EVENT_BATCH = 500;

export interface ListReset {
  campaignId: number;
  /** The campaign's account (its subscriptions hear of the reset). */
  accountId: number;
  listId: number;
  statuses: readonly ResettableStatus[];
  from: number;
  now: number;
  orderClass: number;
  previewOnly: boolean;
}

/**
 * Puts the list's contacts in `statuses` back to pending for another round: the limits count afresh (the
 * attempts made so far no longer count, per-phone and per-outcome counts restart) and the history stays.
 * They are due at `from`, except that one with a call abandoned lately waits out 72 h from its end (unless
 * `previewOnly`: an agent is reserved before every dial). Caps and do-not-call are checked again at each
 * dial. Each contact reopened gets a contact.status_changed from its settled status to pending (not final),
 * written in the same transaction, as a callback's reopening does: subscribers would otherwise hear its
 * final result, then nothing, then the next round's (webhooks13). Returns how many contacts went back, and
 * how many outbox rows were written (the caller wakes delivery after the commit).
 */
export async function resetListContacts(
  store: Store,
  o: ListReset,
): Promise<{ reset: number; events: number }> {
  return runInOneTransaction(store, () => resetSteps(store, o));
}

function* resetSteps(store: Store, o: ListReset): TransactionSteps<{ reset: number; events: number }> {
  // Contacts made pending again wait for a completion of the campaign in flight (PostgreSQL): written
  // during its drained check, they would stay pending in a completed campaign (review40).
  if (!store.sqlite) yield holdOffCompletionQuery(o.campaignId);
  // Read in the transaction: a subscription made or widened on another node before the reset hears of it.
  // With none taking the event the reset is the one UPDATE it always was; else the outbox inserts pick the
  // subscriptions taking each event as they read them (outbox/events.ts OUTBOX_RECEIVERS).
  const subscriptions = (yield campaignSubscriptionsQuery(store.db, o)).rows as unknown as WebhookRow[];
  const update = resetUpdate(store, o);
  if (!subscriptions.some((s) => (JSON.parse(s.events) as string[]).includes("contact.status_changed")))
    return { reset: (yield update.compile()).count, events: 0 };
  // In contact order, so the outbox's ids (one event per contact) are too, whatever RETURNING's order.
  const reopened = (yield* reopenContacts(store, o, update)).sort((a, b) => a.id - b.id);
  let events = 0;
  for (let i = 0; i < reopened.length; i += EVENT_BATCH) {
    const batch = reopened.slice(i, i + EVENT_BATCH);
    const customs = (yield customsQuery(store.db, batch)).rows as { id: number; custom: string }[];
    const customOf = new Map(customs.map((c) => [Number(c.id), c.custom]));
    const rows = batch.map((c) =>
      eventRow(
        reopenedContactEvent({
          accountId: o.accountId,
          campaignId: o.campaignId,
          contactId: c.id,
          from: c.was,
          reason: c.reason,
          custom: customOf.get(c.id) ?? "{}",
          at: o.now,
        }),
      ),
    );
    for (const insert of outboxInsertBatches(store.db, rows)) events += (yield insert).count;
  }
  return { reset: reopened.length, events };
}

/** The custom fields of a batch of contacts (their events' data), by primary key. */
function customsQuery(db: Kysely<Database>, contacts: readonly Reopened[]) {
  const ids = contacts.map((c) => c.id);
  return db.selectFrom("contacts").select(["id", "custom"]).where("id", "in", ids).compile();
}

/** A contact the reset made pending: the status it had, and what it waits on now. */
interface Reopened {
  id: number;
  was: string;
  reason: string | null;
}

/**
 * The reset's UPDATE, returning each contact it reopened with the status it had. PostgreSQL: one
 * statement, the old status read from the row it locks (FOR UPDATE), so it is the status of the version
 * updated: a callback or another reset of the campaign may run at the same time (they share its lock), and
 * a contact one of them made pending meanwhile is re-read, found pending and left out, not reported twice.
 * SQLite's RETURNING gives only new values and may not name an UPDATE's FROM tables: the statuses are read
 * first, in the same transaction, which no other write enters.
 */
function* reopenContacts(
  store: Store,
  o: ListReset,
  update: ReturnType<typeof resetUpdate>,
): TransactionSteps<Reopened[]> {
  if (store.sqlite) {
    const before = (yield store.db
      .selectFrom("contacts")
      .select(["id", "status"])
      .where("list_id", "=", o.listId)
      .where("status", "in", [...o.statuses])
      .compile()).rows as { id: number; status: string }[];
    const was = new Map(before.map((c) => [Number(c.id), c.status]));
    const after = (yield update.returning(["id", "wait_reason"]).compile()).rows as {
      id: number;
      wait_reason: string | null;
    }[];
    return after.map((c) => ({ id: Number(c.id), was: was.get(Number(c.id)) ?? "", reason: c.wait_reason }));
  }
  const old = store.db
    .selectFrom("contacts")
    .select(["id as reopened_id", "status as was"])
    .where("list_id", "=", o.listId)
    .where("status", "in", [...o.statuses])
    .forUpdate();
  const after = (yield update
    .from(old.as("old"))
    .whereRef("contacts.id", "=", "old.reopened_id")
    .returning(["contacts.id", "old.was", "contacts.wait_reason"])
    .compile()).rows as { id: number; was: string; wait_reason: string | null }[];
  return after.map((c) => ({ id: Number(c.id), was: c.was, reason: c.wait_reason }));
}

/** The UPDATE that puts the list's contacts in `statuses` back to pending, due as resetListContacts says. */
function resetUpdate(store: Store, o: ListReset) {
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
  return store.db
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
    .where("status", "in", [...o.statuses]);
}
