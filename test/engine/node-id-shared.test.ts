// One node id, two processes. A start takes every lease and agent session under its id for an earlier,
// dead process's; a second LIVE process under the id (two containers with host networking, each pid 1 on
// one host name, or one OUTDIAL_NODE_ID given to two) took the first's calls for lost and dialed those
// people again while they were still on the line. Now the default id differs per process, and a start
// under an id whose heartbeat another live process renews is refused, touching nothing; a killed process's
// heartbeat is waited out (at most one lease); a cleanly stopped one's is let go at once.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { loadConfig } from "../../src/config/config.ts";
import { Engine } from "../../src/engine/engine.ts";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { NodeIdInUseError } from "../../src/store/dispatch/types.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;
/** Every call answered, on the line for ten minutes: still up whenever the second process starts. */
const LONG_TALK = { outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 600 } };

test("the default node id differs between processes on one host name with one pid", () => {
  // Two containers with host networking: one host name, each pid 1. Two loads stand for two processes.
  assert.notEqual(loadConfig({}).nodeId, loadConfig({}).nodeId);
});

/** Process `token` as an engine under node id "node-a" (every process in a test shares one OS process). */
function nodeAProcess(store: Store, clock: VirtualClock, token: string) {
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    driver: new KeepingDriver(createDriver("sim", { clock }, { seed: 7, scenario: LONG_TALK })),
    nodeId: "node-a",
    processToken: token,
    leaseMs: LEASE_MS,
    maxChannels: null,
    onError: (err) => errors.push(err),
  });
  return { engine, errors };
}

/** Process A running with 5 calls on the line, and an agent logged in on it. */
async function processAWithCalls(store: Store) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const a = nodeAProcess(store, clock, "process-a");
  const accountId = await createAccount(store, "acme", clock.now());
  const ids = await createCampaign(
    store,
    accountId,
    { maxConcurrent: 5, maxAttemptsPerContact: 3 },
    { now: clock.now() },
  );
  await addContacts(
    store,
    { accountId, ...ids },
    Array.from({ length: 5 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
    clock.now(),
  );
  const desk = await createCampaign(store, accountId, { dialMethod: "progressive" } as never, {
    name: "desk",
    now: clock.now(),
  });
  const agent = await createAgent(
    store.db,
    accountId,
    { name: "Ann", userId: null, extension: null },
    clock.now(),
  );
  assert.equal(
    await setCampaignAgents(
      store,
      accountId,
      desk.campaignId,
      [{ agentId: agent.id, penalty: 0 }],
      clock.now(),
    ),
    null,
  );
  await a.engine.run();
  await a.engine.agents.login(accountId, agent.id, desk.campaignId);
  await a.engine.start(accountId, ids.campaignId);
  await clock.run({ until: clock.now() + 30_000 });
  const attempts = () =>
    store.db
      .selectFrom("attempts")
      .select(["contact_id", "outcome", "owner"])
      .where("campaign_id", "=", ids.campaignId)
      .orderBy("id")
      .execute();
  const session = async () =>
    (
      await store.db
        .selectFrom("agent_sessions")
        .select("node_id")
        .where("agent_id", "=", agent.id)
        .executeTakeFirst()
    )?.node_id ?? null;
  const inProgress = async () =>
    (
      await store.db
        .selectFrom("contacts")
        .select(["lease_owner"])
        .where("campaign_id", "=", ids.campaignId)
        .where("status", "=", "in_progress")
        .execute()
    ).map((c) => c.lease_owner);
  assert.deepEqual(await inProgress(), Array(5).fill("node-a"), "five calls up on process A");
  assert.equal(await session(), "node-a");
  return { clock, a, attempts, session, inProgress };
}

/** The campaign leases and agent sessions held under node ids. */
async function heldUnder(store: Store) {
  return {
    leases: await store.db
      .selectFrom("campaign_leases")
      .select(["campaign_id", "node_id"])
      .orderBy("campaign_id")
      .execute(),
    sessions: await store.db
      .selectFrom("agent_sessions")
      .select(["agent_id", "node_id"])
      .orderBy("agent_id")
      .execute(),
  };
}

/**
 * `engine.run()` with the virtual clock driven meanwhile: when (virtual time) it claimed the node id (or,
 * with no claim, ended), or the error it refused it with. The clock waits on each claim's statements, so
 * that a claim read in real time is not overtaken by virtual time jumping past the wait that follows it.
 */
async function runWhileClockRuns(clock: VirtualClock, engine: Engine, forMs: number) {
  const dispatch = engine.dispatch;
  const claim = dispatch.claimHeartbeat.bind(dispatch);
  let claiming: Promise<void> = Promise.resolve();
  let claimedAt: number | null = null;
  dispatch.claimHeartbeat = (...args) => {
    const p = claim(...args).then((holder) => {
      if (holder === null) claimedAt = clock.now();
      return holder;
    });
    claiming = p.then(
      () => {},
      () => {},
    );
    return p;
  };
  let ticker = clock.after(0, function tick() {
    ticker = clock.after(1000, tick);
    return claiming;
  });
  let error: unknown = null;
  let settledAt: number | null = null;
  const running = engine.run().then(
    () => {
      settledAt = clock.now();
    },
    (err: unknown) => {
      error = err;
      settledAt = clock.now();
    },
  );
  try {
    await clock.run({ until: clock.now() + forMs, stop: () => settledAt !== null });
    // A run() that waits on nothing (no claim: before 029) may still be on its statements.
    if (settledAt === null && claimedAt === null) await Promise.race([running, sleep(5_000)]);
    assert.ok(settledAt !== null || claimedAt !== null, `run() still waiting after ${forMs} ms`);
    await running;
  } finally {
    ticker.cancel();
    dispatch.claimHeartbeat = claim;
  }
  return { startedAt: claimedAt ?? settledAt, error };
}

for (const dialect of dialects()) {
  describe(`one node id, two processes [${dialect.name}]`, () => {
    test("a second live process under the id is refused, and takes none of the first's calls or agents", async () => {
      const store = await dialect.open();
      const { clock, a, attempts, session, inProgress } = await processAWithCalls(store);
      const b = nodeAProcess(store, clock, "process-b");
      try {
        const startedAt = clock.now();
        const started = await runWhileClockRuns(clock, b.engine, 2 * LEASE_MS);
        assert.ok(started.error instanceof NodeIdInUseError, `refused, not ${String(started.error)}`);
        assert.match(String(started.error), /another live process uses node id node-a .*OUTDIAL_NODE_ID/);
        assert.ok(clock.now() - startedAt <= LEASE_MS, `refused after ${clock.now() - startedAt} ms`);
        // What a failed server start does with its engine (server.ts closeAll): lets go of nothing of A's.
        await b.engine.shutdown();
        assert.deepEqual(await inProgress(), Array(5).fill("node-a"), "A's calls are still A's");
        assert.equal(await session(), "node-a", "A's agent is still logged in on A");

        await clock.run({ until: clock.now() + 15 * 60_000 });
        const all = await attempts();
        assert.equal(all.length, 5, `each person called once: ${JSON.stringify(all)}`);
        assert.deepEqual(
          all.filter((x) => x.outcome === "lost"),
          [],
        );
        assert.deepEqual(a.errors, []);
      } finally {
        await a.engine.shutdown();
        await store.close();
      }
    });

    test("a killed process's heartbeat is waited out, at most a lease, then its calls are taken over", async () => {
      const store = await dialect.open();
      const { clock, a, attempts, session } = await processAWithCalls(store);
      const b = nodeAProcess(store, clock, "process-b");
      try {
        await a.engine.halt(); // stops every timer: no renewal, no release, like a SIGKILL
        const killedAt = clock.now();
        const row = await store.db
          .selectFrom("node_heartbeats")
          .select("alive_until")
          .where("node_id", "=", "node-a")
          .executeTakeFirstOrThrow();
        const aliveUntil = Number(row.alive_until);
        assert.ok(aliveUntil > killedAt);
        const started = await runWhileClockRuns(clock, b.engine, 2 * LEASE_MS);
        assert.equal(started.error, null);
        const at = Number(started.startedAt);
        assert.ok(
          at > aliveUntil && at - killedAt <= LEASE_MS,
          `started ${at - killedAt} ms after the kill; A's heartbeat lapsed ${aliveUntil - killedAt} ms after`,
        );
        assert.equal(await session(), null, "the dead process's agent session ended");
        await clock.run({ until: clock.now() + 5_000 });
        const lost = (await attempts()).filter((x) => x.outcome === "lost");
        assert.equal(lost.length, 5, "the dead process's calls are recorded lost");
        assert.deepEqual(b.errors, []);
      } finally {
        await b.engine.shutdown();
        await store.close();
      }
    });

    test("a cleanly stopped process lets the id go: a restart under it starts at once", async () => {
      const store = await dialect.open();
      const { clock, a } = await processAWithCalls(store);
      const b = nodeAProcess(store, clock, "process-b");
      try {
        await a.engine.shutdown();
        const stoppedAt = clock.now();
        const started = await runWhileClockRuns(clock, b.engine, 2 * LEASE_MS);
        assert.equal(started.error, null);
        assert.equal(started.startedAt, stoppedAt);
      } finally {
        await b.engine.shutdown();
        await store.close();
      }
    });

    // A start that failed (or a process whose id was taken) closes its engine: what it lets go of then must
    // be its own, not the live process's campaign leases and agent sessions under the same id (review45).
    test("a start whose claim fails on a statement while it waits lets go of nothing under the id", async () => {
      const store = await dialect.open();
      const { clock, a } = await processAWithCalls(store);
      const b = nodeAProcess(store, clock, "process-b");
      try {
        const before = await heldUnder(store);
        assert.equal(before.leases.length, 1, "A holds its robot campaign");
        const claim = b.engine.dispatch.claimHeartbeat.bind(b.engine.dispatch);
        let claims = 0;
        b.engine.dispatch.claimHeartbeat = async (...args) => {
          if (++claims === 2) throw new Error("Connection terminated unexpectedly");
          return claim(...args);
        };
        const started = await runWhileClockRuns(clock, b.engine, LEASE_MS);
        assert.match(String(started.error), /Connection terminated/);
        await b.engine.shutdown(); // as a failed server start closes what it made
        assert.deepEqual(await heldUnder(store), before);
      } finally {
        await a.engine.shutdown();
        await store.close();
      }
    });

    test("a process whose id another took after its heartbeat lapsed lets go of nothing at its shutdown", async () => {
      const store = await dialect.open();
      const { clock, a } = await processAWithCalls(store);
      const b = nodeAProcess(store, clock, "process-b");
      try {
        await a.engine.halt(); // A stalls (a paused VM): none of its timers fire
        await clock.run({ until: clock.now() + 2 * LEASE_MS });
        const started = await runWhileClockRuns(clock, b.engine, LEASE_MS);
        assert.equal(started.error, null);
        await clock.run({ until: clock.now() + 10_000 });
        const before = await heldUnder(store);
        assert.equal(before.leases.length, 1, "B holds the robot campaign");
        // A resumes: its next renewal (the dispatch pass's maintenance) finds the id B's.
        const renew = (a.engine as unknown as { renewHeartbeat(now: number): Promise<void> }).renewHeartbeat;
        await assert.rejects(renew(clock.now()), NodeIdInUseError);
        await a.engine.shutdown();
        assert.deepEqual(await heldUnder(store), before);
      } finally {
        await b.engine.shutdown();
        await store.close();
      }
    });

    test("a heartbeat row is one process's: claimed free, legacy or lapsed; renewed only by its process", async () => {
      const store = await dialect.open();
      try {
        const ds = openDispatchStore(store);
        assert.equal(await ds.claimHeartbeat("n", "p1", 5_000, 0), null, "no row: claimed");
        assert.deepEqual(await ds.claimHeartbeat("n", "p2", 6_000, 1_000), {
          token: "p1",
          aliveUntil: 5_000,
        });
        assert.equal(await ds.claimHeartbeat("n", "p1", 7_000, 2_000), null, "its own again");
        await ds.heartbeat("n", 8_000, 3_000, "p1");
        // Process p1 stalls past its lapse; p2 takes the id; p1's next renewal fails rather than share it.
        // Lapsed once past alive_until, as the sweep judges p1's contacts (leaseLapsed).
        assert.deepEqual(await ds.claimHeartbeat("n", "p2", 20_000, 8_000), {
          token: "p1",
          aliveUntil: 8_000,
        });
        assert.equal(await ds.claimHeartbeat("n", "p2", 20_000, 8_001), null, "lapsed: claimed");
        await assert.rejects(ds.heartbeat("n", 21_000, 9_000, "p1"), NodeIdInUseError);
        const row = await store.db.selectFrom("node_heartbeats").selectAll().executeTakeFirstOrThrow();
        assert.deepEqual([row.process_token, Number(row.alive_until)], ["p2", 20_000]);
        // Let go (a clean shutdown): taken at once; a row without a token (before 029) too.
        await ds.releaseHeartbeat("n", "p1"); // not p1's: changes nothing
        assert.deepEqual(await ds.claimHeartbeat("n", "p3", 21_000, 10_000), {
          token: "p2",
          aliveUntil: 20_000,
        });
        await ds.releaseHeartbeat("n", "p2");
        assert.equal(await ds.claimHeartbeat("n", "p3", 21_000, 10_000), null);
        await store.db
          .insertInto("node_heartbeats")
          .values({ node_id: "legacy", alive_until: 50_000, process_token: null })
          .execute();
        assert.equal(await ds.claimHeartbeat("legacy", "p4", 51_000, 10_000), null);
      } finally {
        await store.close();
      }
    });
  });
}
