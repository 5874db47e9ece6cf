// Webhook subscriptions (CRUD for the API) and their outbox: its inserts, which pick each event's
// subscriptions from the table as stored, and the delivery queue's reads and writes. Events themselves are built in outbox/events.ts and written by whoever changes
// the state they report, in the same transaction.
import {
  type CompiledQuery,
  type ExpressionBuilder,
  type Kysely,
  type NotNull,
  sql,
  type Updateable,
} from "kysely";
import type { EventRow } from "../outbox/events.ts";
import { isPostgresDb } from "./dialect.ts";
import { outboxInsertBatches } from "./outbox-insert-batch.ts";
import { deleteOwned, findOwned, listOwned } from "./owned-rows.ts";
import type { Database, WebhookDeliveryRow, WebhookRow, WebhooksTable } from "./schema.ts";

export interface NewWebhook {
  accountId: number;
  campaignId: number | null;
  url: string;
  secret: string;
  events: string[];
  delaySec: number;
  partialResults: boolean;
  maxAttempts: number;
  active: boolean;
  /** The face that made it (see WebhooksTable.made_by); absent = the native API. */
  madeBy?: string;
  now: number;
}

export async function insertWebhook(db: Kysely<Database>, w: NewWebhook): Promise<WebhookRow> {
  return db
    .insertInto("webhooks")
    .values({
      account_id: w.accountId,
      campaign_id: w.campaignId,
      url: w.url,
      secret: w.secret,
      events: JSON.stringify(w.events),
      delay_sec: w.delaySec,
      partial_results: w.partialResults ? 1 : 0,
      max_attempts: w.maxAttempts,
      active: w.active ? 1 : 0,
      made_by: w.madeBy ?? null,
      created_at: w.now,
      updated_at: w.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const findWebhook = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "webhooks", accountId, id);

export const listWebhooks = (db: Kysely<Database>, accountId: number) => listOwned(db, "webhooks", accountId);

export type WebhookEdit = Partial<
  Pick<NewWebhook, "url" | "events" | "delaySec" | "partialResults" | "maxAttempts" | "active" | "madeBy">
>;

export async function updateWebhook(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  edit: WebhookEdit,
  now: number,
): Promise<WebhookRow | undefined> {
  return setOwnedWebhook(db, accountId, id, {
    updated_at: now,
    ...(edit.url !== undefined ? { url: edit.url } : {}),
    ...(edit.events !== undefined ? { events: JSON.stringify(edit.events) } : {}),
    ...(edit.delaySec !== undefined ? { delay_sec: edit.delaySec } : {}),
    ...(edit.partialResults !== undefined ? { partial_results: edit.partialResults ? 1 : 0 } : {}),
    ...(edit.maxAttempts !== undefined ? { max_attempts: edit.maxAttempts } : {}),
    ...(edit.active !== undefined ? { active: edit.active ? 1 : 0 } : {}),
    ...(edit.madeBy !== undefined ? { made_by: edit.madeBy } : {}),
  });
}

/** A new signing secret for the account's subscription; undefined when it has none by that id. */
export const rotateWebhookSecret = (
  db: Kysely<Database>,
  accountId: number,
  id: number,
  secret: string,
  now: number,
) => setOwnedWebhook(db, accountId, id, { secret, updated_at: now });

function setOwnedWebhook(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  values: Updateable<WebhooksTable>,
): Promise<WebhookRow | undefined> {
  return db
    .updateTable("webhooks")
    .set(values)
    .where("id", "=", id)
    .where("account_id", "=", accountId)
    .returningAll()
    .executeTakeFirst();
}

export const deleteWebhook = (db: Kysely<Database>, accountId: number, id: number) =>
  deleteOwned(db, "webhooks", accountId, id);

/** Inserts of the outbox rows of `events`, compiled to run inside another statement's transaction: each
 *  event goes to the subscriptions that take it as the insert finds them stored (outbox/events.ts
 *  OUTBOX_RECEIVERS), none when there are none. Each statement's count is the rows it wrote. */
export function outboxInserts(db: Kysely<Database>, events: readonly EventRow[]): CompiledQuery[] {
  return outboxInsertBatches(db, events);
}

// Delivery ------------------------------------------------------------------------------------------

/** The events active subscriptions of this campaign alone (not account-wide ones) have still to deliver:
 *  a delete of the campaign would take them with it (the subscriptions cascade). */
export function scopedPendingDeliveries(db: Kysely<Database>, campaignId: number) {
  return db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhooks as w", "w.id", "d.webhook_id")
    .select("d.id")
    .where("w.campaign_id", "=", campaignId)
    .where("w.active", "=", 1)
    .where("d.status", "=", "pending");
}

/** Whether deleting the campaign would drop events its own subscriptions have still to deliver. */
export async function hasScopedPendingDeliveries(db: Kysely<Database>, campaignId: number): Promise<boolean> {
  return (await scopedPendingDeliveries(db, campaignId).limit(1).execute()).length > 0;
}

/** Subscriptions with undelivered events, with what delivery needs of them. */
export async function webhooksWithPending(db: Kysely<Database>): Promise<WebhookRow[]> {
  return db
    .selectFrom("webhooks")
    .selectAll()
    .where("active", "=", 1)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("webhook_deliveries as d")
          .select("d.id")
          .where("d.status", "=", "pending")
          .whereRef("d.webhook_id", "=", "webhooks.id"),
      ),
    )
    .orderBy("id")
    .execute();
}

/**
 * The events of one subscription that may go now: the oldest pending event of each order key (a contact,
 * or a campaign), due and not leased, earliest due first; and when the next of the others comes due.
 * Heads are found over every order key (the partial index webhook_deliveries_heads), so keys whose head
 * is backing off never hide the rest, however many they are. That read costs time in proportion to the
 * subscription's pending events: delivery reads a batch at a time and spaces the reads (outbox/delivery.ts).
 * `more`: more heads than `limit` are due.
 */
export async function dueHeads(
  db: Kysely<Database>,
  webhookId: number,
  now: number,
  limit: number,
): Promise<{ due: WebhookDeliveryRow[]; nextAt: number; more: boolean }> {
  const due: WebhookDeliveryRow[] = [];
  let nextAt = Number.POSITIVE_INFINITY;
  let more = false;
  for (const { goesAt, row } of await headsOf(db, webhookId, now, limit + 1, null)) {
    if (goesAt > now) {
      nextAt = goesAt;
      break;
    }
    if (due.length < limit) due.push(row);
    else more = true;
  }
  return { due, nextAt, more };
}

/**
 * The heads (as dueHeads) of just these order keys: after one of their events was answered, its
 * successor may go. A range of webhook_deliveries_heads per key, whatever the backlog. `due`: those that
 * may go now; `later`: the keys whose head may not go yet (a subscription's delay, a retry time, a live
 * lease), and when it may. A key with nothing pending is in neither.
 */
export async function dueHeadsOf(
  db: Kysely<Database>,
  webhookId: number,
  orderKeys: readonly string[],
  now: number,
): Promise<{ due: WebhookDeliveryRow[]; later: { orderKey: string; at: number }[] }> {
  const due: WebhookDeliveryRow[] = [];
  const later: { orderKey: string; at: number }[] = [];
  // A few hundred keys at most (one per send that ended since the last pass); chunks keep any statement
  // well inside both dialects' parameter limits.
  for (let i = 0; i < orderKeys.length; i += 500) {
    const keys = orderKeys.slice(i, i + 500);
    for (const { goesAt, row } of await headsOf(db, webhookId, now, keys.length, keys)) {
      if (goesAt > now) later.push({ orderKey: row.order_key, at: goesAt });
      else due.push(row);
    }
  }
  return { due, later };
}

/** The first `limit` heads of a subscription (of the given keys only, unless null), each with when it may
 *  go, earliest first. */
async function headsOf(
  db: Kysely<Database>,
  webhookId: number,
  now: number,
  limit: number,
  orderKeys: readonly string[] | null,
): Promise<{ goesAt: number; row: WebhookDeliveryRow }[]> {
  let heads = db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.min("id").as("id"))
    .where("webhook_id", "=", webhookId)
    .where("status", "=", "pending");
  if (orderKeys) heads = heads.where("order_key", "in", orderKeys);
  // When each head may go: its retry time, or just after a live lease (another send of it) runs out.
  const goesAt = sql<number>`CASE WHEN d.lease_expires_at >= ${now} THEN d.lease_expires_at + 1 ELSE d.next_attempt_at END`;
  const rows = await db
    .selectFrom("webhook_deliveries as d")
    .innerJoin(heads.groupBy("order_key").as("h"), "h.id", "d.id")
    .selectAll("d")
    .select(goesAt.as("goes_at"))
    .orderBy(goesAt)
    .orderBy("d.id")
    .limit(limit)
    .execute();
  return rows.map(({ goes_at, ...row }) => ({ goesAt: Number(goes_at), row }));
}

/**
 * Takes a due delivery for this node unless another holds a live lease on it (due is checked here too:
 * another node may have failed it into backoff since), and only while it is still its order key's head
 * and no event of its key is in flight: delivery keeps a read's due heads for a while, and meanwhile an earlier event
 * of the key may have been put back in the queue (a replay), or, the other way round, a dead letter
 * replayed (now the head) while the key's next event is being sent must wait for that send's end, or the
 * receiver would get two of one contact's events at once, possibly out of order. A live lease is
 * lease_expires_at >= now (as below and in dueHeads); only pending rows hold one. Returns the row as it
 * is now (its attempts counted by any node) with its subscription as it is now (leaseIfHead), or undefined
 * (so too when the subscription is inactive).
 *
 * On PostgreSQL the leases of one order key take turns (lockOrderKeyOf): two nodes leasing two events of
 * a key each checked the other's row on a snapshot from before the other's lease committed, and as they
 * wrote different rows nothing made one wait (write skew under READ COMMITTED): a replayed dead letter
 * and its key's next event went at once (webhooks12). A lease now checks after the key's lease before it
 * committed; since only a lease sets one, a key never holds two live ones. A replay takes no turn: one
 * committing while a lease checks just puts an earlier event back while the key's next is in flight, the
 * case above. SQLite runs one write at a time.
 */
export async function leaseHead(
  db: Kysely<Database>,
  id: number,
  owner: string,
  now: number,
  until: number,
): Promise<LeasedDelivery | undefined> {
  if (!isPostgresDb(db)) return leaseIfHead(db, id, owner, now, until);
  const inTurn = async (trx: Kysely<Database>) => {
    await lockOrderKeyOf(trx, id);
    return leaseIfHead(trx, id, owner, now, until);
  };
  return db.isTransaction ? inTurn(db) : db.transaction().execute(inTurn);
}

/** PostgreSQL: waits for, then holds to the end of `trx`, the advisory lock of delivery `id`'s order key,
 *  outdial.webhook_deliveries.<webhook id>.<order key> (the scheme of contactsLockKey); none when the row
 *  is gone (the lease then finds nothing either). A lease thus costs a primary-key read more, and a
 *  transaction round it (BEGIN, COMMIT) unless the caller's; the lock is held for the lease, not the send. */
async function lockOrderKeyOf(trx: Kysely<Database>, id: number): Promise<void> {
  const key = sql`'outdial.webhook_deliveries.' || webhook_id || '.' || order_key`;
  await trx
    .selectFrom("webhook_deliveries")
    .select(sql`pg_advisory_xact_lock(hashtextextended(${key}, 0))`.as("locked"))
    .where("id", "=", id)
    .execute();
}

/** A leased event, with its subscription's URL, secret and attempt limit as they were at the lease. */
export interface LeasedDelivery extends WebhookDeliveryRow {
  url: string;
  secret: string;
  max_attempts: number;
}

/**
 * leaseHead's one statement. It leases only for an active subscription, and returns where and how to send
 * as the subscription is at the lease: a pass reads its subscriptions once, at its start, and a PATCH
 * (`active: false`, a new URL) or a rotated secret committed while it runs holds from its commit for every
 * event leased after (webhooks13); one leased before it goes as it was.
 */
async function leaseIfHead(
  db: Kysely<Database>,
  id: number,
  owner: string,
  now: number,
  until: number,
): Promise<LeasedDelivery | undefined> {
  // Its key's pending events (a range of webhook_deliveries_heads): none earlier, and none (a later one)
  // with a live lease.
  const sameKeyPending = (eb: ExpressionBuilder<Database, "webhook_deliveries">) =>
    eb
      .selectFrom("webhook_deliveries as p")
      .select("p.id")
      .whereRef("p.webhook_id", "=", "webhook_deliveries.webhook_id")
      .whereRef("p.order_key", "=", "webhook_deliveries.order_key")
      .where("p.status", "=", "pending");
  // Its subscription's row, by primary key. SQLite's RETURNING may not name an UPDATE's FROM tables, so
  // what the send needs of it is read by subqueries.
  const subscription = (eb: ExpressionBuilder<Database, "webhook_deliveries">) =>
    eb.selectFrom("webhooks as w").whereRef("w.id", "=", "webhook_deliveries.webhook_id");
  return (
    db
      .updateTable("webhook_deliveries")
      .set({ lease_owner: owner, lease_expires_at: until })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", now)]))
      .where((eb) => eb.not(eb.exists(sameKeyPending(eb).whereRef("p.id", "<", "webhook_deliveries.id"))))
      .where((eb) => eb.not(eb.exists(sameKeyPending(eb).where("p.lease_expires_at", ">=", now))))
      .where((eb) => eb.exists(subscription(eb).select("w.id").where("w.active", "=", 1)))
      .returningAll()
      .returning((eb) => [
        subscription(eb).select("w.url").as("url"),
        subscription(eb).select("w.secret").as("secret"),
        subscription(eb).select("w.max_attempts").as("max_attempts"),
      ])
      // The subscription exists (the lease's condition, in the same statement), so none of these is null.
      .$narrowType<{ url: NotNull; secret: NotNull; max_attempts: NotNull }>()
      .executeTakeFirst()
  );
}

export interface DeliveryResult {
  id: number;
  owner: string;
  now: number;
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  /** When not ok: the next try, or null to dead-letter it. */
  retryAt: number | null;
}

/** Lets go of this node's lease on a pending event, recording no attempt (recordDelivery counts one): it is
 *  due again at once, for any node. */
export async function releaseLease(db: Kysely<Database>, id: number, owner: string): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set({ lease_owner: null, lease_expires_at: null })
    .where("id", "=", id)
    .where("lease_owner", "=", owner)
    .where("status", "=", "pending")
    .execute();
}

export async function recordDelivery(db: Kysely<Database>, r: DeliveryResult): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set((eb) => ({
      attempts: eb("attempts", "+", 1),
      lease_owner: null,
      lease_expires_at: null,
      last_status: r.httpStatus,
      last_error: r.error,
      ...(r.ok
        ? { status: "delivered", delivered_at: r.now }
        : r.retryAt === null
          ? // A dead letter's next_attempt_at is when it died (retention counts from then; a replay sets it anew).
            { status: "dead", next_attempt_at: r.now }
          : { next_attempt_at: r.retryAt }),
    }))
    .where("id", "=", r.id)
    .where("lease_owner", "=", r.owner)
    .execute();
}

export interface DeliveryQuery {
  webhookId: number;
  status?: string;
  afterId?: number;
  limit: number;
}

export async function listDeliveries(db: Kysely<Database>, q: DeliveryQuery): Promise<WebhookDeliveryRow[]> {
  let query = db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("webhook_id", "=", q.webhookId)
    .orderBy("id")
    .limit(q.limit + 1);
  if (q.status) query = query.where("status", "=", q.status);
  if (q.afterId !== undefined) query = query.where("id", ">", q.afterId);
  return query.execute();
}

export async function findDelivery(
  db: Kysely<Database>,
  webhookId: number,
  id: number,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("webhook_id", "=", webhookId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Puts dead (or delivered) events back in the queue, due now, with their attempts reset. `ids` absent =
 *  every dead event of the subscription. Returns how many. */
export async function replayDeliveries(
  db: Kysely<Database>,
  webhookId: number,
  now: number,
  ids?: number[],
): Promise<number> {
  let q = db
    .updateTable("webhook_deliveries")
    .set({ status: "pending", attempts: 0, next_attempt_at: now, lease_owner: null, lease_expires_at: null })
    .where("webhook_id", "=", webhookId);
  q = ids ? q.where("id", "in", ids).where("status", "<>", "pending") : q.where("status", "=", "dead");
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** What a prune removes: delivered before `deliveredBefore`, dead-lettered before `deadBefore`. */
export interface PruneBounds {
  deliveredBefore: number;
  deadBefore: number;
  limit: number;
}

/**
 * Removes up to `limit` events that are done with: delivered before `deliveredBefore`, or dead-lettered
 * before `deadBefore`. Returns how many went; the caller repeats while a batch comes back full.
 */
export async function pruneDeliveries(db: Kysely<Database>, o: PruneBounds): Promise<number> {
  let removed = 0;
  for (const statement of pruneStatements(db, o)) {
    removed += Number((await statement.execute(db)).numAffectedRows ?? 0);
  }
  return removed;
}

/**
 * The prune's statements, one per kind, each a range of its partial index (migration 021); SQLite is told
 * which, since its planner, without statistics, walks the queue index and sorts every delivered row
 * instead. The status is written as a literal: a partial index serves only a condition known when it is
 * planned. Exported for the test of SQLite's plan.
 */
export function pruneStatements(db: Kysely<Database>, o: PruneBounds) {
  const sqlite = !isPostgresDb(db);
  return (
    [
      ["delivered", "delivered_at", o.deliveredBefore, "webhook_deliveries_delivered"],
      ["dead", "next_attempt_at", o.deadBefore, "webhook_deliveries_dead"],
    ] as const
  ).map(([status, column, before, index]) => {
    const done = sql`status = ${sql.lit(status)} AND ${sql.ref(column)} < ${before}`;
    const chosen = sql`SELECT id FROM ${sql.raw(sqlite ? `webhook_deliveries INDEXED BY ${index}` : "webhook_deliveries")}
      WHERE ${done} ORDER BY ${sql.ref(column)} LIMIT ${o.limit}`;
    // PostgreSQL: the condition again outside the subquery. A replay that commits while the DELETE waits
    // for the row's lock made it pending, and PostgreSQL re-checks only the DELETE's own WHERE on the row
    // as committed (webhooks10); without it the replayed event went, never sent. SQLite runs one write at
    // a time, and there the outer condition would make its planner walk every delivered event through the
    // queue index for each batch (review36).
    return sqlite
      ? sql`DELETE FROM webhook_deliveries WHERE id IN (${chosen})`
      : sql`DELETE FROM webhook_deliveries WHERE ${done} AND id IN (${chosen})`;
  });
}

/** The campaign's active subscriptions (its own and its account's), read where the statement runs (a
 *  transaction's), not from an engine's cache: what another node made or widened a moment ago counts. */
export function campaignSubscriptionsQuery(
  db: Kysely<Database>,
  o: { accountId: number; campaignId: number },
) {
  return db
    .selectFrom("webhooks")
    .selectAll()
    .where("active", "=", 1)
    .where("account_id", "=", o.accountId)
    .where((eb) => eb.or([eb("campaign_id", "is", null), eb("campaign_id", "=", o.campaignId)]))
    .compile();
}
