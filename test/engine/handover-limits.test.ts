// Two nodes on one database: what a node that takes a campaign over or hears of a command through another
// node must keep. Calls per second hold across a graceful handover (the taking node spaced its first dial
// from its own stale view, 300 ms after the other node's last at 1 call/s); and a stop served by another
// node hangs up the calls still ringing here even when this node had already seen a pause before it
// (they rang on and were answered after the stop).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const phones = (n: number) => Array.from({ length: n }, (_, i) => ({ phones: [`+1202555${1000 + i}`] }));

for (const dialect of dialects())
  describe(`limits across nodes [${dialect.name}]`, () => {
    test("calls per second: the taking node's first dial keeps the spacing from the handing node's last", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(T0);
      const a = engineNode(store, clock, "node-a", 1, LEASE_MS);
      const b = engineNode(store, clock, "node-b", 2, LEASE_MS);
      try {
        const accountId = await createAccount(store, "acme", clock.now());
        await a.engine.run();
        await b.engine.run();
        const ids = await createCampaign(
          store,
          accountId,
          { maxConcurrent: 20, callsPerSecond: 1 },
          { now: T0 },
        );
        await addContacts(store, { accountId, ...ids }, phones(200), T0);
        // Started 4.7 s into B's 5 s look cycle: A dials at ...9.7 s, B looks at ...10.0 s.
        await clock.run({ until: T0 + 4_700 });
        await a.engine.start(accountId, ids.campaignId);
        await clock.run({ until: T0 + 9_700 });
        const lastA = a.dialedAt[a.dialedAt.length - 1];
        await a.engine.shutdown(); // a rolling upgrade: node A stops gracefully right after a dial
        await clock.run({ until: clock.now() + 10_000 });
        assert.ok(b.dialedAt.length > 0, "B took the campaign over");
        const gap = b.dialedAt[0] - lastA;
        assert.ok(gap >= 1000, `two dials ${gap} ms apart at 1 call/s`);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });

    for (const where of ["this node", "another node"] as const) {
      test(`a stop after a pause, served by ${where}, hangs up the calls still ringing`, async () => {
        const store = await dialect.open();
        const clock = new VirtualClock(T0);
        // Every call rings 20 s, then a person answers.
        const slowRing = {
          outcomes: { human: 1 },
          postDialSec: { kind: "fixed", value: 0 },
          ringSec: { kind: "fixed", value: 20 },
          talkSec: { kind: "fixed", value: 30 },
        };
        const node = (nodeId: string) => {
          const driver = new KeepingDriver(createDriver("sim", { clock }, { seed: 1, scenario: slowRing }));
          const engine = new Engine({ store, clock, driver, nodeId, leaseMs: LEASE_MS, maxChannels: null });
          return { driver, engine };
        };
        const a = node("node-a");
        const b = node("node-b");
        try {
          const accountId = await createAccount(store, "acme", T0);
          await a.engine.run();
          await b.engine.run();
          const ids = await createCampaign(store, accountId, { maxConcurrent: 3 }, { now: T0 });
          await addContacts(store, { accountId, ...ids }, phones(10), T0);
          await a.engine.start(accountId, ids.campaignId);
          await clock.run({ until: T0 + 1_000 });
          assert.equal(a.driver.requests.length, 3, "three calls ringing on node A");
          const commands = where === "this node" ? a.engine : b.engine;
          await commands.pause(accountId, ids.campaignId);
          await clock.run({ until: T0 + 7_000 }); // node A has looked again and seen the pause
          const stoppedAt = clock.now();
          await commands.stop(accountId, ids.campaignId);
          await clock.run({ until: T0 + 120_000 });
          const rows = await store.db
            .selectFrom("attempts")
            .select(["outcome", "answered_at"])
            .where("campaign_id", "=", ids.campaignId)
            .execute();
          assert.equal(rows.length, 3);
          const answeredAfter = rows.filter((r) => r.answered_at !== null && r.answered_at > stoppedAt);
          assert.equal(answeredAfter.length, 0, "no call answered after the stop");
          assert.equal(a.driver.hangups.length, 3);
        } finally {
          await a.engine.shutdown();
          await b.engine.shutdown();
          await store.close();
        }
      });
    }
  });
