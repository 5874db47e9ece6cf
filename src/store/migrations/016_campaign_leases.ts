// 016: which node dispatches a campaign. Several nodes on one PostgreSQL each kept their own count of
// calls in flight and their own calls-per-second spacing, so a campaign's limits multiplied by the number
// of nodes; one node now holds a campaign under an expiring lease, and only that node dials it.
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("campaign_leases")
    .addColumn("campaign_id", "bigint", (c) => c.primaryKey().references("campaigns.id").onDelete("cascade"))
    .addColumn("node_id", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("campaign_leases").execute();
}
