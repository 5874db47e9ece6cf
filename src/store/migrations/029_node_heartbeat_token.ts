// 029: which process keeps each node's heartbeat. A node id was taken to be one live process's, and a
// process that started took every lease under its id for an earlier, dead process's; two live processes
// under one id (containers sharing a host name, each pid 1, or one OUTDIAL_NODE_ID given to two) then
// recorded each other's live calls lost and dialed those people again while they were on the line. Each
// process now writes a random token with its heartbeat: a start waits out a live row of another token and
// is refused if it is renewed meanwhile, and a renewal of a row another process has since claimed fails.
// Rows written before this (token null), or let go by a process that shut down, are no process's: a start
// takes them at once (store/dispatch/types.ts claimHeartbeatSql).
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("node_heartbeats").addColumn("process_token", "text").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("node_heartbeats").dropColumn("process_token").execute();
}
