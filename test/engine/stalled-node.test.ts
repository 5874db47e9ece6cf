// A node whose event loop stalls past its lease (a VM pause, SIGSTOP, a long collection): another node takes
// the campaign over and records the stalled node's calls lost, as the README says. When the stalled node runs
// again, the dials it had queued for a calls-per-second slot before the stall must not go out without the
// lease (they did: a real call on record as lost, and the contact called again by the other node).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Clock, TimerHandle } from "../../src/clock/clock.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;

/** One process's view of the shared virtual clock: while stalled, its timers wait and then run in order. */
class StallableClock implements Clock {
  readonly virtual = true;
  stalled = false;
  private deferred: (() => void | Promise<void>)[] = [];
  constructor(private readonly inner: VirtualClock) {}
  now(): number {
    return this.inner.now();
  }
  at(at: number, fn: () => void | Promise<void>): TimerHandle {
    let cancelled = false;
    const run = () => (cancelled ? undefined : fn());
    const h = this.inner.at(at, () => {
      if (this.stalled) this.deferred.push(run);
      else return run();
    });
    return {
      cancel: () => {
        cancelled = true;
        h.cancel();
      },
    };
  }
  after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    return this.at(this.inner.now() + ms, fn);
  }
  async resume(): Promise<void> {
    this.stalled = false;
    const due = this.deferred;
    this.deferred = [];
    for (const fn of due) await fn();
  }
}

for (const dialect of dialects()) {
  describe(`a node stalled past its lease [${dialect.name}]`, () => {
    test("dials nothing once it runs again while another node holds the campaign", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
      const clock = new VirtualClock(t0);
      const aClock = new StallableClock(clock);
      const aDriver = new KeepingDriver(
        createDriver("sim", { clock: aClock }, { seed: 1, scenario: "default", maxChannels: null }),
      );
      const aDialedAt: number[] = [];
      const orig = aDriver.originate.bind(aDriver);
      aDriver.originate = (req) => {
        aDialedAt.push(clock.now());
        orig(req);
      };
      const a = new Engine({
        store,
        clock: aClock,
        driver: aDriver,
        nodeId: "node-a",
        leaseMs: LEASE_MS,
        maxChannels: null,
      });
      const b = engineNode(store, clock, "node-b", 2, LEASE_MS);
      try {
        const accountId = await createAccount(store, "acme", t0);
        await a.run();
        await b.engine.run();
        const ids = await createCampaign(
          store,
          accountId,
          { maxConcurrent: 10, callsPerSecond: 2 },
          { now: t0 },
        );
        await addContacts(
          store,
          { accountId, ...ids },
          Array.from({ length: 500 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
          t0,
        );
        await a.start(accountId, ids.campaignId);
        await clock.run({ until: t0 + 20_000 });
        // Stop at a moment when node A has a dial claimed and waiting for its slot.
        const queued = () => [...a.dispatcher.liveCalls.values()].filter((c) => !c.originated);
        while (queued().length === 0) await clock.run({ until: clock.now() + 50 });
        const waiting = queued().map((c) => c.contact.id);
        const stalledAt = clock.now();
        aClock.stalled = true; // node A's event loop stops here, for 100 s
        await clock.run({ until: stalledAt + 100_000 });
        assert.ok(b.dialedAt.length > 0, "node B took the campaign over");
        const before = aDialedAt.length;
        await aClock.resume(); // node A runs again: its overdue timers fire
        const late = aDialedAt.slice(before);
        await clock.run({ until: clock.now() + 1_000 });
        const rows = await store.db
          .selectFrom("attempts")
          .select(["contact_id", "owner", "outcome"])
          .where("contact_id", "in", waiting)
          .orderBy("id")
          .execute();
        // Node B recorded node A's attempts lost and dials those contacts again itself.
        assert.ok(
          rows.some((r) => r.owner === "node-a" && r.outcome === "lost"),
          JSON.stringify(rows),
        );
        assert.equal(late.length, 0, `node A dialed ${late.length} call(s) without the campaign's lease`);
      } finally {
        aClock.stalled = false;
        await a.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
}

for (const dialect of dialects()) {
  describe(`a node stalled inside its pass's claim (its slot due at once) [${dialect.name}]`, () => {
    test("dials nothing it claimed before the stall once another node holds the campaign", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
      const clock = new VirtualClock(t0);
      const aClock = new StallableClock(clock);
      const aDriver = new KeepingDriver(
        createDriver("sim", { clock: aClock }, { seed: 1, scenario: "default", maxChannels: null }),
      );
      const aDials: { at: number; phone: string }[] = [];
      const orig = aDriver.originate.bind(aDriver);
      aDriver.originate = (req) => {
        aDials.push({ at: clock.now(), phone: req.to });
        orig(req);
      };
      const a = new Engine({
        store,
        clock: aClock,
        driver: aDriver,
        nodeId: "node-a",
        leaseMs: LEASE_MS,
        maxChannels: null,
      });
      const b = engineNode(store, clock, "node-b", 2, LEASE_MS);
      let stallNext = false;
      let stalledClaimIds: number[] = [];
      let stallEnd = 0;
      const realClaim = a.dispatch.claim.bind(a.dispatch);
      a.dispatch.claim = async (req) => {
        const r = await realClaim(req);
        if (stallNext && r.started.length > 0) {
          stallNext = false;
          stalledClaimIds = r.started.map((s) => s.contact.id);
          // Node A stops here for 100 s (a GC pause, a paused VM, a claim that sat in a dead connection).
          aClock.stalled = true;
          await clock.run({ until: clock.now() + 100_000 });
          stallEnd = clock.now();
          aClock.stalled = false;
          setImmediate(() => void aClock.resume());
        }
        return r;
      };
      try {
        const accountId = await createAccount(store, "acme", t0);
        await a.run();
        await b.engine.run();
        const ids = await createCampaign(
          store,
          accountId,
          { maxConcurrent: 10, callsPerSecond: 2 },
          { now: t0 },
        );
        await addContacts(
          store,
          { accountId, ...ids },
          Array.from({ length: 500 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
          t0,
        );
        await a.start(accountId, ids.campaignId);
        await clock.run({ until: t0 + 20_000 });
        stallNext = true;
        await clock.run({ until: t0 + 200_000, stop: () => stallEnd > 0 });
        assert.ok(stallEnd > 0, "the stall happened");
        assert.ok(b.dialedAt.length > 0, "node B took the campaign over");
        await clock.run({ until: clock.now() + 2_000 });
        const late = aDials.filter((d) => d.at >= stallEnd);
        const rows = await store.db
          .selectFrom("attempts")
          .select(["contact_id", "owner", "outcome", "started_at"])
          .where("contact_id", "in", stalledClaimIds)
          .orderBy("id")
          .execute();
        assert.ok(
          rows.some((r) => r.owner === "node-a" && r.outcome === "lost"),
          JSON.stringify(rows),
        );
        assert.equal(late.length, 0, `node A dialed ${late.length} call(s) without the campaign's lease`);
      } finally {
        aClock.stalled = false;
        await a.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
}
