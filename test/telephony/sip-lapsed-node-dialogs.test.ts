// A sip node killed mid-call that never starts again at its SIP address: gone for good, or back on another
// port (a port-0 bind) or behind a new public host. Its journal rows (sip_dialogs) were read only by a start
// at that same address, so nobody sent their BYEs: the callee stayed on the line until the far end timed
// out, or for good without a session timer. Now every live node looks every LAPSED_LOOK_MS for the rows of
// nodes whose heartbeat has lapsed, at any address, takes each over in one statement and hangs it up.
// Shown on each dialect: which rows a look takes (never a live node's), that nodes looking at once take
// each row once, and with drivers on a virtual clock: node A answers a call and dies (its heartbeat stops,
// no close); of two live nodes at other addresses exactly one sends the BYE, within one look after A's
// heartbeat lapses and not before.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kysely } from "kysely";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { Database } from "../../src/store/schema.ts";
import { saveSipDialog, sipDialogJournal, takeLapsedSipDialogs } from "../../src/store/sip-dialogs.ts";
import type { JournaledDialog } from "../../src/telephony/sip/journal.ts";
import { LAPSED_LOOK_MS } from "../../src/telephony/sip/lapsed-dialogs.ts";
import { dialects } from "../helpers/stores.ts";
import { type Datagram, driverFor, FarEnd, headerOf, sleep } from "./sip-harness.ts";

/** A dialog some node kept, its requests going to the far end on `farPort`. */
const dialogOf = (sipCallId: string, farPort = 5060): JournaledDialog => ({
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

/** A node on a machine of its own. */
const on = (id: string) => ({ id, host: `${id}-host` });

const heartbeat = (db: Kysely<Database>, nodeId: string, aliveUntil: number) =>
  db.insertInto("node_heartbeats").values({ node_id: nodeId, alive_until: aliveUntil }).execute();

async function kept(db: Kysely<Database>) {
  return db
    .selectFrom("sip_dialogs")
    .select(["sip_call_id", "node_id", "local_address"])
    .orderBy("sip_call_id")
    .execute();
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The BYEs of `sipCallId` the far end got, one per transaction (a retransmission has its branch). */
const byesOf = (far: FarEnd, sipCallId: string): Datagram[] => {
  const byBranch = new Map<string, Datagram>();
  for (const d of far.all("BYE ").filter((d) => headerOf(d.text, "Call-ID") === sipCallId)) {
    byBranch.set(/branch=([^;\s]+)/.exec(headerOf(d.text, "Via") ?? "")?.[1] ?? "", d);
  }
  return [...byBranch.values()];
};

for (const dialect of dialects()) {
  test(`a live node takes over the dialogs of dead nodes at any address, never a live node's [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const now = 10_000;
      await heartbeat(store.db, "me", now + 1);
      await heartbeat(store.db, "live", now + 1);
      await heartbeat(store.db, "lapsed", now);
      await saveSipDialog(store.db, on("live"), "10.0.0.5:5060", dialogOf("live1@outdial"));
      await saveSipDialog(store.db, on("me"), "10.0.0.9:5060", dialogOf("mine1@outdial"));
      await saveSipDialog(store.db, on("lapsed"), "10.0.0.5:5060", dialogOf("lapsed1@outdial"));
      await saveSipDialog(store.db, on("lapsed"), "10.0.0.6:40312", dialogOf("lapsed2@outdial"));
      await saveSipDialog(store.db, on("gone"), "10.0.0.7:5060", dialogOf("gone1@outdial")); // heartbeat forgotten
      // Written before 028 (no node): possibly by an older version still running, so left to a start.
      await saveSipDialog(store.db, on("old"), "10.0.0.5:5060", dialogOf("old1@outdial"));
      await store.db.updateTable("sip_dialogs").set({ node_id: null }).where("node_id", "=", "old").execute();

      const me = { ...on("me"), now: () => now };
      const taken = await takeLapsedSipDialogs(store.db, "10.0.0.9:5060", me);
      assert.deepEqual(taken.map((d) => d.sipCallId).sort(), [
        "gone1@outdial",
        "lapsed1@outdial",
        "lapsed2@outdial",
      ]);
      assert.deepEqual(taken[0], { ...dialogOf(taken[0].sipCallId) }, "the dialog as it was kept");
      assert.deepEqual(await kept(store.db), [
        { sip_call_id: "gone1@outdial", node_id: "me", local_address: "10.0.0.9:5060" },
        { sip_call_id: "lapsed1@outdial", node_id: "me", local_address: "10.0.0.9:5060" },
        { sip_call_id: "lapsed2@outdial", node_id: "me", local_address: "10.0.0.9:5060" },
        { sip_call_id: "live1@outdial", node_id: "live", local_address: "10.0.0.5:5060" },
        { sip_call_id: "mine1@outdial", node_id: "me", local_address: "10.0.0.9:5060" },
        { sip_call_id: "old1@outdial", node_id: null, local_address: "10.0.0.5:5060" },
      ]);
      // Now this live node's: another live node's look leaves them, and so does this one's next look.
      assert.deepEqual(
        await takeLapsedSipDialogs(store.db, "10.0.0.5:5060", { ...on("live"), now: () => now }),
        [],
      );
      assert.deepEqual(await takeLapsedSipDialogs(store.db, "10.0.0.9:5060", me), []);
    } finally {
      await store.close();
    }
  });

  test(`nodes looking at once take each dead node's dialog exactly once [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const now = 10_000;
      const lookers = ["n1", "n2", "n3", "n4"];
      for (const id of lookers) await heartbeat(store.db, id, now + 60_000);
      await heartbeat(store.db, "dead", now - 1);
      const ids = Array.from({ length: 200 }, (_, i) => `dead${i}@outdial`);
      for (const id of ids) await saveSipDialog(store.db, on("dead"), "10.0.0.5:5060", dialogOf(id));
      // Each looker looks three times over, all at once (on PostgreSQL, on connections of their own).
      const looks = lookers.flatMap((id, n) =>
        [0, 1, 2].map(() =>
          takeLapsedSipDialogs(store.db, `10.0.1.${n}:5060`, { ...on(id), now: () => now }),
        ),
      );
      const taken = (await Promise.all(looks)).flat().map((d) => d.sipCallId);
      assert.equal(taken.length, ids.length, "no dialog taken twice");
      assert.deepEqual([...taken].sort(), [...ids].sort());
    } finally {
      await store.close();
    }
  });

  test(`a node that dies mid-call and never comes back: one live node at another address sends its BYE, once its heartbeat lapses [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const far = await FarEnd.open();
    const clock = new VirtualClock(Date.now());
    const journalOf = (id: string, now: () => number) => sipDialogJournal(store.db, { ...on(id), now });
    // Node A keeps wall time: it is killed, and what a dead process's timers would do must not happen.
    const a = await driverFor(far.port, { journal: journalOf("node-a", () => Date.now()), closeWaitMs: 300 });
    const live: Awaited<ReturnType<typeof driverFor>>[] = [];
    try {
      const t0 = clock.now();
      const lapsesAt = t0 + 45_000;
      await heartbeat(store.db, "node-a", lapsesAt);
      a.call("a1");
      const invite = await far.answer("callee1");
      const sipCallId = headerOf(invite.text, "Call-ID") ?? "";
      await waitFor("A's dialog kept", async () => (await kept(store.db)).length === 1);
      // A is killed now: its heartbeat is renewed no more and it is never closed (until the test ends).

      // B and C are alive, each at an address of its own (ports bound by the system, so never A's). A
      // retransmission of their BYE waits T1 = 2 s, longer than the steps the clock takes below.
      for (const id of ["node-b", "node-c"]) {
        await heartbeat(store.db, id, t0 + 3_600_000);
        const extra = { journal: journalOf(id, () => clock.now()), t1Ms: 2000, closeWaitMs: 300 };
        live.push(await driverFor(far.port, extra, clock));
      }
      assert.notEqual(live[0].driver.address?.port, a.driver.address?.port);

      // While A's heartbeat holds, its call is its own: a look that hung it up would cut a live call.
      await clock.run({ until: lapsesAt - 1 });
      await sleep(200);
      assert.equal(far.all("BYE ").length, 0, "a live node's call was hung up");
      assert.deepEqual(
        (await kept(store.db)).map((r) => r.node_id),
        ["node-a"],
      );

      // Lapsed: within one look one of B and C takes the dialog over and sends its BYE.
      while (far.all("BYE ").length === 0 && clock.now() < lapsesAt + LAPSED_LOOK_MS) {
        await clock.advance(1000);
        await sleep(20);
      }
      const bye = await far.next("BYE ", 1000);
      assert.ok(clock.now() <= lapsesAt + LAPSED_LOOK_MS, "the BYE came later than one look after the lapse");
      assert.equal(headerOf(bye.text, "Call-ID"), sipCallId);
      assert.match(headerOf(bye.text, "To") ?? "", /;tag=callee1/);
      far.reply(bye, 200, "OK");
      await waitFor(
        "the dialog forgotten once its BYE was answered",
        async () => (await kept(store.db)).length === 0,
      );

      // The other live node's looks find nothing left to hang up.
      await clock.advance(2 * LAPSED_LOOK_MS);
      await sleep(200);
      assert.equal(byesOf(far, sipCallId).length, 1, "two live nodes both hung up the call");
      for (const { warnings } of live) assert.deepEqual(warnings, []);
    } finally {
      for (const { driver } of live) await driver.close();
      await a.driver.close();
      await far.close();
      await store.close();
    }
  });
}
