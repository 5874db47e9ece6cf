// 010: agents of an account (optionally the account user who acts as one from a desktop), the queue of
// agents each campaign dials for (with a penalty: lower is offered calls first), and what an attempt
// records of the agent who took it. Numbered 010 to leave 009 to do-not-call lists.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);

  await db.schema
    .createTable("agents")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // One agent per user at most (NULLs do not collide); deleting the user leaves the agent unbound.
    .addColumn("user_id", big, (c) => c.unique().references("users.id").onDelete("set null"))
    // The SIP endpoint or number the agent's own leg is dialed on, for real telephony.
    .addColumn("extension", "text")
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("agents_account").on("agents").columns(["account_id", "id"]).execute();

  await db.schema
    .createTable("campaign_agents")
    .addColumn("campaign_id", big, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("agent_id", big, (c) => c.notNull().references("agents.id").onDelete("cascade"))
    .addColumn("penalty", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", big, (c) => c.notNull())
    .addPrimaryKeyConstraint("campaign_agents_pk", ["campaign_id", "agent_id"])
    .execute();
  // The other direction (an agent's campaigns), and what deleting an agent cascades through.
  await db.schema
    .createIndex("campaign_agents_agent")
    .on("campaign_agents")
    .columns(["agent_id", "campaign_id"])
    .execute();

  // No foreign key on agent_id: an attempt is history and keeps naming the agent after the agent is
  // deleted, and the dispatch hot path inserts attempts without paying for a lookup. SQLite adds one
  // column per ALTER TABLE.
  await db.schema.alterTable("attempts").addColumn("agent_id", big).execute();
  await db.schema.alterTable("attempts").addColumn("disposition", "text").execute();
  await db.schema.alterTable("attempts").addColumn("disposition_at", big).execute();
  // Answer → connected to an agent, in ms.
  await db.schema.alterTable("attempts").addColumn("wait_ms", "integer").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ["wait_ms", "disposition_at", "disposition", "agent_id"]) {
    await db.schema.alterTable("attempts").dropColumn(column).execute();
  }
  await db.schema.dropTable("campaign_agents").ifExists().execute();
  await db.schema.dropTable("agents").ifExists().execute();
}
