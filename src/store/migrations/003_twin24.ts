// 003: what the Twin24 face keeps beside the core tables: its task uuids (one per campaign, with the list its
// candidates go into), and the schedules and caller-id entities (one number or a pool) tasks refer to by id.
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const isPg = db.getExecutor().adapter.constructor.name.toLowerCase().includes("postgres");
  const big = isPg ? "bigint" : "integer";

  await db.schema
    .createTable("twin24_tasks")
    .addColumn("uuid", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("campaign_id", big, (c) => c.notNull().unique().references("campaigns.id").onDelete("cascade"))
    .addColumn("list_id", big, (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("twin24_schedules")
    .addColumn("uuid", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // JSON: the core WeeklySchedule ({zone, ranges}).
    .addColumn("schedule", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("twin24_caller_ids")
    .addColumn("uuid", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // gornum (one number) | pool (numbers used in turn)
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    // JSON array of E.164 numbers.
    .addColumn("numbers", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("twin24_caller_ids").ifExists().execute();
  await db.schema.dropTable("twin24_schedules").ifExists().execute();
  await db.schema.dropTable("twin24_tasks").ifExists().execute();
}
