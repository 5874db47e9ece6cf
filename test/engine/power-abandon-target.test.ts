// Power dialing answers to targetAbandonRate as predictive does: over it in any window, the ratio gives way
// to one line per ready agent until the rate is back under. A power ratio of 2.5 at a 40 % answer rate
// drops about one person in six; held to 3 %, three hours of it end about there (a window judged over its
// target falls back, so the rate hovers at the target rather than far under it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);

test("a power campaign's abandonment is held at its target, not at what its ratio drops", async () => {
  const h = await harness({
    start: START,
    seed: 2,
    scenario: { outcomes: { human: 0.4, no_answer: 0.6 }, ringSec: 8, talkSec: 3600 },
    maintenanceMs: 60_000,
  });
  try {
    const id = await h.campaign(
      {
        dialMethod: "power",
        powerRatio: 2.5,
        wrapUpSec: 10,
        maxAttemptsPerContact: 1,
        ringTimeoutSec: 25,
        targetAbandonRate: 0.03,
        calleeWindow: { from: "00:00", to: "24:00" },
      },
      Array.from({ length: 3000 }, (_, i) => ({ phones: [`+1202${5550000 + i}`] })),
    );
    const agents = await queueAgents(h, id, 6);
    await simulatedAgents(h, { talkSec: 60, wrapSec: 5, seed: 1 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 3 * 3600_000, stop: () => false });
    const { campaign } = await h.engine.agents.abandonment(h.accountId, id);
    assert.ok(campaign.liveAnswers > 300, `${campaign.liveAnswers} live answers`);
    assert.ok(
      campaign.rate < 0.035,
      `abandoned ${campaign.abandoned} of ${campaign.liveAnswers} live answers (${(campaign.rate * 100).toFixed(1)} %)`,
    );
  } finally {
    await h.close();
  }
});
