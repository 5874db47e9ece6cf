// 021: the outbox's retention (outbox/delivery.ts prune) deletes delivered events by their delivery time and
// dead letters by the time they died (next_attempt_at). Without these partial indexes each hourly round
// read every delivered row of the last week to find the older ones.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("webhook_deliveries_delivered")
    .on("webhook_deliveries")
    .columns(["delivered_at", "id"])
    .where(sql.ref("status"), "=", "delivered")
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_dead")
    .on("webhook_deliveries")
    .columns(["next_attempt_at", "id"])
    .where(sql.ref("status"), "=", "dead")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("webhook_deliveries_dead").execute();
  await db.schema.dropIndex("webhook_deliveries_delivered").execute();
}
