// 022: the calls of a deleted campaign, kept for the account's per-number rules. Frequency caps and the
// minimum gap count every call the account made to a number, but a campaign's attempts go with it when it
// is deleted: deleting a stopped campaign and importing its list again called everyone at once, whatever
// the caps (France's four calls per 30 days). Its calls of the last year move here instead
// (store/number-history.ts) and the claim reads them beside the attempts.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big, idType, id } = dialectColumns(db);
  await db.schema
    .createTable("number_history")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull())
    .addColumn("phone", "text", (c) => c.notNull())
    .addColumn("started_at", big, (c) => c.notNull())
    .addColumn("ended_at", big)
    .execute();
  await db.schema
    .createIndex("number_history_phone")
    .on("number_history")
    .columns(["account_id", "phone", "started_at"])
    .execute();
  await db.schema.createIndex("number_history_age").on("number_history").columns(["started_at"]).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("number_history").execute();
}
