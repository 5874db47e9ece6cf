// A sip node killed mid-call that comes back under the same node id (a fixed OUTDIAL_NODE_ID, or the
// default `${hostname}-${pid}` of a container restarted in place: pid 1, same hostname) at another SIP
// address (a port-0 bind, a new public host). Its start reads only the rows under its new address, and
// every look for dead nodes' dialogs skipped rows of the looker's own id, whose heartbeat was alive again:
// nobody ever hung up the earlier run's callee (crash12). The look now takes its own id's rows kept under
// another address.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kysely } from "kysely";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { Database } from "../../src/store/schema.ts";
import { sipDialogJournal } from "../../src/store/sip-dialogs.ts";
import { LAPSED_LOOK_MS } from "../../src/telephony/sip/lapsed-dialogs.ts";
import { dialects } from "../helpers/stores.ts";
import { driverFor, FarEnd, headerOf, sleep } from "./sip-harness.ts";

const heartbeat = (db: Kysely<Database>, nodeId: string, aliveUntil: number) =>
  db
    .insertInto("node_heartbeats")
    .values({ node_id: nodeId, alive_until: aliveUntil })
    .onConflict((oc) => oc.column("node_id").doUpdateSet({ alive_until: aliveUntil }))
    .execute();

const kept = (db: Kysely<Database>) =>
  db.selectFrom("sip_dialogs").select(["sip_call_id", "node_id", "local_address"]).execute();

for (const dialect of dialects()) {
  test(`a node restarted under its own id at another SIP address hangs up its earlier run's callee [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const far = await FarEnd.open();
    const clock = new VirtualClock(Date.now());
    const node = { id: "node-a", host: "node-a-host" };
    // First run: wall time, killed (never closed) right after the call is answered and journaled.
    const first = await driverFor(far.port, {
      journal: sipDialogJournal(store.db, { ...node, now: () => Date.now() }),
      closeWaitMs: 300,
    });
    let second: Awaited<ReturnType<typeof driverFor>> | null = null;
    try {
      const t0 = clock.now();
      await heartbeat(store.db, "node-a", t0 + 60_000);
      first.call("a1");
      const invite = await far.answer("callee1");
      const sipCallId = headerOf(invite.text, "Call-ID") ?? "";
      for (let i = 0; i < 100 && (await kept(store.db)).length === 0; i++) await sleep(20);
      assert.equal((await kept(store.db)).length, 1, "the first run's dialog is journaled");

      // Second run, same node id and machine, bound to another port; its heartbeat is renewed as the
      // engine renews it, so the node is alive.
      second = await driverFor(
        far.port,
        {
          journal: sipDialogJournal(store.db, { ...node, now: () => clock.now() }),
          t1Ms: 2000,
          closeWaitMs: 300,
        },
        clock,
      );
      assert.notEqual(second.driver.address?.port, first.driver.address?.port);
      for (let i = 0; i < 10; i++) {
        await heartbeat(store.db, "node-a", clock.now() + 60_000);
        await clock.advance(LAPSED_LOOK_MS);
        await sleep(50);
        if (far.all("BYE ").some((d) => headerOf(d.text, "Call-ID") === sipCallId)) break;
      }
      const byes = far.all("BYE ").filter((d) => headerOf(d.text, "Call-ID") === sipCallId);
      assert.ok(
        byes.length > 0,
        `the callee of the killed run was never hung up (5 min later); the journal still holds ${JSON.stringify(await kept(store.db))}`,
      );
      far.reply(byes[0], 200, "OK");
      for (let i = 0; i < 100 && (await kept(store.db)).length > 0; i++) await sleep(20);
      assert.deepEqual(await kept(store.db), [], "the dialog forgotten once its BYE was answered");
    } finally {
      await second?.driver.close();
      await first.driver.close();
      await far.close();
      await store.close();
    }
  });
}
