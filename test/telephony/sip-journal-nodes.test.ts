// Nodes sharing one database whose SIP addresses read alike: each on the default OUTDIAL_SIP_BIND
// 127.0.0.1:5060 toward a PBX of its own, or two behind one public host and port. The journal was keyed by
// that address alone, so a node that started took a live node's dialogs for a dead run's and hung up its
// callees mid-conversation. Each row now names the node that kept it, and a node takes at start only its
// own id's rows and those of nodes whose heartbeat has lapsed or is gone (rows from before 028 have no
// node and are a dead run's). Shown with two drivers at one address on each dialect: the second's start
// hangs up the dead nodes' dialogs and leaves the live node's call alone.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { test } from "node:test";
import type { Kysely } from "kysely";
import type { Database } from "../../src/store/schema.ts";
import { saveSipDialog, sipDialogJournal, sipDialogsLeft } from "../../src/store/sip-dialogs.ts";
import type { JournaledDialog } from "../../src/telephony/sip/journal.ts";
import { dialects } from "../helpers/stores.ts";
import { driverFor, FarEnd, headerOf, sleep } from "./sip-harness.ts";

async function freeUdpPort(host: string): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A dialog some run kept, its requests going to the far end on `farPort`. */
const dialogOf = (sipCallId: string, farPort: number): JournaledDialog => ({
  sipCallId,
  localTag: `l-${sipCallId}`,
  remoteTag: `r-${sipCallId}`,
  localUri: "<sip:+15550199@127.0.0.1>",
  remoteUri: `<sip:+15550100@127.0.0.1:${farPort}>`,
  remoteTarget: `sip:far@127.0.0.1:${farPort}`,
  routes: [],
  nextCseq: 2,
  peer: { host: "127.0.0.1", port: farPort },
  answeredAt: 1_000,
});

/** A node on a machine of its own (named after it), unless `host` says otherwise. */
const on = (id: string, host = `${id}-host`) => ({ id, host });

const heartbeat = (db: Kysely<Database>, nodeId: string, aliveUntil: number) =>
  db.insertInto("node_heartbeats").values({ node_id: nodeId, alive_until: aliveUntil }).execute();

/** Keeps `d` as a row written before 028, which named no node. */
async function saveWithoutNode(db: Kysely<Database>, local: string, d: JournaledDialog): Promise<void> {
  await saveSipDialog(db, on("someone"), local, d);
  await db.updateTable("sip_dialogs").set({ node_id: null }).where("sip_call_id", "=", d.sipCallId).execute();
}

async function keptIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom("sip_dialogs").select("sip_call_id").orderBy("sip_call_id").execute();
  return rows.map((r) => r.sip_call_id);
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

for (const dialect of dialects()) {
  test(`a node takes at start its own id's dialogs and a dead node's, never a live one's [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const at = "10.0.0.5:5060";
      const now = 10_000;
      await heartbeat(store.db, "live", now + 1);
      await heartbeat(store.db, "lapsed", now);
      await saveSipDialog(store.db, on("live"), at, dialogOf("live1@outdial", 5060));
      await saveSipDialog(store.db, on("me"), at, dialogOf("mine1@outdial", 5060));
      await saveSipDialog(store.db, on("lapsed"), at, dialogOf("lapsed1@outdial", 5060));
      await saveSipDialog(store.db, on("gone"), at, dialogOf("gone1@outdial", 5060)); // its heartbeat forgotten
      await saveWithoutNode(store.db, at, dialogOf("old1@outdial", 5060));
      await saveSipDialog(store.db, on("me"), "10.0.0.6:5060", dialogOf("elsewhere1@outdial", 5060));
      // A process on this machine killed just now, under the default id of its own pid: its heartbeat has
      // not lapsed yet, but the port this one holds was its.
      await heartbeat(store.db, "killed-pid", now + 1);
      await saveSipDialog(store.db, on("killed-pid", "me-host"), at, dialogOf("killed1@outdial", 5060));
      const left = await sipDialogsLeft(store.db, at, { ...on("me"), now: () => now });
      assert.deepEqual(left.map((d) => d.sipCallId).sort(), [
        "gone1@outdial",
        "killed1@outdial",
        "lapsed1@outdial",
        "mine1@outdial",
        "old1@outdial",
      ]);
    } finally {
      await store.close();
    }
  });

  test(`a second node at the same SIP address hangs up the dead nodes' calls, not the live node's [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const far = await FarEnd.open();
    const port = await freeUdpPort("127.0.0.2");
    const journalOf = (id: string) => sipDialogJournal(store.db, { ...on(id), now: () => Date.now() });
    // Two processes (two machines in production), each bound to a socket of its own, both naming
    // themselves 10.0.0.5:<port> to the trunk.
    const a = await driverFor(far.port, {
      journal: journalOf("node-a"),
      bindHost: "127.0.0.1",
      bindPort: port,
      publicHost: "10.0.0.5",
      closeWaitMs: 300,
    });
    let b: Awaited<ReturnType<typeof driverFor>> | null = null;
    try {
      await heartbeat(store.db, "node-a", Date.now() + 60_000);
      await heartbeat(store.db, "node-dead", Date.now() - 1);
      const h = a.call("live1");
      const invite = await far.answer("callee1");
      const liveId = headerOf(invite.text, "Call-ID") ?? "";
      await waitFor("A's dialog kept", async () => (await keptIds(store.db)).length === 1);
      const at = `10.0.0.5:${port}`;
      await saveSipDialog(store.db, on("node-dead"), at, dialogOf("dead1@outdial", far.port));
      await saveWithoutNode(store.db, at, dialogOf("old1@outdial", far.port));

      // Node B starts (a deploy, a scale-out) while A's callee is talking.
      b = await driverFor(far.port, {
        journal: journalOf("node-b"),
        bindHost: "127.0.0.2",
        bindPort: port,
        publicHost: "10.0.0.5",
        closeWaitMs: 300,
      });
      const hungUp = new Set<string>();
      while (hungUp.size < 2) {
        const bye = await far.next("BYE ");
        hungUp.add(headerOf(bye.text, "Call-ID") ?? "");
        far.reply(bye, 200, "OK");
      }
      assert.deepEqual([...hungUp].sort(), ["dead1@outdial", "old1@outdial"]);
      await waitFor("the dead nodes' dialogs forgotten", async () => (await keptIds(store.db)).length === 1);
      await sleep(300);
      const liveByes = far.all("BYE ").filter((d) => headerOf(d.text, "Call-ID") === liveId);
      assert.equal(liveByes.length, 0, "node B hung up node A's live call");
      assert.equal(h.endings.length, 0);
      assert.deepEqual(await keptIds(store.db), [liveId], "A's dialog still kept");
      assert.deepEqual(b.warnings, []);
    } finally {
      await b?.driver.close();
      await a.driver.close();
      await far.close();
      await store.close();
    }
  });
}
