// 002: webhook subscriptions and their outbox. Each event is written, once per matching subscription, into
// webhook_deliveries in the same transaction as the state change it reports; delivery reads it from there.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);

  await db.schema
    .createTable("webhooks")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("campaign_id", big, (c) => c.references("campaigns.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("secret", "text", (c) => c.notNull())
    .addColumn("events", "text", (c) => c.notNull())
    .addColumn("delay_sec", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("partial_results", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("webhooks_account").on("webhooks").columns(["account_id", "id"]).execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull())
    .addColumn("webhook_id", big, (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("order_key", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", big, (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", big)
    .addColumn("last_error", "text")
    .addColumn("last_status", "integer")
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("delivered_at", big)
    .execute();
  // Delivery walks each subscription's pending events in write order; the API lists them by status.
  await db.schema
    .createIndex("webhook_deliveries_queue")
    .on("webhook_deliveries")
    .columns(["status", "webhook_id", "id"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_event")
    .on("webhook_deliveries")
    .columns(["webhook_id", "event_id"])
    .unique()
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("webhook_deliveries").ifExists().execute();
  await db.schema.dropTable("webhooks").ifExists().execute();
}
