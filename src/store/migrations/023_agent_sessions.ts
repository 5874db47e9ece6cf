// 023: the node each agent is logged in on. Agent state lives in the memory of the node the agent logged
// in on, and nothing said which node that was: an agent could log in on two nodes at once (a desktop
// reconnecting through a load balancer, a second tab), both counted it ready, and each put a caller
// through to it. One row per logged-in agent now names its node; a login elsewhere is refused while that
// node's heartbeat (020) lives (store/agent-sessions.ts).
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big } = dialectColumns(db);
  await db.schema
    .createTable("agent_sessions")
    .addColumn("agent_id", big, (c) => c.primaryKey())
    .addColumn("account_id", big, (c) => c.notNull())
    .addColumn("node_id", "text", (c) => c.notNull())
    .addColumn("logged_in_at", big, (c) => c.notNull())
    // A logout served by another node: the holding node logs the agent out (and ends the row) at its next
    // maintenance pass; the row keeps refusing logins elsewhere until then.
    .addColumn("logout_requested_at", big)
    .execute();
  await db.schema.createIndex("agent_sessions_node").on("agent_sessions").columns(["node_id"]).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("agent_sessions").execute();
}
