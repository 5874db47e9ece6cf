// Two nodes on one database: a campaign's max concurrent calls and calls per second hold across them,
// because only the node holding the campaign's lease dials it; another takes over when that node shuts
// down (at once) or dies (once its lease expires). Runs on every dialect (PostgreSQL when configured).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { campaignHolder, holdCampaigns, releaseCampaigns } from "../../src/store/campaign-leases.ts";
import type { Store } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { peakConcurrency, peakPerSecond } from "../helpers/engine-harness.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { engineNode, type Node } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;

async function twoNodes(store: Store) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const node = (name: string, seed: number): Node => engineNode(store, clock, name, seed, LEASE_MS);
  const a = node("node-a", 1);
  const b = node("node-b", 2);
  const accountId = await createAccount(store, "acme", clock.now());
  await a.engine.run();
  await b.engine.run();
  const ids = await createCampaign(
    store,
    accountId,
    { maxConcurrent: 4, callsPerSecond: 2, maxAttemptsPerContact: 2 },
    { now: clock.now() },
  );
  await addContacts(
    store,
    { accountId, ...ids },
    Array.from({ length: 150 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    clock.now(),
  );
  const campaignId = ids.campaignId;
  const attempts = () =>
    store.db.selectFrom("attempts").selectAll().where("campaign_id", "=", campaignId).orderBy("id").execute();
  const unfinished = async () =>
    Number(
      (
        await store.db
          .selectFrom("contacts")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("campaign_id", "=", campaignId)
          .where("status", "in", ["pending", "in_progress"])
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { clock, a, b, accountId, campaignId, attempts, unfinished };
}

/**
 * Two engine nodes on `store` whose every call is answered and talks 5 minutes (each outlives its claim-time
 * lease of one minute), and a campaign of 9 contacts, 3 at a time, started on node `a`; `b` runs only with
 * `bRuns` (else the test starts it).
 */
async function longCallNodes(store: Store, names: [string, string], bRuns: boolean) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const longTalk = { outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 300 } };
  const engine = (nodeId: string) =>
    new Engine({
      store,
      clock,
      driver: new KeepingDriver(createDriver("sim", { clock }, { seed: 7, scenario: longTalk })),
      nodeId,
      leaseMs: LEASE_MS,
      maxChannels: null,
    });
  const a = engine(names[0]);
  const b = engine(names[1]);
  const accountId = await createAccount(store, "acme", clock.now());
  await a.run();
  if (bRuns) await b.run();
  const ids = await createCampaign(store, accountId, { maxConcurrent: 3 }, { now: clock.now() });
  await addContacts(
    store,
    { accountId, ...ids },
    Array.from({ length: 9 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    clock.now(),
  );
  await a.start(accountId, ids.campaignId);
  return { clock, a, b, ids };
}

for (const dialect of dialects()) {
  describe(`campaign leases [${dialect.name}]`, () => {
    test("two nodes never exceed the campaign's concurrency or calls per second together", async () => {
      const store = await dialect.open();
      const { clock, a, b, accountId, campaignId, attempts, unfinished } = await twoNodes(store);
      try {
        await b.engine.start(accountId, campaignId); // started through node B's API
        const explainA = await a.engine.explain(accountId, campaignId);
        assert.deepEqual(
          explainA.reasons.map((r) => r.code),
          ["other_node"],
        );
        assert.match(explainA.reasons[0].message, /node node-b dispatches/);
        assert.equal(explainA.dialing, true);
        await clock.run({ until: clock.now() + 6 * 3_600_000 });
        assert.equal(await unfinished(), 0);
        const all = await attempts();
        assert.ok(all.length >= 150, `${all.length} attempts`);
        assert.ok(peakConcurrency(all) <= 4, `peak concurrency ${peakConcurrency(all)}`);
        assert.ok(peakPerSecond(all) <= 2, `peak per second ${peakPerSecond(all)}`);
        assert.deepEqual(new Set(all.map((x) => x.owner)), new Set(["node-b"]));
        assert.equal(a.dialedAt.length, 0);
        assert.deepEqual([...a.errors, ...b.errors], []);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });

    test("leases: free or expired ones are taken, live ones kept; a deleted campaign blocks no renewal", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store, "acme", 0);
        const a = (await createCampaign(store, accountId, {}, { now: 0 })).campaignId;
        const b = (await createCampaign(store, accountId, {}, { now: 0 })).campaignId;
        const gone = (await createCampaign(store, accountId, {}, { now: 0 })).campaignId;
        await store.db.deleteFrom("campaigns").where("id", "=", gone).execute();
        const held = await holdCampaigns(store.db, "n1", [gone, b, a], 1000, 2000);
        assert.deepEqual(
          [...held].sort(([x], [y]) => x - y),
          [
            [a, { nodeId: "n1", expiresAt: 2000 }],
            [b, { nodeId: "n1", expiresAt: 2000 }],
          ],
        );
        const other = await holdCampaigns(store.db, "n2", [a, b], 1999, 3000);
        assert.equal(other.get(a)?.nodeId, "n1", "a live lease stays with its holder");
        await releaseCampaigns(store.db, "n1", [b]);
        const after = await holdCampaigns(store.db, "n2", [a, b], 2000, 3000);
        assert.deepEqual(
          [after.get(a), after.get(b)],
          [
            { nodeId: "n2", expiresAt: 3000 },
            { nodeId: "n2", expiresAt: 3000 },
          ],
        );
        assert.equal(await campaignHolder(store.db, a, 3000), null, "expired at 3000");
      } finally {
        await store.close();
      }
    });

    test("calls longer than a lease stay the live node's while another node sweeps; its death frees them", async () => {
      const store = await dialect.open();
      const { clock, a, b, ids } = await longCallNodes(store, ["node-a", "node-b"], true);
      try {
        await clock.run({ until: clock.now() + 4 * 60_000 });
        const inFlight = await store.db
          .selectFrom("contacts")
          .select(["lease_owner", "lease_expires_at"])
          .where("campaign_id", "=", ids.campaignId)
          .where("status", "=", "in_progress")
          .execute();
        assert.equal(inFlight.length, 3);
        for (const c of inFlight) {
          assert.equal(c.lease_owner, "node-a");
          // Far ahead: a node of an older version, which reads only this, leaves the call alone.
          assert.ok(Number(c.lease_expires_at) >= clock.now() + 23 * 3_600_000);
        }
        const ended = () =>
          store.db
            .selectFrom("attempts")
            .select(["outcome", "ended_at"])
            .where("campaign_id", "=", ids.campaignId)
            .where("outcome", "is not", null)
            .orderBy("id")
            .execute();
        await clock.run({ until: clock.now() + 8 * 60_000 });
        assert.deepEqual(
          (await ended()).map((x) => x.outcome),
          Array(6).fill("human"),
          "node B's sweeps took none of A's calls as lost",
        );

        // Node A dies with its last three calls up: B records them lost once A's heartbeat has lapsed.
        const diedAt = clock.now();
        await a.halt(); // stops every timer: no heartbeat, like a SIGKILL
        await clock.run({ until: diedAt + LEASE_MS / 2 });
        assert.equal((await ended()).length, 6, "nothing lost before the heartbeat lapses");
        await clock.run({ until: diedAt + 2 * LEASE_MS });
        const lost = (await ended()).slice(6);
        assert.deepEqual(
          lost.map((x) => x.outcome),
          ["lost", "lost", "lost"],
        );
        for (const l of lost) assert.ok(Number(l.ended_at) - diedAt <= LEASE_MS + LEASE_MS / 2 + 1);
      } finally {
        await a.shutdown();
        await b.shutdown();
        await store.close();
      }
    });

    test("calls left up by a graceful shutdown are settled by a process of another id within 1.5 leases", async () => {
      const store = await dialect.open();
      // The default node id is hostname-pid: a restart is another node.
      const { clock, a, b, ids } = await longCallNodes(store, ["host-111", "host-222"], false);
      try {
        await clock.run({ until: clock.now() + 60_000 });
        await a.shutdown();
        const stoppedAt = clock.now();
        const inProgress = async () =>
          (
            await store.db
              .selectFrom("contacts")
              .select("id")
              .where("campaign_id", "=", ids.campaignId)
              .where("status", "=", "in_progress")
              .where("lease_owner", "=", "host-111")
              .execute()
          ).length;
        assert.equal(await inProgress(), 3, "three calls were up at the shutdown");
        await b.run();
        // B's heartbeat prunes only heartbeats lapsed a day ago: A's row still says when A's hold ended.
        await clock.run({ until: stoppedAt + LEASE_MS + LEASE_MS / 2 + 1000 });
        assert.equal(await inProgress(), 0, "settled by the new process, not after the 24 h claim expiry");
      } finally {
        await a.shutdown();
        await b.shutdown();
        await store.close();
      }
    });

    test("a node that shuts down hands its campaign over at once; one that dies, when its lease expires", async () => {
      const store = await dialect.open();
      const { clock, a, b, accountId, campaignId, attempts, unfinished } = await twoNodes(store);
      try {
        await a.engine.start(accountId, campaignId);
        await clock.run({ until: clock.now() + 120_000 });
        assert.ok(a.dialedAt.length > 10 && b.dialedAt.length === 0);

        // A graceful stop: node B dials within its next look (every 5 s), not after the lease's minute.
        const stoppedAt = clock.now();
        await a.engine.shutdown();
        await clock.run({ until: clock.now() + 30_000 });
        assert.ok(b.dialedAt.length > 0, "node B took over");
        assert.ok(b.dialedAt[0] - stoppedAt <= 5_100, `node B began ${b.dialedAt[0] - stoppedAt} ms after`);

        // Node A comes back under its id, takes nothing (B holds the campaign); B then dies without a word.
        const a2 = new Engine({
          store,
          clock,
          driver: new KeepingDriver(createDriver("sim", { clock }, { seed: 3, scenario: "default" })),
          nodeId: "node-a",
          leaseMs: LEASE_MS,
          maxChannels: null,
        });
        await a2.run();
        const diedAt = clock.now();
        await b.engine.halt(); // stops every timer: no renewal, no release, like a SIGKILL
        const before = (await attempts()).length;
        await clock.run({ until: clock.now() + 6 * 3_600_000 });
        const after = await attempts();
        const a2Dials = after.slice(before).flatMap((x) => (x.owner === "node-a" ? [x.started_at] : []));
        assert.ok(a2Dials.length > 0, "node A took over again");
        const gap = Math.min(...a2Dials) - diedAt;
        assert.ok(gap >= LEASE_MS - LEASE_MS / 3 && gap <= LEASE_MS + 5_100, `takeover after ${gap} ms`);
        assert.equal(await unfinished(), 0);
        // Each node's own stretch kept the limits (the dead node's last calls count until reconciled).
        const mine = after.filter((x) => x.owner === "node-a" && x.started_at > diedAt);
        assert.ok(peakConcurrency(mine) <= 4 && peakPerSecond(mine) <= 2);
        await a2.shutdown();
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
}
