// 028: which node kept each sip dialog. 027 keyed the journal by the SIP address alone, but nodes sharing
// one database can name the same address (each on the default bind 127.0.0.1:5060 toward a PBX of its own,
// or behind one public host:port): a node that started took a live node's dialogs for a dead run's and hung
// up its callees. A node now takes, at start, only the rows under its address that are its own id's or
// whose node's heartbeat (node_heartbeats, 020) has lapsed, or that were kept on its own machine (host):
// the default node id (host name and pid) changes at every restart, and a process restarted at once must
// still hang up what the killed one left, before its heartbeat lapses; on one machine, the port this
// process holds was that one's. Rows written before this (node_id null) are a dead run's, as 027 took them
// (store/sip-dialogs.ts).
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sip_dialogs").addColumn("node_id", "text").execute();
  await db.schema.alterTable("sip_dialogs").addColumn("host", "text").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sip_dialogs").dropColumn("host").execute();
  await db.schema.alterTable("sip_dialogs").dropColumn("node_id").execute();
}
