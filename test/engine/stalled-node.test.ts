// A node whose event loop stalls past its lease (a VM pause, SIGSTOP, a long collection): another node takes
// the campaign over and records the stalled node's calls lost, as the README says. When the stalled node runs
// again, the dials it had queued for a calls-per-second slot before the stall must not go out without the
// lease (they did: a real call on record as lost, and the contact called again by the other node). Such a
// dial, claimed ahead of its slot, is reserved until it goes out: the other node gives its contact back
// untouched rather than recording an attempt lost; a dial slotted at once is recorded lost.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Store } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { stallablePair } from "../helpers/stallable-pair.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;

/** Node A (whose clock can stall) and node B on one store, A dialing a 2 calls/s campaign for 20 s. */
async function nodeADialing(store: Store) {
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  const { clock, aClock, a, aDialed, b, close } = stallablePair(store, t0, LEASE_MS, { a: "default" });
  const start = async () => {
    const accountId = await createAccount(store, "acme", t0);
    await a.run();
    await b.engine.run();
    const ids = await createCampaign(store, accountId, { maxConcurrent: 10, callsPerSecond: 2 }, { now: t0 });
    const phones = Array.from({ length: 500 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] }));
    await addContacts(store, { accountId, ...ids }, phones, t0);
    await a.start(accountId, ids.campaignId);
    await clock.run({ until: t0 + 20_000 });
  };
  /** Node B settled node A's attempts of these contacts (recorded them lost, or, `given back`, gave the
   *  contacts back with no attempt of A's left), and A placed no call after `since`. */
  const assertNoDialWithoutLease = async (
    contactIds: number[],
    since: number,
    settled: "lost" | "given back",
  ) => {
    const rows = await store.db
      .selectFrom("attempts")
      .select(["contact_id", "owner", "outcome"])
      .where("contact_id", "in", contactIds)
      .orderBy("id")
      .execute();
    const ofA = rows.filter((r) => r.owner === "node-a");
    assert.ok(
      settled === "lost" ? ofA.some((r) => r.outcome === "lost") : ofA.length === 0 && rows.length > 0,
      `${settled}: ${JSON.stringify(rows)}`,
    );
    const late = aDialed.filter((d) => d.at >= since).length;
    assert.equal(late, 0, `node A dialed ${late} call(s) without the campaign's lease`);
  };
  return { clock, aClock, a, b, start, close, assertNoDialWithoutLease };
}

for (const dialect of dialects())
  describe(`a node stalled past its lease [${dialect.name}]`, () => {
    test("dials nothing it had queued for a slot once it runs again while another node holds the campaign", async () => {
      const n = await nodeADialing(await dialect.open());
      try {
        await n.start();
        // Stop at a moment when node A has a dial claimed and waiting for its slot.
        const queued = () => [...n.a.dispatcher.liveCalls.values()].filter((c) => !c.originated);
        while (queued().length === 0) await n.clock.run({ until: n.clock.now() + 50 });
        const waiting = queued().map((c) => c.contact.id);
        n.aClock.stalled = true; // node A's event loop stops here, for 100 s
        await n.clock.run({ until: n.clock.now() + 100_000 });
        assert.ok(n.b.dialedAt.length > 0, "node B took the campaign over");
        const resumedAt = n.clock.now();
        await n.aClock.resume(); // node A runs again: its overdue timers fire
        await n.clock.run({ until: n.clock.now() + 1_000 });
        await n.assertNoDialWithoutLease(waiting, resumedAt, "given back");
      } finally {
        await n.close();
      }
    });

    test("dials nothing a claim took just before the stall (its slot due at once)", async () => {
      const n = await nodeADialing(await dialect.open());
      let stallNext = false;
      let stalledClaimIds: number[] = [];
      let stallEnd = 0;
      const realClaim = n.a.dispatch.claim.bind(n.a.dispatch);
      n.a.dispatch.claim = async (req) => {
        const r = await realClaim(req);
        if (stallNext && r.started.length > 0) {
          stallNext = false;
          stalledClaimIds = r.started.map((s) => s.contact.id);
          // Node A stops here for 100 s (a GC pause, a paused VM, a claim that sat in a dead connection).
          n.aClock.stalled = true;
          await n.clock.run({ until: n.clock.now() + 100_000 });
          stallEnd = n.clock.now();
          n.aClock.stalled = false;
          setImmediate(() => void n.aClock.resume());
        }
        return r;
      };
      try {
        await n.start();
        stallNext = true;
        await n.clock.run({ until: n.clock.now() + 180_000, stop: () => stallEnd > 0 });
        assert.ok(stallEnd > 0, "the stall happened");
        assert.ok(n.b.dialedAt.length > 0, "node B took the campaign over");
        await n.clock.run({ until: n.clock.now() + 2_000 });
        await n.assertNoDialWithoutLease(stalledClaimIds, stallEnd, "lost");
      } finally {
        await n.close();
      }
    });
  });
