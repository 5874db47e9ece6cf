// Agents taken out of their campaign's queue during calls keep those calls, then log out. Until they do, the
// predictive pacer still sees them busy; this holds that it does not dial ahead for them so far that the
// people it reaches are abandoned (8 of 10 agents leaving at once, an hour into a campaign).
import assert from "node:assert/strict";
import { test } from "node:test";
import { setCampaignAgents } from "../../src/store/agents.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const contacts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ phones: [`+1202555${String(1000 + i).padStart(4, "0")}`] }));

test("predictive: after 8 of 10 busy agents leave the queue, lines are dialed for the 2 who stay", async () => {
  const h = await harness({
    start: START,
    seed: 3,
    scenario: { outcomes: { human: 0.35, no_answer: 0.45, busy: 0.2 }, talkSec: 3600 },
  });
  try {
    const id = await h.campaign(
      { dialMethod: "predictive", maxConcurrent: 100, wrapUpSec: 10, maxAttemptsPerContact: 1 },
      contacts(6000),
    );
    const agents = await queueAgents(h, id, 10);
    const sim = simulatedAgents(h, {
      talkSec: { kind: "uniform", min: 60, max: 240 },
      wrapSec: { kind: "fixed", value: 5 },
      seed: 3,
    });
    await sim.login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.advance(60 * 60_000); // an hour: the pacer has learned the campaign

    const [stay1, stay2, ...leave] = agents;
    await setCampaignAgents(
      h.store,
      h.accountId,
      id,
      [stay1, stay2].map((agentId) => ({ agentId, penalty: 0 })),
      h.clock.now(),
    );
    await h.engine.agents.membershipChanged(h.accountId);
    const removedAt = h.clock.now();
    await h.clock.advance(20 * 60_000);

    for (const a of leave) assert.equal(h.engine.board.get(a), undefined, `agent ${a} logged out`);
    const after = (await h.attempts(id)).filter((a) => Number(a.started_at) >= removedAt);
    const live = after.filter((a) => a.outcome === "human" || a.outcome === "abandoned").length;
    const abandoned = after.filter((a) => a.outcome === "abandoned").length;
    assert.ok(live >= 5, `${live} live answers after the change`);
    assert.ok(
      abandoned <= Math.max(2, 0.05 * live),
      `${abandoned} of ${live} live answers abandoned after 8 agents left`,
    );
  } finally {
    await h.close();
  }
});
