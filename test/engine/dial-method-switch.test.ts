// A dial method edited while calls are out: each call keeps the method it was dialed under. An agent
// line that ends while the campaign is a robot is still taken off the pacer's lines (it counted them as
// ringing for good, and dialed nothing once back on agents); a robot line answered after the switch to
// agents is not queued for an agent the pacer never saw it coming for (it was abandoned).
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ phones: [`+1202555${1000 + i}`] }));
type Harness = Awaited<ReturnType<typeof harness>>;

async function edit(h: Harness, id: number, settings: Record<string, unknown>) {
  const row = await h.store.db
    .selectFrom("campaigns")
    .select("settings")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  await h.store.db
    .updateTable("campaigns")
    .set({ settings: JSON.stringify({ ...JSON.parse(row.settings), ...settings }) })
    .where("id", "=", id)
    .execute();
  await h.engine.reload(id);
}

test("progressive → robot → progressive: agent lines that ended meanwhile do not block dialing", async () => {
  const h = await harness({ start: START, seed: 3, scenario: { outcomes: { no_answer: 1 } } });
  try {
    const id = await h.campaign(
      { dialMethod: "progressive", maxConcurrent: 2, ringTimeoutSec: 20, maxAttemptsPerContact: 1 },
      contacts(50),
    );
    const agents = await queueAgents(h, id, 2);
    await simulatedAgents(h, { talkSec: 30, wrapSec: 2 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 1000, stop: () => false });
    assert.equal((await h.attempts(id)).length, 2, "two lines for two ready agents");
    await edit(h, id, { dialMethod: "robot", maxConcurrent: 0 });
    await h.clock.run({ until: START + 25_000, stop: () => false });
    assert.equal((await h.attempts(id)).length, 2, "nothing dialed as a robot (no line allowed)");
    await edit(h, id, { dialMethod: "progressive", maxConcurrent: 2 });
    const back = h.clock.now();
    await h.clock.run({ until: back + 5 * 60_000, stop: () => false });
    const after = (await h.attempts(id)).filter((a) => Number(a.started_at) >= back);
    assert.ok(
      after.length >= 2,
      `${after.length} dials in the 5 minutes after switching back with 2 ready agents`,
    );
    await h.engine.stop(h.accountId, id);
  } finally {
    await h.close();
  }
});

test("robot → progressive with robot lines ringing: their answers are robot calls, not abandoned", async () => {
  const h = await harness({
    start: START,
    seed: 3,
    scenario: { base: "all_human", ringSec: 10, talkSec: 30 },
  });
  try {
    const id = await h.campaign(
      { dialMethod: "robot", maxConcurrent: 5, maxAttemptsPerContact: 1, calleeWindow: null },
      contacts(5),
    );
    const agents = await queueAgents(h, id, 1);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 1000, stop: () => false });
    assert.equal((await h.attempts(id)).length, 5, "five robot lines ringing");
    await edit(h, id, { dialMethod: "progressive", wrapUpSec: 0 });
    await simulatedAgents(h, { talkSec: 60, wrapSec: 0 }).login(id, agents);
    await h.clock.run({ until: START + 300_000, stop: () => false });
    const attempts = await h.attempts(id);
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ["human", "human", "human", "human", "human"],
    );
    const rates = await h.engine.agents.abandonment(h.accountId, id);
    assert.equal(rates.campaign.abandoned, 0);
  } finally {
    await h.close();
  }
});
