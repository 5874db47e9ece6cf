// A reserved dial's mark (markDialed) is refused once this node's lease has run out (its heartbeat lapsed),
// even when no other node's sweep has taken the contact yet. The dispatcher read every refused mark as "a
// sweep gave the contact back" and only forgot the call: the contact stayed in progress under this node's
// lease, its attempt reserved, and once the heartbeat was renewed no sweep found it lapsed again: never
// dialed nor given back until a restart (review41). A refused mark now gives the contact back, a no-op in
// the store when another node's sweep took it first.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { stallablePair } from "../helpers/stallable-pair.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;
const SCENARIO = {
  outcomes: { human: 0, machine: 0, busy: 0.5, no_answer: 0.5, failed: 0, rejected: 0 },
  postDialSec: { kind: "uniform", min: 0, max: 0.2 },
  busySec: { kind: "uniform", min: 0.5, max: 1 },
  ringSec: { kind: "uniform", min: 2, max: 4 },
  talkSec: { kind: "uniform", min: 1, max: 2 },
  machineSec: { kind: "uniform", min: 1, max: 2 },
};

for (const dialect of dialects())
  describe(`a reserved dial whose mark fails for a lapse no sweep acted on [${dialect.name}]`, () => {
    test("is given back or dialed, never left in_progress with no call", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
      const { clock, aClock, a, b, close } = stallablePair(store, t0, LEASE_MS, { a: SCENARIO });
      try {
        const accountId = await createAccount(store, "acme", t0);
        const ids = await createCampaign(
          store,
          accountId,
          {
            dialMethod: "progressive",
            maxConcurrent: 10,
            callsPerSecond: 2,
            calleeWindow: { from: "00:00", to: "24:00" },
          } as never,
          { now: t0 },
        );
        await addContacts(
          store,
          { accountId, ...ids },
          Array.from({ length: 200 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
          t0,
        );
        const agents = [];
        for (let i = 0; i < 6; i++)
          agents.push(
            await createAgent(store.db, accountId, { name: `ag${i}`, userId: null, extension: null }, t0),
          );
        await setCampaignAgents(
          store,
          accountId,
          ids.campaignId,
          agents.map((x) => ({ agentId: x.id, penalty: 0 })),
          t0,
        );
        await a.run();
        await b.engine.run();
        for (const ag of agents) await a.agents.login(accountId, ag.id, ids.campaignId);
        await a.start(accountId, ids.campaignId);
        await clock.run({ until: t0 + 5_000 });
        const queued = () =>
          [...a.dispatcher.liveCalls.values()].filter((c) => !c.originated && c.markOnDial);
        for (let i = 0; i < 2000 && queued().length === 0; i++) await clock.run({ until: clock.now() + 20 });
        assert.ok(queued().length > 0, "node A has a reserved dial waiting for its slot");

        // B's sweep does not run while A stalls (B is busy, or there is no other node): nothing takes A's contacts.
        const bEngine = b.engine as any;
        const realExpired = bEngine.dispatch.expiredLeases.bind(bEngine.dispatch);
        let holdSweep = true;
        bEngine.dispatch.expiredLeases = (now: number, limit: number) =>
          holdSweep ? Promise.resolve([]) : realExpired(now, limit);
        const aAny = a as any;
        const realMark = aAny.dispatch.markDialed.bind(aAny.dispatch);
        const failedMarks: number[] = [];
        aAny.dispatch.markDialed = async (id: number, now: number) => {
          const ok = await realMark(id, now);
          if (!ok) failedMarks.push(id);
          return ok;
        };

        aClock.stalled = true; // A's event loop stops for 100 s: its heartbeat lapses
        await clock.run({ until: clock.now() + 100_000 });
        await aClock.resume(); // A's overdue timers run in order: the slot timers' marks before the renewal
        await clock.run({ until: clock.now() + 500 });
        assert.ok(failedMarks.length > 0, "a mark failed for the lapse");
        holdSweep = false;
        // Ten minutes on: every sweep of both nodes has run many times.
        await clock.run({ until: clock.now() + 600_000 });

        const live = new Set([...a.dispatcher.liveCalls.values()].map((c) => String(c.attemptId)));
        const rows = await store.db
          .selectFrom("attempts as t")
          .innerJoin("contacts as c", "c.id", "t.contact_id")
          .select(["t.id", "t.reserved", "c.id as contact", "c.status", "c.lease_owner"])
          .where("t.id", "in", failedMarks)
          .execute();
        const stuck = rows.filter((r) => r.status === "in_progress" && !live.has(String(r.id)));
        assert.deepEqual(
          stuck,
          [],
          `contacts left in_progress under a live node with no call, never dialed nor given back: ${JSON.stringify(stuck)}`,
        );
      } finally {
        await close();
      }
    });
  });
