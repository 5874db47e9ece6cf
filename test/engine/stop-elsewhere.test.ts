// A campaign stopped or paused through another node's API: the node that holds its lease and dials it sees
// the change at its next look (every 5 s) and places no new call, even while calls of its own are still on
// the line; and what it writes itself (a scheduled campaign's start, completion once drained) does not undo
// the other node's change.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import type { Store } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

async function twoNodes(store: Store, settings: Partial<CampaignSettings> = {}, contacts = 2000) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const node = (name: string, seed: number) => engineNode(store, clock, name, seed, 60_000);
  const a = node("node-a", 1);
  const b = node("node-b", 2);
  const accountId = await createAccount(store, "acme", clock.now());
  await a.engine.run();
  await b.engine.run();
  const { campaignId, ...ids } = await createCampaign(
    store,
    accountId,
    { maxConcurrent: 10, callsPerSecond: 5, maxAttemptsPerContact: 3, ...settings },
    { now: clock.now() },
  );
  await addContacts(
    store,
    { accountId, campaignId, ...ids },
    Array.from({ length: contacts }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    clock.now(),
  );
  return { clock, a, b, accountId, campaignId };
}

for (const dialect of dialects()) {
  describe(`a campaign stopped or paused on another node [${dialect.name}]`, () => {
    test("the node dialing it places no new call once it has looked again, calls in flight or not", async () => {
      const store = await dialect.open();
      const { clock, a, b, accountId, campaignId } = await twoNodes(store);
      try {
        await a.engine.start(accountId, campaignId);
        await clock.run({ until: clock.now() + 60_000 });
        assert.ok(a.dialedAt.length >= 10, `node A dialed ${a.dialedAt.length}`);
        assert.equal(b.dialedAt.length, 0);
        assert.ok(a.engine.dispatcher.inFlight > 0, "node A has calls on the line");

        const stoppedAt = clock.now();
        assert.equal(await b.engine.stop(accountId, campaignId), "stopped"); // through node B's API
        await clock.run({ until: clock.now() + 120_000 });
        const late = a.dialedAt.filter((t) => t > stoppedAt + 6_000);
        assert.equal(late.length, 0, `node A dialed ${late.length} calls after the stop`);
        // A stop hangs up the calls not answered yet, on the node that has them too.
        assert.ok(a.driver.hangups.length > 0, "node A hung up its unanswered calls");
        const row = await store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", campaignId)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, "stopped");
        assert.deepEqual([...a.errors, ...b.errors], []);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });

    test("a scheduled campaign paused elsewhere just before its start time stays paused and undialed", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
      const startAt = t0 + 62_500; // between two of the dialing node's looks at the database
      const { clock, a, b, accountId, campaignId } = await twoNodes(store, { startAt });
      try {
        assert.equal(await a.engine.start(accountId, campaignId), "scheduled");
        await clock.run({ until: startAt - 100 });
        assert.equal(await b.engine.pause(accountId, campaignId), "paused"); // through node B's API
        await clock.run({ until: startAt + 60_000 });
        const row = await store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", campaignId)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, "paused");
        assert.equal(a.dialedAt.length + b.dialedAt.length, 0, "nothing dialed while paused");
        assert.deepEqual([...a.errors, ...b.errors], []);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
    test("a campaign paused elsewhere whose last call ends before the dialing node looks again stays paused", async () => {
      const store = await dialect.open();
      const { clock, a, b, accountId, campaignId } = await twoNodes(store, { maxAttemptsPerContact: 1 }, 1);
      try {
        await a.engine.start(accountId, campaignId);
        await clock.run({ until: clock.now() + 500 });
        assert.equal(a.dialedAt.length, 1);
        assert.equal(a.engine.dispatcher.inFlight, 1, "the one call is on the line");
        assert.equal(await b.engine.pause(accountId, campaignId), "paused"); // through node B's API
        // The call ends (the callee hangs up) before node A has read the pause: its last contact is now final.
        a.driver.hangup(a.driver.requests[0].callId);
        await clock.run({ until: clock.now() + 30_000 });
        assert.equal(a.engine.dispatcher.inFlight, 0);
        const row = await store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", campaignId)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, "paused", "node A's completion wrote over the pause");
        assert.deepEqual([...a.errors, ...b.errors], []);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
}
