// 012: personal callbacks. A contact an agent promised to call back personally is held for that agent
// (callback_agent_id) instead of entering the campaign's dial queue; the agent's desk claims it when the
// agent is ready. The partial index finds an agent's held contacts, and only those.
import { type Kysely, sql } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big } = dialectColumns(db);
  await db.schema.alterTable("contacts").addColumn("callback_agent_id", big).execute();
  await db.schema
    .createIndex("contacts_personal_callbacks")
    .on("contacts")
    .columns(["callback_agent_id", "campaign_id", "next_attempt_at"])
    .where(sql.ref("callback_agent_id"), "is not", null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("contacts_personal_callbacks").ifExists().execute();
  await db.schema.alterTable("contacts").dropColumn("callback_agent_id").execute();
}
