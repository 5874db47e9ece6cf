// 009: the account-wide do-not-call list. The dispatcher asks it at every claim, so the unique
// (account_id, phone) index is also the lookup index: "has the account any entry" and "which of these
// phones are listed" are both answered from it. Entries past expires_at count as absent.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);
  await db.schema
    .createTable("dnc_numbers")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // E.164, exactly as contacts store their phones.
    .addColumn("phone", "text", (c) => c.notNull())
    // Where the entry came from: the list or file name the caller gave, "api" or "csv" otherwise.
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("expires_at", big)
    .addUniqueConstraint("dnc_numbers_account_phone", ["account_id", "phone"])
    .execute();
  // Keyset paging of the API's listing.
  await db.schema
    .createIndex("dnc_numbers_account_id")
    .on("dnc_numbers")
    .columns(["account_id", "id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dnc_numbers").ifExists().execute();
}
