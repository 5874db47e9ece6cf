// An agent campaign's dial claimed ahead of its calls-per-second slot is reserved; at the slot it is marked
// dialed (markDialed) and then dialed. A mark that only checked the reservation showed that no sweep had
// released the contact *yet*: with this node's heartbeat lapsed, another node's sweep that ran after the mark
// found an expired lease with an attempt no longer reserved, recorded it lost and gave the contact on, while
// this node dialed it (review40). The mark now requires the contact's lease alive at its time.
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
  describe(`a reserved agent-campaign dial after a heartbeat lapse [${dialect.name}]`, () => {
    test("is not dialed when the sweep can still record it lost", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
      const { clock, aClock, a, aDialed, b, close } = stallablePair(store, t0, LEASE_MS, { a: SCENARIO });
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
        const waiting = queued().map((c) => c.attemptId);

        // B's own sweep is held off during A's stall; A's heartbeat write fails after it (its database is slow).
        const bEngine = b.engine as any;
        const realExpired = bEngine.dispatch.expiredLeases.bind(bEngine.dispatch);
        let holdSweep = true;
        bEngine.dispatch.expiredLeases = (now: number, limit: number) =>
          holdSweep ? Promise.resolve([]) : realExpired(now, limit);
        const aAny = a as any;
        const realHeartbeat = aAny.dispatch.heartbeat.bind(aAny.dispatch);
        let heartbeatDown = false;
        aAny.dispatch.heartbeat = (...args: unknown[]) =>
          heartbeatDown ? Promise.reject(new Error("heartbeat write timed out")) : realHeartbeat(...args);
        // B's sweep lands just after A's mark commits (a few ms later, on another node).
        const realMark = aAny.dispatch.markDialed.bind(aAny.dispatch);
        let swept = false;
        aAny.dispatch.markDialed = async (id: number, now: number) => {
          const ok = await realMark(id, now);
          if (heartbeatDown && !swept) {
            swept = true;
            holdSweep = false;
            await bEngine.reconcileExpired(clock.now());
          }
          return ok;
        };

        aClock.stalled = true; // A's event loop stops for 100 s: its heartbeat lapses
        await clock.run({ until: clock.now() + 100_000 });
        heartbeatDown = true;
        const resumedAt = clock.now();
        await aClock.resume();
        await clock.run({ until: clock.now() + 500 });
        assert.ok(swept, "a reserved dial's slot timer marked it dialed after the stall");

        const lost = await store.db
          .selectFrom("attempts")
          .select(["id", "outcome", "owner"])
          .where("id", "in", waiting)
          .where("outcome", "=", "lost")
          .execute();
        const lostIds = lost.map((r) => String(r.id));
        const dialedLost = aDialed.filter((d) => d.at >= resumedAt && lostIds.includes(d.callId));
        assert.deepEqual(
          dialedLost,
          [],
          `node A dialed attempts that node B recorded lost and gave on: ${JSON.stringify(dialedLost)} lost ${JSON.stringify(lost)}`,
        );
      } finally {
        await close();
      }
    });
  });
