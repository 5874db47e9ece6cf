// 020: one heartbeat row per node process. A claimed contact's lease used to be renewed row by row every
// third of its life, so a node with 10,000 calls in flight rewrote 500 contact rows (and their index
// entries) a second just to say it was alive. Now a contact's lease, once its claim-time expiry passes,
// holds for as long as its owner's heartbeat does: one row written per node instead.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big } = dialectColumns(db);
  await db.schema
    .createTable("node_heartbeats")
    .addColumn("node_id", "text", (c) => c.primaryKey())
    .addColumn("alive_until", big, (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("node_heartbeats").execute();
}
