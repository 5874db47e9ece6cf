// 020: one heartbeat row per node process. A claimed contact's lease used to be renewed row by row every
// third of its life, so a node with 10,000 calls in flight rewrote 500 contact rows (and their index
// entries) a second just to say it was alive. Now a node's contacts are its own for as long as its one
// heartbeat row lives; a contact whose owner has no row (an older version during a rolling upgrade, which
// still renews each contact) runs out at its own expiry (store/dispatch/types.ts leaseLapsed).
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
