// 017: delivery picks the oldest pending event of every order key (store/webhooks.ts dueHeads); this
// index holds just the pending ones, by subscription and key, so that walk reads no delivered rows.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("webhook_deliveries_heads")
    .on("webhook_deliveries")
    .columns(["webhook_id", "order_key", "id"])
    .where(sql.ref("status"), "=", "pending")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("webhook_deliveries_heads").execute();
}
