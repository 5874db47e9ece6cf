// 018: who set an attempt's disposition, apart from who took the call. Until now a disposition wrote the
// disposing agent over attempts.agent_id, so an agent who only disposed of a call that never reached it (a
// preview nobody answered, a machine) showed as the agent who took it. agent_id keeps its meaning, the
// agent the call was connected to; disposed_by is the agent who set the disposition. No foreign key, as
// for agent_id: an attempt is history and keeps naming a deleted agent.
// Attempts disposed of before this migration: the agent_id is the disposing agent's, and is also the
// connected agent's only where the connection was recorded, which writes wait_ms along with agent_id
// (store/agent-calls.ts recordAgentOnAttempt); where wait_ms is null the agent_id was the disposition's alone.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big } = dialectColumns(db);
  await db.schema.alterTable("attempts").addColumn("disposed_by", big).execute();
  await db
    .updateTable("attempts")
    .set((eb) => ({ disposed_by: eb.ref("agent_id") }))
    .where("disposition", "is not", null)
    .execute();
  await db
    .updateTable("attempts")
    .set({ agent_id: null })
    .where("disposition", "is not", null)
    .where("wait_ms", "is", null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db
    .updateTable("attempts")
    .set((eb) => ({ agent_id: eb.ref("disposed_by") }))
    .where("disposed_by", "is not", null)
    .execute();
  await db.schema.alterTable("attempts").dropColumn("disposed_by").execute();
}
