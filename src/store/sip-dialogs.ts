// The sip driver's confirmed dialogs (027): written when the driver ACKs a 2xx, deleted when the dialog
// ends, read at start by the next run at the same SIP address, which hangs up what is left. The driver
// takes them as its DialogJournal (telephony/sip/journal.ts, the same shape): it imports no store.
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** A dialog as the driver gives and takes it. */
export interface SipDialog {
  sipCallId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  routes: string[];
  nextCseq: number;
  peer: { host: string; port: number };
  answeredAt: number;
}

/** The dialogs kept under `localAddress`, oldest first. */
export async function sipDialogsAt(db: Kysely<Database>, localAddress: string): Promise<SipDialog[]> {
  const rows = await db
    .selectFrom("sip_dialogs")
    .selectAll()
    .where("local_address", "=", localAddress)
    .orderBy("answered_at")
    .execute();
  return rows.map((r) => ({
    sipCallId: r.sip_call_id,
    localTag: r.local_tag,
    remoteTag: r.remote_tag,
    localUri: r.local_uri,
    remoteUri: r.remote_uri,
    remoteTarget: r.remote_target,
    routes: JSON.parse(r.route_set) as string[],
    nextCseq: Number(r.next_cseq),
    peer: { host: r.peer_host, port: Number(r.peer_port) },
    answeredAt: Number(r.answered_at),
  }));
}

/** Keeps `d` under `localAddress`; a dialog kept already is rewritten (its remote target moved). */
export async function saveSipDialog(db: Kysely<Database>, localAddress: string, d: SipDialog): Promise<void> {
  const row = {
    sip_call_id: d.sipCallId,
    remote_tag: d.remoteTag,
    local_address: localAddress,
    local_tag: d.localTag,
    local_uri: d.localUri,
    remote_uri: d.remoteUri,
    remote_target: d.remoteTarget,
    route_set: JSON.stringify(d.routes),
    next_cseq: d.nextCseq,
    peer_host: d.peer.host,
    peer_port: d.peer.port,
    answered_at: d.answeredAt,
  };
  const { sip_call_id, remote_tag, ...rest } = row;
  await db
    .insertInto("sip_dialogs")
    .values(row)
    .onConflict((oc) => oc.columns(["sip_call_id", "remote_tag"]).doUpdateSet(rest))
    .execute();
}

export async function forgetSipDialog(
  db: Kysely<Database>,
  localAddress: string,
  sipCallId: string,
  remoteTag: string,
): Promise<void> {
  await db
    .deleteFrom("sip_dialogs")
    .where("sip_call_id", "=", sipCallId)
    .where("remote_tag", "=", remoteTag)
    .where("local_address", "=", localAddress)
    .execute();
}

/** The three as the sip driver's journal. */
export function sipDialogJournal(db: Kysely<Database>) {
  return {
    left: (localAddress: string) => sipDialogsAt(db, localAddress),
    save: (localAddress: string, d: SipDialog) => saveSipDialog(db, localAddress, d),
    forget: (localAddress: string, sipCallId: string, remoteTag: string) =>
      forgetSipDialog(db, localAddress, sipCallId, remoteTag),
  };
}
