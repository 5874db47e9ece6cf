// 030: a do-not-call entry's search key. The listing's phone filter (GET /v1/dnc?phone=+1212) was a range
// over the stored phone, so an entry listed as written under phone_policy=flag ("+1 212 055 0100", the
// text a flagged contact holds) was never found: its digits are broken up by spaces. search_key holds the
// phone's digits, with "+" when it is written international (store/dnc.ts dncSearchKey), for the entries
// whose phone is not E.164; an E.164 phone is its own key, and its entry keeps NULL there (storedSearchKey):
// it is found by the (account_id, campaign_id, phone) index as before. So the column needs no default and
// no E.164 row is written: an older node of a rolling upgrade, whose inserts name no key, stores NULL, right
// for the E.164 phones it lists; on PostgreSQL the ALTER is a change of the catalog alone, and the
// exclusive lock it takes (held to the migration's commit: every DNC read of the dispatcher waits) lasts
// two reads of the table, the backfill's and the partial index's build, not an UPDATE of every row. On
// PostgreSQL the key compares in byte order (COLLATE "C") whatever the database's collation: a language's
// (glibc en_US) ignores the "+", which mixed the international keys with the ones written without a
// country code.
import { type Kysely, sql } from "kysely";
import { dncSearchKey } from "../dnc.ts";
import { dialectColumns } from "./column-types.ts";

/** Entries read per step of the backfill: a list of millions is never held in memory at once. */
const BATCH = 1000;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { isPg } = dialectColumns(db);
  await db.schema
    .alterTable("dnc_numbers")
    .addColumn("search_key", isPg ? sql`text COLLATE "C"` : "text")
    .execute();
  // The phones that are not "+" and digits alone (as storedSearchKey tells them apart), picked in SQL:
  // the E.164 ones, nearly all of a list, never reach the process.
  const notE164 = isPg
    ? sql<boolean>`phone !~ ${"^\\+[0-9]+$"}`
    : sql<boolean>`NOT (phone GLOB '+[0-9]*' AND phone NOT GLOB '+*[^0-9]*')`;
  for (let afterId = 0; ; ) {
    const rows: { id: number | string; phone: string }[] = await db
      .selectFrom("dnc_numbers")
      .select(["id", "phone"])
      .where("id", ">", afterId)
      .where(notE164)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    // One statement a step: a list imported as written (phone_policy=flag) may hold many such entries.
    const keys = rows.map((row) => sql`WHEN ${row.id} THEN ${dncSearchKey(row.phone)}`);
    await db
      .updateTable("dnc_numbers")
      .set({ search_key: sql`CASE id ${sql.join(keys, sql` `)} END` })
      .where(
        "id",
        "in",
        rows.map((row) => row.id),
      )
      .execute();
    afterId = Number(rows[rows.length - 1].id);
  }
  // Partial: it holds only the entries written otherwise than E.164, so it is small and quick to build.
  await db.schema
    .createIndex("dnc_numbers_search_key")
    .on("dnc_numbers")
    .columns(["account_id", "campaign_id", "search_key"])
    .where("search_key", "is not", null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("dnc_numbers_search_key").execute();
  await db.schema.alterTable("dnc_numbers").dropColumn("search_key").execute();
}
