// 007: robot scenarios, what runs when a person answers, keyed per account by the id campaigns refer to
// (a bot script id, a Voximplant rule id).
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);
  await db.schema
    .createTable("scenarios")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .addUniqueConstraint("scenarios_account_key", ["account_id", "key"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("scenarios").ifExists().execute();
}
