// 027: the sip driver's confirmed dialogs. Its calls lived only in its memory, the BYE that ends an answered
// one too: a node killed mid-call left its callees on the line and the trunk's channels taken until the far
// end gave up. Each dialog whose 2xx the driver ACKs is now kept here, with what a BYE in it needs, until
// it ends; the next run at the same SIP address (local_address) hangs up what is left
// (telephony/sip/journal.ts, store/sip-dialogs.ts).
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big } = dialectColumns(db);
  await db.schema
    .createTable("sip_dialogs")
    .addColumn("sip_call_id", "text", (c) => c.notNull())
    .addColumn("remote_tag", "text", (c) => c.notNull())
    .addColumn("local_address", "text", (c) => c.notNull())
    .addColumn("local_tag", "text", (c) => c.notNull())
    .addColumn("local_uri", "text", (c) => c.notNull())
    .addColumn("remote_uri", "text", (c) => c.notNull())
    .addColumn("remote_target", "text", (c) => c.notNull())
    .addColumn("route_set", "text", (c) => c.notNull())
    .addColumn("next_cseq", big, (c) => c.notNull())
    .addColumn("peer_host", "text", (c) => c.notNull())
    .addColumn("peer_port", "integer", (c) => c.notNull())
    .addColumn("answered_at", big, (c) => c.notNull())
    .addPrimaryKeyConstraint("sip_dialogs_pk", ["sip_call_id", "remote_tag"])
    .execute();
  await db.schema.createIndex("sip_dialogs_local").on("sip_dialogs").columns(["local_address"]).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sip_dialogs").execute();
}
