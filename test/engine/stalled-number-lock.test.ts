// One number of a campaign held by a claim stalled on another node (between its lock and its COMMIT: a
// paused VM, a partition): this node dials the campaign's other contacts and keeps its heartbeat. A claim
// that waited for the lock stopped the node's dispatching, and its heartbeat lapsed with its calls up.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of dialects().filter((d) => d.name === "postgres")) {
  describe(`an uncapped campaign beside a stalled claim of one of its numbers [${dialect.name}]`, () => {
    test("keeps its heartbeat and dials its other contacts", { timeout: 30_000 }, async () => {
      const store = await dialect.open();
      const clock = new WallClock();
      const longTalk = { outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 60 } };
      const driver = new KeepingDriver(createDriver("sim", { clock }, { seed: 1, scenario: longTalk }));
      const errors: unknown[] = [];
      const engine = new Engine({
        store,
        clock,
        driver,
        nodeId: "node-a",
        leaseMs: LEASE_MS,
        maxChannels: null,
        onError: (e) => errors.push(e),
      });
      const stalled = await (store.pool as NonNullable<typeof store.pool>).connect(); // node B's claim, stopped between its lock and its COMMIT
      try {
        const now = Date.now();
        const accountId = await createAccount(store, "acme", now);
        const ids = await createCampaign(store, accountId, { maxConcurrent: 10 }, { now });
        const phones = Array.from({ length: 10 }, (_, i) => `+1202555${String(1000 + i)}`);
        await addContacts(
          store,
          { accountId, ...ids },
          phones.map((p) => ({ phones: [p] })),
          now,
        );
        await stalled.query("BEGIN");
        await stalled.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
          `${accountId}:${phones[9]}`,
        ]);
        await engine.run();
        await engine.start(accountId, ids.campaignId);
        await sleep(4 * LEASE_MS);
        const hb = await store.db.selectFrom("node_heartbeats").select(["node_id", "alive_until"]).execute();
        const alive = hb.find((h) => h.node_id === "node-a");
        assert.ok(
          alive && Number(alive.alive_until) > Date.now(),
          "node A's heartbeat lapsed while it was alive",
        );
        assert.ok(
          driver.requests.length >= 9,
          `node A dialed ${driver.requests.length} of its 9 free contacts`,
        );
      } finally {
        await stalled.query("ROLLBACK").catch(() => {});
        stalled.release();
        await engine.stopDialing();
        await driver.close();
        await engine.shutdown();
        await store.close();
      }
    });
  });
}

for (const dialect of dialects())
  describe(`a node whose dispatch pass is stuck on the database [${dialect.name}]`, () => {
    test("keeps its heartbeat: its calls are not another node's to record lost", async () => {
      const store = await dialect.open();
      const clock = new WallClock();
      const driver = new KeepingDriver(createDriver("sim", { clock }, { seed: 1, scenario: "all_human" }));
      const engine = new Engine({
        store,
        clock,
        driver,
        nodeId: "node-a",
        leaseMs: LEASE_MS,
        maxChannels: null,
      });
      let unstick = () => {};
      try {
        const now = Date.now();
        const accountId = await createAccount(store, "acme", now);
        const ids = await createCampaign(store, accountId, { maxConcurrent: 2 }, { now });
        const phones = Array.from({ length: 10 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] }));
        await addContacts(store, { accountId, ...ids }, phones, now);
        await engine.run();
        await engine.start(accountId, ids.campaignId);
        await sleep(500);
        // From now on every claim hangs (a query that never returns), and the pass with it.
        engine.dispatch.claim = () =>
          new Promise((_resolve, reject) => {
            unstick = () => reject(new Error("the query gave up"));
          });
        await sleep(4 * LEASE_MS);
        const beat = await store.db
          .selectFrom("node_heartbeats")
          .select("alive_until")
          .where("node_id", "=", "node-a")
          .executeTakeFirstOrThrow();
        assert.ok(Number(beat.alive_until) > Date.now(), "the heartbeat is alive four leases on");
      } finally {
        unstick();
        await engine.stopDialing().catch(() => {});
        await driver.close();
        await engine.shutdown().catch(() => {});
        await store.close();
      }
    });
  });
