// The pacing view (GET /v1/campaigns/{id}/pacing, `outdial pacing`) shows "the estimates learned in the
// shift" beside the dial results and talks behind them. A predictive campaign over its abandonment target —
// the very case a supervisor opens the view for — decides in fallback, which returned before the pacer's
// rebuild, and showed its priors all shift: human_share 0, a 300 s talk and a 40 s wrap-up beside
// "190 dial results, 148 talks" of people who all answered and talked 20 s (audit pacing13).
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertAttempt } from "../api/helpers.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);

test("a predictive campaign in fallback shows what it learned, not its priors", async () => {
  const h = await harness({
    start: START,
    seed: 3,
    scenario: { outcomes: { human: 1 }, ringSec: 5, talkSec: 3600, postDialSec: 1 },
  });
  try {
    const id = await h.campaign(
      {
        dialMethod: "predictive",
        wrapUpSec: 5,
        maxAttemptsPerContact: 1,
        calleeWindow: { from: "00:00", to: "24:00" },
      },
      Array.from({ length: 2000 }, (_, i) => ({ phones: [`+1202${5550000 + i}`] })),
    );
    const agents = await queueAgents(h, id, 4);
    // Earlier today: 100 people answered, 10 of them abandoned (10 %, over the 3 % target).
    const contacts = await h.contacts(id);
    for (let i = 0; i < 100; i++) {
      const abandoned = i % 10 === 0;
      await insertAttempt(h.store, {
        accountId: h.accountId,
        campaignId: id,
        contactId: contacts[1900 + i].id,
        seq: 1,
        startedAt: START - 3 * 3600_000 + i * 60_000,
        answeredAt: START - 3 * 3600_000 + i * 60_000 + 5000,
        outcome: abandoned ? "abandoned" : "human",
        agentId: abandoned ? null : agents[0],
      });
    }
    await simulatedAgents(h, { talkSec: 20, wrapSec: 5, seed: 1 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 20 * 60_000, stop: () => false });

    const insight = (await h.engine.pacing(h.accountId, id)).latest?.insight;
    assert.ok(insight, "a predictive decision");
    assert.equal(insight.mode, "fallback", "over its target all along: one line per ready agent");
    assert.ok(insight.dialResults > 100 && insight.talks > 100, "learned from the shift's calls");
    const seen = `human_share ${insight.humanShare}, mean talk ${insight.meanTalkMs / 1000} s, mean wrap-up ${insight.meanWrapMs / 1000} s`;
    assert.ok(insight.humanShare > 0.8, `every dial reached a person; the view says ${seen}`);
    // The priors' long tails (a 300 s talk, a 40 s wrap-up), which never fade, keep the means above 20 s and 5 s.
    assert.ok(insight.meanTalkMs < 60_000, `calls lasted 20 s; the view says ${seen}`);
    assert.ok(insight.meanWrapMs < 15_000, `wrap-ups lasted 5 s; the view says ${seen}`);
  } finally {
    await h.close();
  }
});
