// A stalled node's abandoned call, swept by another node: the abandonment was on record before the hang-up
// (recordAbandon), so the sweep records the attempt `abandoned` and tells subscribers so. When the stalled
// node runs again and writes the call's end, its correction said `corrects: {"outcome": "lost"}`, an
// outcome nobody was told (review37). It now names what the sweep recorded.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AgentDialing } from "../../src/engine/agents/dialing.ts";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { attemptEndedHook, stallablePair, webhookData } from "../helpers/stallable-pair.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;

for (const dialect of dialects()) {
  describe(`a stalled node's abandoned call, swept [${dialect.name}]`, () => {
    test("the correction names the outcome the sweep told (abandoned), not lost", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
      const { clock, aClock, a, b, close } = stallablePair(store, t0, LEASE_MS, {
        a: "all_human",
        b: "all_human",
      });
      // A stalls right after its first abandon's hang-up: the abandonment is on record, the call's end not.
      const proto = AgentDialing.prototype as unknown as { hangUpAbandoned: (call: unknown) => void };
      const original = proto.hangUpAbandoned;
      let stalledOnce = false;
      proto.hangUpAbandoned = function (this: unknown, call: unknown) {
        if (!stalledOnce) {
          stalledOnce = true;
          aClock.stalled = true;
        }
        original.call(this, call);
      };
      try {
        const accountId = await createAccount(store, "acme", t0);
        const hook = await attemptEndedHook(store, accountId, t0);
        await a.run();
        const ids = await createCampaign(
          store,
          accountId,
          {
            dialMethod: "power",
            powerRatio: 3,
            maxLinesPerAgent: 3,
            abandonAfterSec: 2,
            wrapUpSec: 60,
            maxAttemptsPerContact: 5,
            retryIntervalSec: 1,
            calleeWindow: { from: "00:00", to: "24:00" },
          },
          { now: t0 },
        );
        await addContacts(
          store,
          { accountId, ...ids },
          ["+12025550151", "+12025550152", "+12025550153"].map((p) => ({ phones: [p] })),
          t0,
        );
        const agent = await createAgent(
          store.db,
          accountId,
          { name: "Ann", userId: null, extension: null },
          t0,
        );
        const refusal = await setCampaignAgents(
          store,
          accountId,
          ids.campaignId,
          [{ agentId: agent.id, penalty: 0 }],
          t0,
        );
        assert.equal(refusal, null);
        await a.agents.login(accountId, agent.id, ids.campaignId);
        await a.start(accountId, ids.campaignId);
        while (!aClock.stalled && clock.now() < t0 + 120_000) await clock.run({ until: clock.now() + 100 });
        assert.ok(aClock.stalled, "an abandon happened");
        const abandoned = await store.db
          .selectFrom("attempts")
          .selectAll()
          .where("outcome", "=", "abandoned")
          .executeTakeFirstOrThrow();
        assert.equal(abandoned.ended_at, null, "its end is not written yet");
        await b.engine.run();
        await clock.run({ until: clock.now() + 100_000 });
        const swept = await store.db
          .selectFrom("attempts")
          .selectAll()
          .where("id", "=", abandoned.id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          [swept.outcome, swept.cause],
          ["abandoned", "lease_expired"],
          "B swept it abandoned",
        );
        await aClock.resume();
        await clock.run({ until: clock.now() + 90_000 });
        await a.dispatcher.flush();
        const told = (
          await webhookData<{ attempt: { id: number; outcome: string }; corrects?: { outcome: string } }>(
            store,
            hook.id,
          )
        )
          .filter((d) => d.attempt.id === Number(abandoned.id))
          .map((d) => [d.attempt.outcome, d.corrects?.outcome ?? null]);
        assert.equal(told[0]?.[0], "abandoned", JSON.stringify(told));
        for (const [, corrects] of told.slice(1)) {
          assert.equal(
            corrects,
            "abandoned",
            `a correction must name what subscribers heard: ${JSON.stringify(told)}`,
          );
        }
      } finally {
        proto.hangUpAbandoned = original;
        await close();
      }
    });
  });
}
