// Do-not-call lists: the account's own, and one per campaign beside it (a DncList names which): add
// (upsert), remove, list, check. An entry whose expires_at has passed counts as absent everywhere;
// re-adding the number lists it again. The dispatcher does its own lookups
// in store/dispatch/ (prepared statements inside the claim's transaction), against the same index.
import { type CompiledQuery, type Kysely, sql } from "kysely";
import { atomically } from "./atomic.ts";
import type { Store } from "./db.ts";
import { isPostgresDb } from "./dialect.ts";
import type { Database, DncNumberRow } from "./schema.ts";

/** Which do-not-call list: the account's own (campaignId 0) or one campaign's. A campaign's calls are
 *  checked against both. */
export interface DncList {
  accountId: number;
  campaignId: number;
}

export const accountList = (accountId: number): DncList => ({ accountId, campaignId: 0 });

export interface DncEntry {
  /** E.164; a number that is not valid as written, as a contact kept flagged holds it (the dispatcher
   *  compares the exact text). */
  phone: string;
  source: string;
  reason: string | null;
  expiresAt: number | null;
}

/** Rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** An entry in force at `now`. */
function active(now: number) {
  // biome-ignore lint/suspicious/noExplicitAny: the expression builder of any query on dnc_numbers
  return (eb: any) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]);
}

/** The phones among `phones` that `list` holds at `now`. */
export async function suppressedAmong(
  db: Kysely<Database>,
  list: DncList,
  phones: readonly string[],
  now: number,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(phones)])) {
    const rows = await db
      .selectFrom("dnc_numbers")
      .select("phone")
      .where("account_id", "=", list.accountId)
      .where("campaign_id", "=", list.campaignId)
      .where("phone", "in", part)
      .where(active(now))
      .execute();
    for (const r of rows) out.add(r.phone);
  }
  return out;
}

/**
 * Lists the entries (one per phone; a later entry for a phone wins), all or none. Adding a listed number
 * again refreshes its source and reason, keeps its created_at, and extends its expiry (never shortens it). Returns how many were not
 * listed before (as seen just before the write) and how many already were.
 */
export async function addDncNumbers(
  store: Store,
  list: DncList,
  entries: readonly DncEntry[],
  now: number,
): Promise<{ added: number; alreadyListed: number }> {
  const byPhone = new Map(entries.map((e) => [e.phone, e]));
  if (byPhone.size === 0) return { added: 0, alreadyListed: 0 };
  const listed = await suppressedAmong(store.db, list, [...byPhone.keys()], now);
  await atomically(store, dncInserts(store.db, list, [...byPhone.values()], now));
  return { added: byPhone.size - listed.size, alreadyListed: listed.size };
}

/** addDncNumbers' writes, compiled to run in another write's transaction (entries one per phone). */
export function dncInserts(
  db: Kysely<Database>,
  list: DncList,
  entries: readonly DncEntry[],
  now: number,
): CompiledQuery[] {
  return chunks([...entries]).map((part) =>
    db
      .insertInto("dnc_numbers")
      .values(
        part.map((e) => ({
          account_id: list.accountId,
          campaign_id: list.campaignId,
          phone: e.phone,
          search_key: storedSearchKey(e.phone),
          source: e.source,
          reason: e.reason,
          created_at: now,
          expires_at: e.expiresAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["account_id", "campaign_id", "phone"]).doUpdateSet((eb) => ({
          source: eb.ref("excluded.source"),
          reason: eb.ref("excluded.reason"),
          // Adding never weakens a listing that is in force: the later expiry wins, and "until removed"
          // (null) beats any date. Shortening one takes a removal (dnc:remove) and a new entry.
          expires_at: sql<number | null>`CASE
            WHEN dnc_numbers.expires_at IS NOT NULL AND dnc_numbers.expires_at <= ${now} THEN excluded.expires_at
            WHEN dnc_numbers.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
            WHEN excluded.expires_at > dnc_numbers.expires_at THEN excluded.expires_at
            ELSE dnc_numbers.expires_at END`,
          // An expired entry listed again is a new listing.
          created_at: sql<number>`CASE WHEN dnc_numbers.expires_at IS NULL OR dnc_numbers.expires_at > ${now}
            THEN dnc_numbers.created_at ELSE excluded.created_at END`,
        })),
      )
      .compile(),
  );
}

/** Takes the number off the list; false when it was not listed (or only expired). */
export async function removeDncNumber(
  db: Kysely<Database>,
  list: DncList,
  phone: string,
  now: number,
): Promise<boolean> {
  const found = await findDncNumber(db, list, phone, now);
  const r = await db
    .deleteFrom("dnc_numbers")
    .where("account_id", "=", list.accountId)
    .where("campaign_id", "=", list.campaignId)
    .where("phone", "=", phone)
    .executeTakeFirst();
  return found !== undefined && Number(r.numDeletedRows) > 0;
}

/** The entry listing `phone` at `now`, if any. */
export async function findDncNumber(
  db: Kysely<Database>,
  list: DncList,
  phone: string,
  now: number,
): Promise<DncNumberRow | undefined> {
  return db
    .selectFrom("dnc_numbers")
    .selectAll()
    .where("account_id", "=", list.accountId)
    .where("campaign_id", "=", list.campaignId)
    .where("phone", "=", phone)
    .where(active(now))
    .executeTakeFirst();
}

export interface DncFilter {
  /** Leading digits of the numbers to list as the caller wrote them (see dncSearchKey): "+1212" finds the
   *  numbers written international that start +1 212; "1212" finds those too, and the numbers written
   *  without a country code whose digits start 1212. */
  phonePrefix?: string;
  afterId?: number;
  limit: number;
}

/**
 * What a search by leading digits compares: the phone's digits, after a "+" when it is written
 * international: with its "+" ("+1 212 055 0100"), or with the "00" most of the world dials for it
 * ("001 212 055 0100", as asInternational reads it), both "+12120550100". An E.164 phone is its own key. A
 * number written without either ("(212) 055-0101", "1 212 055 0100") keeps its digits alone: its country
 * is not written, so a search for "+1212" does not guess one for it.
 */
export function dncSearchKey(phone: string): string {
  const digits = phone.replace(/[^0-9]/g, "");
  if (/^[^0-9]*\+/.test(phone)) return `+${digits}`;
  if (digits.startsWith("00")) return `+${digits.slice(2)}`;
  return digits;
}

/** "+" and digits alone: the phone is its own search key. */
const E164_TEXT = /^\+[0-9]+$/;

/**
 * dnc_numbers.search_key for `phone`: NULL for an E.164 phone, whose entry the search finds by its phone
 * (as an older node of a rolling upgrade writes every entry: its inserts name no key), and dncSearchKey
 * for one listed as written. Migration 030 tells the two apart by the same pattern in SQL.
 */
export function storedSearchKey(phone: string): string | null {
  return E164_TEXT.test(phone) ? null : dncSearchKey(phone);
}

/** Above every international key ("+digits") and below every other: the keys compare in byte order (the
 *  column's collation is "C" on PostgreSQL, BINARY on SQLite), where "+" sorts below the digits. */
const ABOVE_INTERNATIONAL_KEYS = "0";

/** Entries in force at `now`, in id order. */
export async function listDncNumbers(
  db: Kysely<Database>,
  list: DncList,
  filter: DncFilter,
  now: number,
): Promise<DncNumberRow[]> {
  const queries = dncListQueries(db, list, filter, now);
  if (queries.length === 1) return queries[0].execute();
  const byId = new Map<number, DncNumberRow>();
  for (const rows of await Promise.all(queries.map((query) => query.execute()))) {
    for (const row of rows) byId.set(Number(row.id), row);
  }
  return [...byId.entries()]
    .sort(([x], [y]) => x - y)
    .slice(0, filter.limit)
    .map(([, row]) => row);
}

/** The queries listDncNumbers runs, each in id order and cut to the limit; it merges their rows by id.
 *  Apart so that a test can see each walk its index. */
export function dncListQueries(db: Kysely<Database>, list: DncList, filter: DncFilter, now: number) {
  const q = db
    .selectFrom("dnc_numbers")
    .selectAll()
    .where("account_id", "=", list.accountId)
    .where("campaign_id", "=", list.campaignId)
    .where(active(now))
    .orderBy("id")
    .limit(filter.limit);
  const prefix = filter.phonePrefix;
  if (prefix === undefined) return [filter.afterId === undefined ? q : q.where("id", ">", filter.afterId)];
  // Without statistics SQLite walks (account_id, id) from after_id, every entry of the list, rather than a
  // range and a sort of what it holds: the unary + leaves it the bound as a filter (PostgreSQL weighs both).
  const afterId = isPostgresDb(db) ? sql.ref("id") : sql`+id`;
  const from = filter.afterId === undefined ? q : q.where(afterId, ">", filter.afterId);
  const range = (on: typeof q, column: "phone" | "search_key", lower: string, upper: string | null) => {
    const above = on.where(column, ">=", lower);
    return upper === null ? above : above.where(column, "<", upper);
  };
  // Ranges, not LIKE, one query each: each walks an index on both dialects (in one query, their OR was
  // walked by neither dialect as a range). The phone's, (account_id, campaign_id, phone), for the E.164
  // entries (no key: storedSearchKey); the partial one over the keys for those listed as written. Digits
  // without "+" read two keys: the international ones and those written without a country code.
  const international = prefix.startsWith("+") ? prefix : `+${prefix}`;
  const queries = [
    // No "0" above an all-nines prefix here: the phone compares in the database's collation, and a
    // language's (glibc en_US) ignores the "+". Open-topped, the range still holds only "+99…" among the
    // E.164 phones, in byte order as in a language's order of the digits.
    range(from.where("search_key", "is", null), "phone", international, nextDigitPrefix(international)),
    range(from, "search_key", international, nextDigitPrefix(international) ?? ABOVE_INTERNATIONAL_KEYS),
  ];
  if (international !== prefix) queries.push(range(from, "search_key", prefix, nextDigitPrefix(prefix)));
  return queries;
}

/**
 * The least "+digits" (or digits) string above every key that starts with `prefix` ("+1212" → "+1213",
 * "+1299" → "+13", "212" → "213"); null when nothing is (all nines). Only digits are compared: a database whose collation is a
 * language's (en_US, ICU) weighs punctuation such as ":" after the digits, so `prefix + ":"` — right in
 * byte order — found nothing there.
 */
export function nextDigitPrefix(prefix: string): string | null {
  if (!/^\+?[0-9]*$/.test(prefix)) throw new Error(`phone prefix must be "+" and digits: ${prefix}`);
  const digits = prefix.replace(/9+$/, "");
  const last = digits.at(-1);
  if (last === undefined || last === "+") return null;
  return digits.slice(0, -1) + String(Number(last) + 1);
}
