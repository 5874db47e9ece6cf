// Contacts written one request at a time, with their ids back (the bulk paths stream through lists/). A
// contact due now goes straight into the dial queue, as imports write them.
import { CompiledQuery, type Kysely, sql } from "kysely";
import { type CampaignSettings, orderClassOf } from "../model/campaign-settings.ts";
import { isPostgresDb } from "./dialect.ts";
import type { Database } from "./schema.ts";

/** The PostgreSQL advisory lock that orders every writer checking a campaign's stored contacts for
 *  duplicates (imports and JSON adds, the Xcally copy), across outdial nodes. An import holds it through
 *  its upload. */
export function contactsLockKey(campaignId: number): string {
  return `outdial.contacts.${campaignId}`;
}

/** The PostgreSQL advisory lock a campaign's completion takes alone (state-writes.ts drainedWrite), and every
 *  writer making its contacts pending (adds, imports, list resets, callbacks) takes shared: the completion
 *  must not read the contacts while one is in flight, and those writers need not wait for each other, a
 *  callback least of all for an upload (import13). */
export function pendingLockKey(campaignId: number): string {
  return `outdial.pending.${campaignId}`;
}

/** The statement (PostgreSQL) a contact adder takes its locks with: the duplicates lock alone, then the
 *  pending lock shared (the completion, alone on the second, never waits for the first: no deadlock). */
export function addContactsLockQuery(campaignId: number): CompiledQuery {
  return CompiledQuery.raw(
    `SELECT pg_advisory_xact_lock(hashtextextended($1, 0)),
      pg_advisory_xact_lock_shared(hashtextextended($2, 0))`,
    [contactsLockKey(campaignId), pendingLockKey(campaignId)],
  );
}

/** Takes a contact adder's locks for the rest of `trx` on PostgreSQL. On SQLite a transaction's first
 *  write takes the database's one write lock, and the import re-checks under it (sqlite-writer.ts). */
export async function lockCampaignContacts(trx: Kysely<Database>, campaignId: number): Promise<void> {
  if (isPostgresDb(trx)) await trx.executeQuery(addContactsLockQuery(campaignId));
}

/** The statement (PostgreSQL) that keeps a completion of the campaign off until the transaction ends (the
 *  pending lock, shared), for a batch of compiled statements run in one transaction (atomically's). */
export function holdOffCompletionQuery(campaignId: number): CompiledQuery {
  return CompiledQuery.raw("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))", [
    pendingLockKey(campaignId),
  ]);
}

/** Takes the pending lock alone for the rest of `trx` (PostgreSQL) if no other transaction holds it; false if
 *  one does (a contact write in flight, an import maybe for its whole upload). */
export async function tryLockCampaignPending(trx: Kysely<Database>, campaignId: number): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    SELECT pg_try_advisory_xact_lock(hashtextextended(${pendingLockKey(campaignId)}, 0)) AS locked`.execute(
    trx,
  );
  return rows[0]?.locked === true;
}

export interface NewContactSpec {
  phones: string[];
  custom?: Record<string, unknown>;
  timeZone?: string | null;
  externalId?: string | null;
  dailyFromSec?: number | null;
  dailyToSec?: number | null;
  startAt?: number | null;
  /** Lower is dialed first. */
  priority?: number;
  /** JSON of the contact's own call policy. */
  policy?: string | null;
}

/** `queueDue: false` leaves due contacts for the dispatcher to promote (as contacts written by another
 *  path would be) instead of queueing them at once. All or none: a batch of more than one statement runs
 *  in a transaction (the caller's, if `db` is one), so a failure at row 700 of 1,000 leaves no 500
 *  contacts behind to be dialed and then added again by the caller's retry. */
export async function insertContacts(
  db: Kysely<Database>,
  target: { accountId: number; campaignId: number; listId: number; now: number },
  specs: NewContactSpec[],
  opts: { queueDue?: boolean } = {},
): Promise<number[]> {
  // Under the campaign's contacts lock to the commit (PostgreSQL): a completion of the campaign does not
  // read its contacts before these are in (state-writes.ts campaignStatus).
  const insert = async (trx: Kysely<Database>) => {
    await lockCampaignContacts(trx, target.campaignId);
    return insertChunks(trx, target, specs, opts);
  };
  if (db.isTransaction) return insert(db);
  // One statement on SQLite is its own transaction, under the database's one write lock.
  if (specs.length <= CHUNK && !isPostgresDb(db)) return insertChunks(db, target, specs, opts);
  return db.transaction().execute(insert);
}

/** Rows per INSERT: well under both dialects' bound-parameter limits. */
const CHUNK = 500;

async function insertChunks(
  db: Kysely<Database>,
  target: { accountId: number; campaignId: number; listId: number; now: number },
  specs: NewContactSpec[],
  opts: { queueDue?: boolean },
): Promise<number[]> {
  const queueDue = opts.queueDue ?? true;
  const { now } = target;
  // New contacts sort as first attempts under the campaign's attempt order, as imports write them.
  const campaign = await db
    .selectFrom("campaigns")
    .select("settings")
    .where("id", "=", target.campaignId)
    .executeTakeFirst();
  const attemptOrder = campaign
    ? (JSON.parse(campaign.settings) as Partial<CampaignSettings>).attemptOrder
    : undefined;
  const orderClass = orderClassOf({ attemptOrder: attemptOrder ?? "first_attempts" }, false);
  const out: number[] = [];
  for (let i = 0; i < specs.length; i += CHUNK) {
    const rows = specs.slice(i, i + CHUNK).map((s) => {
      const due = Math.max(s.startAt ?? now, now);
      return {
        account_id: target.accountId,
        campaign_id: target.campaignId,
        list_id: target.listId,
        external_id: s.externalId ?? null,
        phones: JSON.stringify(s.phones),
        phone: s.phones[0],
        custom: JSON.stringify(s.custom ?? {}),
        time_zone: s.timeZone ?? null,
        daily_from_sec: s.dailyFromSec ?? null,
        daily_to_sec: s.dailyToSec ?? null,
        start_at: s.startAt ?? null,
        priority: s.priority ?? 0,
        status: "pending",
        ready: queueDue && due <= now ? 1 : 0,
        order_class: orderClass,
        attempts: 0,
        phone_index: 0,
        phone_attempts: JSON.stringify(s.phones.map(() => 0)),
        retry_counts: "{}",
        next_attempt_at: due,
        wait_reason: due > now ? "start_at" : null,
        lease_owner: null,
        lease_expires_at: null,
        last_outcome: null,
        last_attempt_at: null,
        flagged: 0,
        policy: s.policy ?? null,
        created_at: now,
        updated_at: now,
      };
    });
    const r = await db.insertInto("contacts").values(rows).returning("id").execute();
    out.push(...r.map((x) => x.id));
  }
  return out;
}
