// The sip driver's confirmed dialogs (027, 028): written when the driver ACKs a 2xx, under the node that
// keeps it, deleted when the dialog ends. At start a node reads those under its SIP address that no other
// live node holds, and hangs them up: its own id's (an earlier process under the same id), those kept on
// its own machine (its port was theirs: a process restarted at once, under a new default id, before the
// killed one's heartbeat lapsed), and those of a node whose heartbeat has lapsed. The address alone does
// not say whose a dialog is: nodes sharing the database may name the same one (the default bind
// 127.0.0.1:5060, each toward its own PBX). What a node that never starts again at its address left (gone
// for good, or back on another port or public host) is taken over by a live node's periodic look
// (takeLapsedSipDialogs) and hung up from there.
// The driver takes them as its DialogJournal (telephony/sip/journal.ts, the same shape): it imports no store.
import type { ExpressionBuilder, Kysely, Selectable } from "kysely";
import type { Database, SipDialogsTable } from "./schema.ts";

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

/** The node a journal writes for: its id, the machine it runs on, its clock. */
export interface JournalNode {
  id: string;
  host: string;
  now: () => number;
}

/**
 * The dialogs kept under `localAddress` that `node` takes, oldest first: its own id's, its own machine's,
 * and those whose node has no live heartbeat (lapsed, forgotten, or a row from before 028). Another live
 * node's are left alone. Judged as the engine judges a node's leases: alive while `alive_until` is past now.
 */
export async function sipDialogsLeft(
  db: Kysely<Database>,
  localAddress: string,
  node: JournalNode,
): Promise<SipDialog[]> {
  const now = node.now();
  const rows = await db
    .selectFrom("sip_dialogs as d")
    .selectAll("d")
    .where("d.local_address", "=", localAddress)
    .where((eb) =>
      eb.or([
        eb("d.node_id", "is", null),
        eb("d.node_id", "=", node.id),
        eb("d.host", "=", node.host),
        eb.not(keptAlive(eb, now)),
      ]),
    )
    .orderBy("d.answered_at")
    .execute();
  return rows.map(dialogOf);
}

/**
 * Takes over for `node`, under its `localAddress`, the dialogs of every other node with no live heartbeat
 * (lapsed, or forgotten a day after), wherever they were kept, and returns them oldest first: the BYEs of
 * a node that never starts again at its address. One statement, so that of the live nodes looking at once
 * exactly one takes each row. The condition is the whole claim: on PostgreSQL a second node's UPDATE waits
 * on the first's row lock, then reads the row again (now this node's, and this node is alive) and leaves
 * it; SQLite runs one writer at a time. Once taken, a row is this node's like its own calls' (forgotten
 * under this address when its BYE settles; left again, if this node dies too, to the next live one).
 * Rows with no node (written before 028) are not taken: an older version still running writes them so.
 * Rows under this node's own id at another address are taken too: a node id is one live process's, so
 * they are an earlier run's that came back elsewhere.
 */
export async function takeLapsedSipDialogs(
  db: Kysely<Database>,
  localAddress: string,
  node: JournalNode,
): Promise<SipDialog[]> {
  const rows = await db
    .updateTable("sip_dialogs as d")
    .set({ node_id: node.id, host: node.host, local_address: localAddress })
    .where("d.node_id", "is not", null)
    .where((eb) =>
      eb.or([
        eb.and([eb("d.node_id", "<>", node.id), eb.not(keptAlive(eb, node.now()))]),
        // Its own id's at another address: an earlier run's, restarted under the same id elsewhere (a
        // port-0 bind, a new public host), whose heartbeat this run keeps alive (crash12).
        eb.and([eb("d.node_id", "=", node.id), eb("d.local_address", "<>", localAddress)]),
      ]),
    )
    .returningAll()
    .execute();
  return rows.map(dialogOf).sort((a, b) => a.answeredAt - b.answeredAt);
}

/** Whether the node that keeps dialog `d` has a heartbeat live at `now` (one lookup by its primary key).
 *  Judged as the engine judges a node's leases: alive while `alive_until` is past now. */
function keptAlive(eb: ExpressionBuilder<Database & { d: Database["sip_dialogs"] }, "d">, now: number) {
  return eb.exists(
    eb
      .selectFrom("node_heartbeats as h")
      .select("h.node_id")
      .whereRef("h.node_id", "=", "d.node_id")
      .where("h.alive_until", ">", now),
  );
}

function dialogOf(r: Selectable<SipDialogsTable>): SipDialog {
  return {
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
  };
}

/** Keeps `d` under `localAddress` as node `nodeId`'s; a dialog kept already is rewritten (its remote
 *  target moved), and becomes this node's. */
export async function saveSipDialog(
  db: Kysely<Database>,
  node: Pick<JournalNode, "id" | "host">,
  localAddress: string,
  d: SipDialog,
): Promise<void> {
  const row = {
    sip_call_id: d.sipCallId,
    remote_tag: d.remoteTag,
    local_address: localAddress,
    node_id: node.id,
    host: node.host,
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

/** The four as the sip driver's journal, for `node`. */
export function sipDialogJournal(db: Kysely<Database>, node: JournalNode) {
  return {
    left: (localAddress: string) => sipDialogsLeft(db, localAddress, node),
    takeLapsed: (localAddress: string) => takeLapsedSipDialogs(db, localAddress, node),
    save: (localAddress: string, d: SipDialog) => saveSipDialog(db, node, localAddress, d),
    forget: (localAddress: string, sipCallId: string, remoteTag: string) =>
      forgetSipDialog(db, localAddress, sipCallId, remoteTag),
  };
}
