// Campaign rows as the API reads and edits them; lifecycle changes (status) belong to the engine.
import { type Kysely, type SelectQueryBuilder, sql } from "kysely";
import { type CampaignSettings, changesWaits, SETTINGS_WAIT_REASONS } from "../model/campaign-settings.ts";
import { CAMPAIGN_STATUSES, type CampaignStatus } from "../model/outcome.ts";
import { enforceAbandonedWait } from "./abandon-wait.ts";
import { atomically } from "./atomic.ts";
import type { Store } from "./db.ts";
import { LIVE_COUNTS, type LiveCounts, SETTLED_COUNTS, statusCounts } from "./dispatch/counts.ts";
import { keepCallsQuery } from "./number-history.ts";
import type { Campaign, Database } from "./schema.ts";
import { hasScopedPendingDeliveries, scopedPendingDeliveries } from "./webhooks.ts";

export interface NewCampaignInput {
  accountId: number;
  name: string;
  settings: CampaignSettings;
  now: number;
  /** Written as being created by this vendor face (see creatingReason). */
  creatingBy?: CreatingFace;
}

/**
 * A vendor face that creates a campaign and starts it in one request writes it as a draft with this status
 * reason, and only the engine's start for that request (`finishingCreation`) clears it. A process killed in
 * between leaves a draft that the face never shows, that nobody can start, and that the face's next creation
 * in the account drops once it is CREATION_GIVE_UP_MS old; so the client's retry does not find two.
 */
export type CreatingFace = "voximplant" | "xcally" | "twin24";
export function creatingReason(face: CreatingFace): string {
  return `${face}_creating`;
}
export function isBeingCreated(c: Pick<Campaign, "status" | "status_reason">): boolean {
  return c.status === "draft" && (c.status_reason?.endsWith("_creating") ?? false);
}
/** How old a creation must be before it counts as abandoned (another node may still be importing it). */
export const CREATION_GIVE_UP_MS = 3600_000;

/** Deletes the account's campaigns that `face` left in creation longer than CREATION_GIVE_UP_MS ago. */
export async function dropAbandonedCreations(
  store: Store,
  accountId: number,
  face: CreatingFace,
  now: number,
): Promise<void> {
  const left = await store.db
    .selectFrom("campaigns")
    .select("id")
    .where("account_id", "=", accountId)
    .where("status", "=", "draft")
    .where("status_reason", "=", creatingReason(face))
    .where("created_at", "<", now - CREATION_GIVE_UP_MS)
    .execute();
  for (const { id } of left) await deleteCampaignUnlessStatus(store, accountId, Number(id), NOT_DRAFT, now);
}

export async function insertCampaign(db: Kysely<Database>, c: NewCampaignInput): Promise<Campaign> {
  return db
    .insertInto("campaigns")
    .values({
      account_id: c.accountId,
      name: c.name,
      status: "draft",
      status_reason: c.creatingBy ? creatingReason(c.creatingBy) : null,
      priority: c.settings.priority,
      settings: JSON.stringify(c.settings),
      created_at: c.now,
      updated_at: c.now,
      started_at: null,
      // Set by the engine when the campaign starts: it depends on the start time.
      halt_at: null,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A campaign of this account; another account's campaign is as absent as a missing one. */
export async function findCampaign(
  db: Kysely<Database>,
  accountId: number,
  id: number,
): Promise<Campaign | undefined> {
  return db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export interface CampaignListQuery {
  statuses?: string[];
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  /** Keyset paging: campaigns with an id below this one (the list runs newest first). */
  beforeId?: number;
  offset?: number;
  limit: number;
}

export async function listCampaigns(
  db: Kysely<Database>,
  accountId: number,
  q: CampaignListQuery,
): Promise<Campaign[]> {
  let query = db.selectFrom("campaigns").where("account_id", "=", accountId);
  if (q.statuses?.length) query = query.where("status", "in", q.statuses);
  if (q.beforeId !== undefined) query = query.where("id", "<", q.beforeId);
  query = query.orderBy("id", "desc");
  if (q.nameContains) {
    const page = await pageOfNamed(query, q.nameContains, q.offset ?? 0, q.limit);
    if (page.length === 0) return [];
    return db.selectFrom("campaigns").selectAll().where("id", "in", page).orderBy("id", "desc").execute();
  }
  query = query.limit(q.limit);
  if (q.offset) query = query.offset(q.offset);
  return query.selectAll().execute();
}

/** Text compared without case. Lowercasing is not case folding: a final capital sigma lowers to ς (a word
 *  typed whole, "ΠΡΟΣ", missed "ΠΡΟΣΦΟΡΑ"), and İ to i and a combining dot ("istanbul" missed "İSTANBUL"). */
function foldCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/ς/g, "σ")
    .replace(/i\u0307/g, "i");
}

/**
 * The ids of a page of the campaigns `query` selects whose name contains `text`, ignoring case as
 * JavaScript folds it, on both dialects: PostgreSQL's lower() is the server locale's (a final Σ becomes σ,
 * not ς; İ becomes i; under LC_CTYPE=C no Cyrillic is folded at all), so a name searched with a word copied
 * from it was found on SQLite and not on PostgreSQL (parity11). An account's campaigns are few enough to
 * read their names.
 */
async function pageOfNamed(
  query: SelectQueryBuilder<Database, "campaigns", object>,
  text: string,
  offset: number,
  limit: number,
): Promise<number[]> {
  const wanted = foldCase(text);
  const rows = await query.select(["id", "name"]).execute();
  const named = rows.filter((r) => foldCase(r.name).includes(wanted));
  return named.slice(offset, offset + limit).map((r) => r.id);
}

export interface CampaignEdit {
  name?: string;
  settings?: CampaignSettings;
  /** Only for a started campaign whose start time, end time or lifetime changed. */
  haltAt?: number | null;
  /** Only for a campaign that has not begun dialing and whose start time changed. */
  startedAt?: number;
  /** The row the edit was computed from (its settings text and status). Given, the update lands only while
   *  both are still stored (else nothing is written and undefined comes back: read again and redo the
   *  edit), so two edits merged into one stale read never lose each other's fields, and an edit that worked
   *  out halt times for a campaign not yet started does not land on one a start has just begun. */
  basedOn?: Pick<Campaign, "settings" | "status">;
  now: number;
}

/** How often an edit based on a stale read is redone before the client gets a 409. Each lost race means
 *  another edit landed, so only a campaign edited by at least this many others at once gets there. */
export const MAX_EDIT_TRIES = 10;

/**
 * Runs `attempt` (a read, then a write onto what it read: updateCampaign's `basedOn`, a conditional status
 * write) until it writes, at most MAX_EDIT_TRIES times; null or undefined means another write landed in
 * between. Past that, `giveUp()` is thrown.
 */
export async function untilWritten<T>(
  attempt: () => Promise<T | null | undefined>,
  giveUp: () => Error,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const done = await attempt();
    if (done !== null && done !== undefined) return done;
    if (tries >= MAX_EDIT_TRIES) throw giveUp();
  }
}

export async function updateCampaign(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  edit: CampaignEdit,
): Promise<Campaign | undefined> {
  const before =
    edit.settings === undefined
      ? undefined
      : (JSON.parse(
          edit.basedOn?.settings ?? (await storedSettings(db, accountId, id)),
        ) as Partial<CampaignSettings>);
  const leavesPreview =
    edit.settings !== undefined && edit.settings.dialMethod !== "preview" && before?.dialMethod === "preview";
  let update = db
    .updateTable("campaigns")
    .set({
      updated_at: edit.now,
      ...(edit.name !== undefined ? { name: edit.name } : {}),
      ...(edit.settings !== undefined
        ? { settings: JSON.stringify(edit.settings), priority: edit.settings.priority }
        : {}),
      ...(edit.haltAt !== undefined ? { halt_at: edit.haltAt } : {}),
      ...(edit.startedAt !== undefined ? { started_at: edit.startedAt } : {}),
    })
    .where("account_id", "=", accountId)
    .where("id", "=", id);
  if (edit.basedOn !== undefined) {
    update = update.where("settings", "=", edit.basedOn.settings).where("status", "=", edit.basedOn.status);
  }
  const updated = await update.returningAll().executeTakeFirst();
  // Preview dials skip the 72 h after an abandoned call; no other method may.
  if (updated && leavesPreview) await enforceAbandonedWait(db, id, edit.now);
  if (updated && edit.settings && before && changesWaits(before, edit.settings)) {
    await rejudgeWaits(db, id, edit.now);
  }
  return updated;
}

async function storedSettings(db: Kysely<Database>, accountId: number, id: number): Promise<string> {
  const row = await db
    .selectFrom("campaigns")
    .select("settings")
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row?.settings ?? "{}";
}

/** Makes the contacts waiting on the campaign's settings due, so the claim judges them again under the new
 *  ones: widened hours reach a contact put off to the old opening now, not hours later. Those still shut
 *  out are put off again, to the new time. With `since`, only contacts written since then (put off by a
 *  pass under the old settings after the edit's own rejudge). */
export async function rejudgeWaits(
  db: Kysely<Database>,
  campaignId: number,
  now: number,
  since?: number,
): Promise<void> {
  let q = db
    .updateTable("contacts")
    .set({
      next_attempt_at: now,
      wait_reason: null,
      updated_at: sql<number>`case when updated_at + 1 > ${now} then updated_at + 1 else ${now} end`,
    })
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "pending")
    .where("ready", "=", 0)
    .where("next_attempt_at", ">", now)
    .where("wait_reason", "in", SETTINGS_WAIT_REASONS);
  if (since !== undefined) q = q.where("updated_at", ">=", since);
  await q.execute();
}

/** Every status but draft: deleteCampaignUnlessStatus with these removes a campaign that never started. */
export const NOT_DRAFT: readonly CampaignStatus[] = CAMPAIGN_STATUSES.filter((s) => s !== "draft");

/** Deletes the campaign (its lists, contacts and attempts cascade) unless its status is one of `keep`, or
 *  one of its contacts is on a call: a stop hangs up only unanswered calls, and an answered call's outcome
 *  and charge must find their rows when it ends (a stopped campaign deleted mid-call left them unbilled).
 *  Its calls of the last year stay on record for the account's per-number caps and minimum gap
 *  (number-history.ts). One transaction: the tests first (on PostgreSQL holding the campaign row, so no
 *  start comes between), then, only for a campaign they let go, the copy and the delete; a refused delete
 *  copies nothing. Returns whether it was deleted. */
export async function deleteCampaignUnlessStatus(
  store: Store,
  accountId: number,
  id: number,
  keep: readonly CampaignStatus[],
  now: number,
): Promise<boolean> {
  const db = store.db;
  const deletable = db
    .selectFrom("campaigns")
    .select("id")
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .$if(keep.length > 0, (q) => q.where("status", "not in", keep))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("contacts")
            .select("contacts.id")
            .where("contacts.status", "=", "in_progress")
            .where("contacts.campaign_id", "=", id),
        ),
      ),
    )
    // Its own subscriptions go with it: not while they have events to deliver (its last results, its
    // completion), which would be lost without a word.
    .where(({ not, exists }) => not(exists(scopedPendingDeliveries(db, id))));
  // On PostgreSQL the campaign row is locked first, in a statement of its own: a claim holds it key-shared
  // until it commits (dispatch/postgres.ts), and the tests, a statement after the lock, then see the
  // contacts it put on calls (a test in the locking statement would read them as before the wait).
  const guards =
    store.dialect === "postgres"
      ? [
          db
            .selectFrom("campaigns")
            .select("id")
            .where("account_id", "=", accountId)
            .where("id", "=", id)
            .forUpdate()
            .compile(),
          deletable.compile(),
        ]
      : [deletable.compile()];
  const counts = await atomically(store, guards, {
    thenIfChanged: [
      keepCallsQuery(db, accountId, id, now),
      db.deleteFrom("campaigns").where("account_id", "=", accountId).where("id", "=", id).compile(),
      // The campaign's own do-not-call list goes with it (its rows name it by number, without a foreign
      // key, since 0 names the account's list; ids are never reused, so a leftover would be dead weight).
      db
        .deleteFrom("dnc_numbers")
        .where("account_id", "=", accountId)
        .where("campaign_id", "=", id)
        .compile(),
    ],
  });
  return counts.slice(0, guards.length).every((n) => n > 0);
}

/** Why deleteCampaignUnlessStatus deleted nothing, read after it: the campaign is gone (or another
 *  account's), in a status kept, its own webhooks hold events to deliver, or its calls are still on. */
export async function campaignDeleteRefusal(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  keep: readonly CampaignStatus[],
): Promise<
  { reason: "missing" } | { reason: "kept" | "deliveries_pending" | "busy"; status: CampaignStatus }
> {
  const row = await db
    .selectFrom("campaigns")
    .select("status")
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) return { reason: "missing" };
  const status = row.status as CampaignStatus;
  if (keep.includes(status)) return { reason: "kept", status };
  if (await hasScopedPendingDeliveries(db, id)) return { reason: "deliveries_pending", status };
  return { reason: "busy", status };
}

/** Contacts by status (only the statuses the campaign has). From the indexes dispatch keeps (see
 *  dispatch/counts.ts): a GROUP BY over the campaign's rows read every one of a 1M-contact campaign's rows,
 *  2–3 s on SQLite, for each campaign a listing showed. */
export async function countContactsByStatus(
  db: Kysely<Database>,
  campaignId: number,
): Promise<Record<string, number>> {
  // The texts name the campaign as $1, once or several times; bound here once per place.
  const bound = (text: string) =>
    sql.join(
      text.split("$1").map((part) => sql.raw(part)),
      sql`${campaignId}`,
    );
  const [settled, live] = await Promise.all([
    bound(SETTLED_COUNTS).execute(db),
    bound(LIVE_COUNTS).execute(db),
  ]);
  return statusCounts(settled.rows as { status: string; n: number | string }[], live.rows[0] as LiveCounts);
}

/** Re-sorts a campaign's contacts after its attempt order changed: order_class 0 goes first, so
 *  "first_attempts" puts never-dialed contacts (attempts = 0) in class 0 and "repeated_attempts" the others. */
export async function reorderContactsForAttemptOrder(
  db: Kysely<Database>,
  campaignId: number,
  attemptOrder: CampaignSettings["attemptOrder"],
): Promise<void> {
  const [fresh, repeated] = attemptOrder === "first_attempts" ? [0, 1] : [1, 0];
  await db
    .updateTable("contacts")
    .set({
      order_class: sql<number>`case when attempts = 0 then ${sql.lit(fresh)} else ${sql.lit(repeated)} end`,
    })
    .where("campaign_id", "=", campaignId)
    .execute();
}

/** When the campaign's latest dial went out (or is due, for one waiting for its slot); null before any. */
export async function lastDialAt(db: Kysely<Database>, campaignId: number): Promise<number | null> {
  // The newest attempts by id (the attempts_campaign index) hold the latest dial times.
  const rows = await db
    .selectFrom("attempts")
    .select("started_at")
    .where("campaign_id", "=", campaignId)
    .orderBy("id", "desc")
    .limit(100)
    .execute();
  return rows.length ? Math.max(...rows.map((r) => r.started_at)) : null;
}
