// A node stalled past its heartbeat (paused VM, long GC) in an agent campaign (progressive): another node's
// sweep records its calls lost and gives the contacts on. A dial node A had claimed and queued for its
// calls-per-second slot must not go out when A runs again: its attempt is already on record as lost
// (crash9). stalled-node.test.ts covers robot campaigns, which the campaign lease guards; agent campaigns
// take none (every node with agents dials them), so the node's heartbeat run guards them (HeartbeatHold).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { stallablePair } from "../helpers/stallable-pair.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;
// Nobody answers: the agents stay ready and the pacer keeps asking for dials, beyond the campaign's 2 calls/s.
const SCENARIO = {
  outcomes: { human: 0, machine: 0, busy: 0.5, no_answer: 0.5, failed: 0, rejected: 0 },
  postDialSec: { kind: "uniform", min: 0, max: 0.2 },
  busySec: { kind: "uniform", min: 0.5, max: 1 },
  ringSec: { kind: "uniform", min: 2, max: 4 },
  talkSec: { kind: "uniform", min: 1, max: 2 },
  machineSec: { kind: "uniform", min: 1, max: 2 },
};

for (const dialect of dialects())
  describe(`a node stalled past its heartbeat in an agent campaign [${dialect.name}]`, () => {
    test("dials nothing it had queued for a slot once another node swept its attempts lost", async () => {
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
        assert.equal(
          await setCampaignAgents(
            store,
            accountId,
            ids.campaignId,
            agents.map((x) => ({ agentId: x.id, penalty: 0 })),
            t0,
          ),
          null,
        );
        await a.run();
        await b.engine.run();
        for (const ag of agents) await a.agents.login(accountId, ag.id, ids.campaignId);
        await a.start(accountId, ids.campaignId);
        await clock.run({ until: t0 + 5_000 });
        // Stop at a moment when node A has a dial claimed and waiting for its slot.
        const queued = () => [...a.dispatcher.liveCalls.values()].filter((c) => !c.originated);
        for (let i = 0; i < 2000 && queued().length === 0; i++) await clock.run({ until: clock.now() + 20 });
        assert.ok(
          queued().length > 0,
          `node A has a dial queued for its slot; stats ${JSON.stringify(a.dispatcher.stats)} live ${a.dispatcher.liveCalls.size} block ${JSON.stringify(a.dispatcher.campaigns.get(ids.campaignId)?.lastBlock)}`,
        );
        const waiting = queued().map((c) => c.attemptId);
        aClock.stalled = true; // node A's event loop stops here, for 100 s
        await clock.run({ until: clock.now() + 100_000 });
        const rows = await store.db
          .selectFrom("attempts")
          .select(["id", "outcome", "cause"])
          .where("id", "in", waiting)
          .execute();
        assert.ok(
          rows.every((r) => r.outcome === "lost"),
          `node B's sweep recorded A's queued attempts lost: ${JSON.stringify(rows)}`,
        );
        const resumedAt = clock.now();
        await aClock.resume(); // node A runs again: its overdue timers fire
        await clock.run({ until: clock.now() + 1_000 });
        const late = aDialed.filter((d) => d.at >= resumedAt && waiting.map(String).includes(d.callId));
        assert.deepEqual(
          late,
          [],
          `node A dialed attempts another node had already recorded lost (and given on): ${JSON.stringify(late)}`,
        );
      } finally {
        await close();
      }
    });
  });
