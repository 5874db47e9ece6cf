// 011: named agent queues of an account (Voximplant's ACD queues, which exist apart from any call list) and
// their members with a penalty each. A campaign dials for its own agents plus the members of the queue its
// settings name (settings.queueId); deleting the queue or the agent takes the membership with it.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);

  await db.schema
    .createTable("agent_queues")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("agent_queues_account")
    .on("agent_queues")
    .columns(["account_id", "id"])
    .execute();

  await db.schema
    .createTable("agent_queue_members")
    .addColumn("queue_id", big, (c) => c.notNull().references("agent_queues.id").onDelete("cascade"))
    .addColumn("agent_id", big, (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("penalty", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", big, (c) => c.notNull())
    .addPrimaryKeyConstraint("agent_queue_members_pk", ["queue_id", "agent_id"])
    .execute();
  // What deleting an agent cascades through.
  await db.schema
    .createIndex("agent_queue_members_agent")
    .on("agent_queue_members")
    .columns(["agent_id", "queue_id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("agent_queue_members").ifExists().execute();
  await db.schema.dropTable("agent_queues").ifExists().execute();
}
