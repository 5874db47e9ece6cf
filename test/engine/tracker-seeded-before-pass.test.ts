// An agent campaign's abandonment tracker is rebuilt from the attempts on record before any dispatch pass
// can see the campaign. A pass (a clock timer: a predictive campaign arms one every 500 ms, and a store
// query yields to it) that came while a start was still reading the store made an empty tracker through
// AgentDialing.wanted(), and the seeding that followed skipped any campaign that had one: a campaign at
// 10 % abandoned counted 0 of its 100 live answers and dialed ahead instead of falling back (pacing13).
// The same holds for a campaign switched from robot to agents: a pass between the switch and the seeding
// must not leave it with an empty tracker. Each test lets one pass run right after attachRobots' query.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertAttempt } from "../api/helpers.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);
type Harness = Awaited<ReturnType<typeof harness>>;

const predictive = {
  dialMethod: "predictive" as const,
  wrapUpSec: 5,
  calleeWindow: { from: "00:00", to: "24:00" },
};
const phones = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => ({ phones: [`+1202${5550000 + from + i}`] }));

/** Earlier today, 100 people answered and were put through to `agentId`, or abandoned: 10 of them (10 %). */
async function history(h: Harness, campaignId: number, agentId: number): Promise<void> {
  const contacts = await h.contacts(campaignId);
  for (let i = 0; i < 100; i++) {
    const abandoned = i % 10 === 0;
    await insertAttempt(h.store, {
      accountId: h.accountId,
      campaignId,
      contactId: contacts[400 + i].id,
      seq: 1,
      startedAt: START - 3 * 3600_000 + i * 60_000,
      answeredAt: START - 3 * 3600_000 + i * 60_000 + 5000,
      outcome: abandoned ? "abandoned" : "human",
      agentId: abandoned ? null : agentId,
    });
  }
}

/** Another predictive campaign, dialing: the dispatcher has a pass armed every 500 ms. */
async function busyCampaign(h: Harness): Promise<void> {
  const busy = await h.campaign(predictive, phones(500, 2000), "busy");
  await simulatedAgents(h, { talkSec: 60, wrapSec: 5, seed: 1 }).login(busy, await queueAgents(h, busy, 3));
  await h.engine.start(h.accountId, busy);
  await h.clock.run({ until: h.clock.now() + 5000, stop: () => false });
}

/** Runs the clock for 600 ms (a predictive pass at least) once, right after attachRobots' store query. */
function passDuringAttach(h: Harness, campaignId: number): void {
  const engine = h.engine as unknown as { attachRobots: (...a: unknown[]) => Promise<void> };
  const attach = engine.attachRobots.bind(h.engine);
  let once = true;
  engine.attachRobots = async (...a: unknown[]) => {
    await attach(...a);
    if (once && h.engine.dispatcher.campaigns.has(campaignId)) {
      once = false;
      await h.clock.run({ until: h.clock.now() + 600, stop: () => false });
    }
  };
}

async function assertHistoryCounted(h: Harness, campaignId: number): Promise<void> {
  const view = await h.engine.pacing(h.accountId, campaignId);
  assert.ok(view.abandonment, "tracked");
  assert.ok(
    view.abandonment.liveAnswers >= 100 && view.abandonment.abandoned >= 10,
    `the record holds 100 live answers, 10 abandoned; the pacer counts ${view.abandonment.liveAnswers}, ${view.abandonment.abandoned} abandoned`,
  );
  assert.equal(view.latest?.insight?.mode, "fallback", "10 % abandoned: one line per ready agent");
}

test("a campaign started while another keeps the dispatcher busy answers to its history", async () => {
  const h = await harness({ start: START, seed: 3, scenario: "default" });
  try {
    await busyCampaign(h);
    const id = await h.campaign(predictive, phones(500, 0), "with history");
    const agents = await queueAgents(h, id, 3);
    await history(h, id, agents[0]);
    await simulatedAgents(h, { talkSec: 60, wrapSec: 5, seed: 2 }).login(id, agents);
    passDuringAttach(h, id);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 2000, stop: () => false });
    await assertHistoryCounted(h, id);
  } finally {
    await h.close();
  }
});

test("a campaign switched from robot to predictive while another keeps the dispatcher busy answers to its agents' history", async () => {
  const h = await harness({ start: START, seed: 3, scenario: "default" });
  try {
    const id = await h.campaign({ ...predictive, dialMethod: "robot", maxConcurrent: 1 }, phones(500, 0));
    const agents = await queueAgents(h, id, 3);
    await history(h, id, agents[0]);
    await simulatedAgents(h, { talkSec: 60, wrapSec: 5, seed: 2 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await busyCampaign(h);

    const row = await h.store.db
      .selectFrom("campaigns")
      .select("settings")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    await h.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify({ ...JSON.parse(row.settings), dialMethod: "predictive" }) })
      .where("id", "=", id)
      .execute();
    passDuringAttach(h, id);
    await h.engine.reload(id);
    await h.clock.run({ until: h.clock.now() + 2000, stop: () => false });
    await assertHistoryCounted(h, id);
  } finally {
    await h.close();
  }
});
