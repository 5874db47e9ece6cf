// 030: a do-not-call entry's search key. The listing's phone filter (GET /v1/dnc?phone=+1212) was a range
// over the stored phone, so an entry listed as written under phone_policy=flag ("+1 212 055 0100", the
// text a flagged contact holds) was never found: its digits are broken up by spaces. search_key holds the
// phone's digits, with "+" when it is written international (store/dnc.ts dncSearchKey), and the filter
// walks (account_id, campaign_id, search_key). On PostgreSQL the key compares in byte order (COLLATE "C")
// whatever the database's collation: a language's (glibc en_US) ignores the "+", which mixed the
// international keys with the ones written without a country code.
import { type Kysely, sql } from "kysely";
import { dncSearchKey } from "../dnc.ts";
import { dialectColumns } from "./column-types.ts";

/** Entries read per step of the backfill: a list of millions is never held in memory at once. */
const BATCH = 1000;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { isPg } = dialectColumns(db);
  // The default only fills the existing rows until the backfill below; every write gives the key.
  await db.schema
    .alterTable("dnc_numbers")
    .addColumn("search_key", isPg ? sql`text COLLATE "C"` : "text", (c) => c.notNull().defaultTo(""))
    .execute();
  // An E.164 phone is its own key: all of them in one statement, then the few written otherwise one by one.
  await db
    .updateTable("dnc_numbers")
    .set({ search_key: sql.ref("phone") })
    .execute();
  for (let afterId = 0; ; ) {
    const rows: { id: number | string; phone: string }[] = await db
      .selectFrom("dnc_numbers")
      .select(["id", "phone"])
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const key = dncSearchKey(row.phone);
      if (key !== row.phone) {
        await db.updateTable("dnc_numbers").set({ search_key: key }).where("id", "=", row.id).execute();
      }
    }
    afterId = Number(rows[rows.length - 1].id);
  }
  await db.schema
    .createIndex("dnc_numbers_search_key")
    .on("dnc_numbers")
    .columns(["account_id", "campaign_id", "search_key"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("dnc_numbers_search_key").execute();
  await db.schema.alterTable("dnc_numbers").dropColumn("search_key").execute();
}
