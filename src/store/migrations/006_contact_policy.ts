// 006: a contact's own call policy (JSON, see model/contact-policy.ts), and campaign tokens: secrets bound
// to one campaign that authorize adding numbers to it (JAICP's Calls API puts one in the URL).
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);
  await db.schema.alterTable("contacts").addColumn("policy", "text").execute();

  await db.schema
    .createTable("campaign_tokens")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("campaign_id", big, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("revoked_at", big)
    .execute();
  await db.schema
    .createIndex("campaign_tokens_campaign")
    .on("campaign_tokens")
    .columns(["campaign_id", "id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("campaign_tokens").ifExists().execute();
  await db.schema.alterTable("contacts").dropColumn("policy").execute();
}
