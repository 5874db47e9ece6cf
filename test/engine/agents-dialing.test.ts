// Dial methods with agents on the virtual clock: progressive, power, predictive and preview, the
// 2-second abandonment rule, the fallback to progressive, the 72-hour rule and calling hours.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { AgentDialing } from "../../src/engine/agents/dialing.ts";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import { usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import type { TelephonyDriver } from "../../src/telephony/driver.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness, peakConcurrency } from "../helpers/engine-harness.ts";

const phone = (i: number) => `+1202555${String(1000 + i)}`;
const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ phones: [phone(i)] }));
// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const MIXED = { outcomes: { human: 0.4, no_answer: 0.35, busy: 0.25 }, talkSec: 3600 };

test("progressive: one line per ready agent, so no more calls than agents and nobody waits", async () => {
  const h = await harness({ start: START, seed: 5, scenario: MIXED });
  const id = await h.campaign(
    { dialMethod: "progressive", maxConcurrent: 50, wrapUpSec: 5, maxAttemptsPerContact: 1 },
    contacts(60),
  );
  const agents = await queueAgents(h, id, 3);
  const sim = simulatedAgents(h, { talkSec: 30, wrapSec: 2, seed: 1 });
  await sim.login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(6 * 3600_000);
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 60);
  assert.equal(peakConcurrency(attempts), 3, "calls at once = agents");
  assert.equal(attempts.filter((a) => a.outcome === "abandoned").length, 0);
  const humans = attempts.filter((a) => a.outcome === "human");
  assert.ok(humans.length > 10);
  for (const a of humans) {
    assert.ok(agents.includes(Number(a.agent_id)), `attempt ${a.id} has agent ${a.agent_id}`);
    assert.equal(a.wait_ms, 0);
  }
  assert.deepEqual(new Set(humans.map((a) => Number(a.agent_id))), new Set(agents), "every agent took calls");
  assert.equal(sim.totals().connects, humans.length);
  await h.close();
});

test("power: ratio 2.5 puts up to 2.5 lines per ready agent out", async () => {
  const h = await harness({ start: START, seed: 6, scenario: { outcomes: { no_answer: 1 } } });
  const id = await h.campaign(
    {
      dialMethod: "power",
      powerRatio: 2.5,
      maxConcurrent: 100,
      maxAttemptsPerContact: 1,
      ringTimeoutSec: 20,
    },
    contacts(40),
  );
  const agents = await queueAgents(h, id, 2);
  await simulatedAgents(h, { talkSec: 30, wrapSec: 2 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(3600_000);
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 40);
  assert.equal(peakConcurrency(attempts), 5, "2 ready agents × 2.5");
  await h.close();
});

test("2-second rule: a live answer with no agent gets the message and is hung up 2 s after answer; one that finds an agent within 2 s is connected", async () => {
  const h = await harness({
    start: START,
    seed: 8,
    scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
  });
  const id = await h.campaign(
    {
      dialMethod: "power",
      powerRatio: 3,
      maxConcurrent: 10,
      wrapUpSec: 0,
      maxAttemptsPerContact: 1,
      abandonMessage: "Sorry we missed you, we will call back",
    },
    contacts(3),
  );
  const [agent] = await queueAgents(h, id, 1);
  // Talks 1.5 s, so it is free again within the grace for the second caller but not the third.
  await simulatedAgents(h, { talkSec: 1.5, wrapSec: 0 }).login(id, [agent]);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(3600_000);
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 3);
  const connected = attempts.filter((a) => a.outcome === "human");
  const abandoned = attempts.filter((a) => a.outcome === "abandoned");
  assert.equal(connected.length, 2, JSON.stringify(attempts.map((a) => [a.outcome, a.wait_ms])));
  assert.equal(abandoned.length, 1);
  assert.ok(
    connected.some((a) => Number(a.wait_ms) > 0 && Number(a.wait_ms) < 2000),
    "one waited, then got the agent",
  );
  const dropped = abandoned[0];
  assert.equal(Number(dropped.ended_at) - Number(dropped.answered_at), 2000);
  assert.equal(
    JSON.parse(String(dropped.details)).result.announced,
    "Sorry we missed you, we will call back",
  );
  const rates = await h.engine.agents.abandonment(h.accountId, id);
  assert.deepEqual(
    { live: rates.campaign.liveAnswers, abandoned: rates.campaign.abandoned },
    { live: 3, abandoned: 1 },
  );
  await h.close();
});

test("72-hour rule: an abandoned contact is not dialed again for 72 h, except in preview", async () => {
  for (const method of ["power", "preview"] as const) {
    const h = await harness({
      start: START,
      seed: 8,
      scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
      // Nothing changes behind the engine's back: a pass a minute idles the 72 h faster.
      maintenanceMs: 60_000,
    });
    const id = await h.campaign(
      { dialMethod: method, powerRatio: 3, wrapUpSec: 0, maxAttemptsPerContact: 3, retryIntervalSec: 600 },
      contacts(3),
    );
    const [agent] = await queueAgents(h, id, 1);
    await simulatedAgents(h, { talkSec: 20, wrapSec: 0, previewSec: 1 }).login(id, [agent]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(8 * 86_400_000);
    const attempts = await h.attempts(id);
    if (method === "power") {
      const abandoned = attempts.filter((a) => a.outcome === "abandoned");
      assert.ok(abandoned.length >= 1);
      for (const a of abandoned) {
        const next = attempts.find((b) => b.contact_id === a.contact_id && b.seq === a.seq + 1);
        assert.ok(next, `contact ${a.contact_id} was dialed again`);
        assert.ok(next.started_at - Number(a.ended_at) >= 72 * 3600_000, "not within 72 h");
      }
      // The contact keeps when its latest abandoned call ended: every later claim checks the 72 h by it.
      for (const c of await h.store.db.selectFrom("contacts").select(["id", "abandoned_at"]).execute()) {
        const ends = abandoned.filter((a) => a.contact_id === c.id).map((a) => Number(a.ended_at));
        assert.equal(
          c.abandoned_at === null ? null : Number(c.abandoned_at),
          ends.length ? Math.max(...ends) : null,
        );
      }
    } else {
      // Preview reserves the agent before each dial: nothing is abandoned, nothing waits 72 h.
      assert.equal(attempts.filter((a) => a.outcome === "abandoned").length, 0);
      assert.equal(attempts.length, 3);
    }
    await h.close();
  }
});

test("agent campaigns keep 08:00–21:00 in the callee's zone by default; robot campaigns do not", async () => {
  // Monday 2026-01-05 02:00 UTC: 21:00 Sunday in Washington, 11:00 in Tokyo.
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 2, 0, 0),
    seed: 2,
    scenario: { outcomes: { no_answer: 1 } },
  });
  const zones = ["America/New_York", "Asia/Tokyo"];
  const people = Array.from({ length: 20 }, (_, i) => ({ phones: [phone(i)], timeZone: zones[i % 2] }));
  const agentCampaign = await h.campaign(
    { dialMethod: "progressive", maxAttemptsPerContact: 1, ringTimeoutSec: 10 },
    people,
    "agents",
  );
  const robot = await h.campaign({ maxAttemptsPerContact: 1, ringTimeoutSec: 10 }, people, "robot");
  const agents = await queueAgents(h, agentCampaign, 2);
  await simulatedAgents(h, { talkSec: 10, wrapSec: 1 }).login(agentCampaign, agents);
  await h.engine.start(h.accountId, agentCampaign);
  await h.engine.start(h.accountId, robot);
  await h.runToEnd(2 * 86_400_000);
  const contactsById = new Map((await h.contacts(agentCampaign)).map((c) => [c.id, c]));
  const withAgents = await h.attempts(agentCampaign);
  assert.equal(withAgents.length, 20);
  for (const a of withAgents) {
    const local = DateTime.fromMillis(a.started_at, {
      zone: contactsById.get(a.contact_id)?.time_zone ?? "UTC",
    });
    const minute = local.hour * 60 + local.minute;
    assert.ok(minute >= 8 * 60 && minute < 21 * 60, `attempt at ${local.toISO()}`);
  }
  const robotAttempts = await h.attempts(robot);
  // The robot campaign dials Washington at 21:00 local at once.
  assert.ok(robotAttempts.some((a) => a.started_at < Date.UTC(2026, 0, 5, 2, 5, 0)));
  await h.close();
});

/** Agents' occupancy over the run: (talk + wrap-up) / logged-in time. */
function occupancy(t: { onCallMs: number; wrapUpMs: number; loggedInMs: number }): number {
  return (t.onCallMs + t.wrapUpMs) / t.loggedInMs;
}

const OUTBOUND = {
  outcomes: { human: 0.3, machine: 0.15, no_answer: 0.35, busy: 0.2 },
  ringSec: { kind: "lognormal", median: 12, sigma: 0.5, min: 3, max: 40 },
  talkSec: 3600,
};

async function runMethod(method: "progressive" | "predictive", seed: number) {
  const h = await harness({ start: START, seed, scenario: OUTBOUND });
  // No maxConcurrent: an agent campaign's default cap must leave 20 agents their lines.
  const id = await h.campaign(
    { dialMethod: method, wrapUpSec: 60, maxAttemptsPerContact: 1, ringTimeoutSec: 30 },
    contacts(8000),
  );
  const agents = await queueAgents(h, id, 20);
  const sim = simulatedAgents(h, {
    talkSec: { kind: "lognormal", median: 90, sigma: 0.6, min: 10, max: 900 },
    wrapSec: { kind: "uniform", min: 5, max: 20 },
    seed,
  });
  await sim.login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: START + 2 * 3600_000, stop: () => false });
  const totals = sim.totals();
  const rates = await h.engine.agents.abandonment(h.accountId, id);
  assert.equal(await h.engine.stop(h.accountId, id), "stopped", "contacts lasted the whole run");
  await h.close();
  return { occupancy: occupancy(totals), rate: rates.campaign.rate, live: rates.campaign.liveAnswers };
}

test("predictive: keeps agents busier than progressive with abandonment at or under 3 %", async () => {
  for (const seed of [1, 2]) {
    const progressive = await runMethod("progressive", seed);
    const predictive = await runMethod("predictive", seed);
    assert.equal(progressive.rate, 0);
    assert.ok(predictive.live > 300, `${predictive.live} live answers`);
    assert.ok(predictive.rate <= 0.03, `seed ${seed}: abandonment ${predictive.rate}`);
    assert.ok(
      predictive.occupancy > progressive.occupancy + 0.1,
      `seed ${seed}: predictive ${predictive.occupancy.toFixed(3)} vs progressive ${progressive.occupancy.toFixed(3)}`,
    );
  }
});

test("predictive falls back to progressive while the campaign's rate is over target, and resumes under it", async () => {
  const h = await harness({
    start: START,
    seed: 4,
    scenario: { outcomes: { human: 1 }, ringSec: 8, talkSec: 3600 },
  });
  const id = await h.campaign(
    { dialMethod: "predictive", maxConcurrent: 100, wrapUpSec: 0, maxAttemptsPerContact: 1 },
    contacts(1500),
  );
  // On record from earlier in the campaign: 120 live answers, 12 abandoned (10 %), an hour ago.
  const [first] = await h.contacts(id);
  const past = START - 3600_000;
  await h.store.db
    .insertInto("attempts")
    .values(
      Array.from({ length: 120 }, (_, i) => ({
        account_id: h.accountId,
        campaign_id: id,
        contact_id: first.id,
        seq: 1000 + i,
        phone: first.phones,
        phone_index: 0,
        caller_id: null,
        started_at: past,
        answered_at: past + 1000,
        ended_at: past + 2000,
        outcome: i < 12 ? "abandoned" : "human",
        owner: "earlier",
      })),
    )
    .execute();
  const agents = await queueAgents(h, id, 5);
  await simulatedAgents(h, { talkSec: 30, wrapSec: 0 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: START + 2 * 3600_000, stop: () => false });
  const attempts = (await h.attempts(id)).filter((a) => a.owner !== "earlier");
  // Under 3 % needs 12 / 0.03 = 400 live answers: until then at most one line per agent.
  const rate = await h.engine.agents.abandonment(h.accountId, id);
  const overUntil = attempts[400 - 120 - 1].started_at;
  const early = attempts.filter((a) => a.started_at < overUntil);
  const late = attempts.filter((a) => a.started_at >= overUntil);
  assert.ok(early.length > 200 && late.length > 100, `${early.length} early, ${late.length} late`);
  assert.ok(peakConcurrency(early) <= 5, `fallback: ${peakConcurrency(early)} lines for 5 agents`);
  assert.equal(early.filter((a) => a.outcome === "abandoned").length, 0);
  assert.ok(peakConcurrency(late) > 5, `predictive again: ${peakConcurrency(late)} lines for 5 agents`);
  assert.ok(rate.campaign.rate <= 0.03, `campaign rate ${rate.campaign.rate}`);
  await h.close();
});

// The engine seeds a campaign's abandonment tracker from the attempts on record after a start or restart;
// a pass that ran while it read them (a timer firing during the query) has made a pacer already. That
// pacer must answer to the seeded counts, or a campaign already over the cap goes on dialing ahead.
test("predictive: a pacer made before the abandonment history was seeded answers to the seeded counts", async () => {
  const h = await harness({ start: START, seed: 4 });
  try {
    const id = await h.campaign({ dialMethod: "predictive", maxConcurrent: 50 }, contacts(10));
    const agents = await queueAgents(h, id, 5);
    for (const a of agents) await h.engine.agents.login(h.accountId, a, id);
    const row = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const c = new CampaignRuntime(row);
    // Nothing here dials or hangs up: the driver is never reached.
    const dialing = new AgentDialing({
      board: h.engine.board,
      clock: h.clock,
      driver: {} as TelephonyDriver,
    });
    const now = h.clock.now();
    assert.equal(
      dialing.wanted(c, now).block,
      null,
      "the pacer, made before the seed, dials for 5 ready agents",
    );
    // 200 live answers in the last hour, 20 of them abandoned: 10 % against a 3 % cap.
    const history = Array.from({ length: 200 }, (_, i) => ({
      at: now - 3600_000 + i * 1000,
      event: i % 10 === 0 ? ("no_agent" as const) : ("connected" as const),
    }));
    dialing.seed(c, history);
    assert.equal(dialing.tracker(c).isOverTarget(now, 100), true);
    dialing.wanted(c, now);
    assert.equal(dialing.view(c).latest?.insight?.mode, "fallback", "over the cap: progressive");
  } finally {
    await h.close();
  }
});

test("explain: a pass that placed every line the pacer asked for says the pacer holds, not the concurrency limit", async () => {
  const h = await harness({ start: START, seed: 5, scenario: MIXED });
  const id = await h.campaign(
    { dialMethod: "progressive", maxConcurrent: 50, wrapUpSec: 5, maxAttemptsPerContact: 1 },
    contacts(60),
  );
  const agents = await queueAgents(h, id, 3);
  await simulatedAgents(h, { talkSec: 30, wrapSec: 2, seed: 1 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: START + 1000 });
  assert.equal(h.engine.dispatcher.inFlight, 3, "one line per ready agent");
  const why = await h.engine.explain(h.accountId, id);
  assert.deepEqual(
    why.reasons.map((r) => r.code),
    ["agents_busy"],
    "3 lines out of 50 allowed: the pacer, not concurrency, holds the rest",
  );
  await h.close();
});

test("a callee who answers as the call is given up (a 2xx crossing the CANCEL) was hung up on: abandoned", async () => {
  const h = await harness({
    start: START,
    seed: 9,
    scenario: { outcomes: { no_answer: 1 } },
  });
  // A metered account: the crossed answers are on the record as live answers, but not billed.
  await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.1), prefixes: [] });
  await topUp(h.store, h.accountId, usdToMicros(5), "funds", h.clock.now());
  await h.engine.billingChanged(h.accountId);
  const id = await h.campaign(
    { dialMethod: "progressive", maxConcurrent: 10, ringTimeoutSec: 60, maxAttemptsPerContact: 2 },
    contacts(10),
  );
  const agents = await queueAgents(h, id, 3);
  await simulatedAgents(h, { talkSec: 30, wrapSec: 0 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: START + 20_000, stop: () => false });
  h.driver.crossAnswers = true;
  await h.engine.stop(h.accountId, id);
  await h.clock.run({ until: START + 60_000, stop: () => false });
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 3, "three lines out when stopped");
  for (const a of attempts) assert.equal(a.outcome, "abandoned", `attempt ${a.id}: ${a.outcome}`);
  const rate = await h.engine.agents.abandonment(h.accountId, id);
  assert.equal(rate.campaign.abandoned, 3, "each counts in the campaign's abandonment");
  for (const a of attempts) assert.ok(a.answered_at !== null, "a live answer on the record");
  const charges = await h.store.db
    .selectFrom("balance_transactions")
    .select("id")
    .where("kind", "=", "charge")
    .execute();
  assert.equal(charges.length, 0, "given up before it was answered: not billed");
  await h.close();
});

test("a robot campaign's call answered as a stop gave it up keeps its outcome and says so on its record", async () => {
  const h = await harness({ start: START, seed: 9, scenario: { outcomes: { no_answer: 1 } } });
  const id = await h.campaign(
    { maxConcurrent: 3, ringTimeoutSec: 60, maxAttemptsPerContact: 2 },
    contacts(5),
  );
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: START + 20_000, stop: () => false });
  h.driver.crossAnswers = true;
  await h.engine.stop(h.accountId, id);
  await h.clock.run({ until: START + 60_000, stop: () => false });
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 3);
  for (const a of attempts) {
    assert.notEqual(a.outcome, "abandoned", "a robot campaign has no agents to abandon a call");
    assert.equal(JSON.parse(a.details ?? "{}").answeredAfterCancel, true, `attempt ${a.id}`);
  }
  await h.close();
});

test("with AMD on, a line picked up while AMD listens is an answered line to the pacer, not a ringing one", async () => {
  const h = await harness({
    start: START,
    seed: 12,
    scenario: { outcomes: { human: 0.5, machine: 0.2, no_answer: 0.3 }, talkSec: 600, amdSec: 3 },
  });
  const id = await h.campaign(
    {
      dialMethod: "predictive",
      maxConcurrent: 60,
      wrapUpSec: 5,
      maxAttemptsPerContact: 1,
      amd: { enabled: true, mode: "background" },
    },
    contacts(400),
  );
  const agents = await queueAgents(h, id, 6);
  await simulatedAgents(h, { talkSec: 60, wrapSec: 5 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: START + 1800_000, stop: () => false });
  const view = await h.engine.pacing(h.accountId, id);
  const answered = view.decisions.reduce((n, d) => n + d.lines.answered, 0);
  assert.ok(answered > 0, `decisions that saw a line answered while AMD listened: ${answered}`);
  await h.engine.stop(h.accountId, id);
  await h.close();
});

test("a stop hangs up the lines still ringing, not a call picked up while AMD listens", async () => {
  const h = await harness({
    start: START,
    seed: 13,
    scenario: { outcomes: { human: 0.6, no_answer: 0.4 }, talkSec: 120, amdSec: 3, amdAccuracy: 1 },
  });
  const id = await h.campaign(
    {
      dialMethod: "power",
      powerRatio: 3,
      maxConcurrent: 30,
      wrapUpSec: 0,
      maxAttemptsPerContact: 1,
      amd: { enabled: true, mode: "background" },
    },
    contacts(60),
  );
  const agents = await queueAgents(h, id, 4);
  await simulatedAgents(h, { talkSec: 30, wrapSec: 0 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  const listening = () =>
    [...h.engine.dispatcher.liveCalls.values()].filter((c) => c.pickedUpAt !== null && c.answeredAt === null);
  const ringing = () =>
    [...h.engine.dispatcher.liveCalls.values()].filter((c) => c.originated && c.pickedUpAt === null);
  let at = START;
  while (listening().length === 0 || ringing().length === 0) {
    at += 100;
    assert.ok(at < START + 600_000, "a moment with a call under AMD and one ringing");
    await h.clock.run({ until: at, stop: () => false });
  }
  const heard = new Set(listening().map((c) => c.attemptId));
  const rang = new Set(ringing().map((c) => c.attemptId));
  const before = h.hangups.length;
  await h.engine.stop(h.accountId, id);
  const withdrawn = h.hangups.slice(before).map((x) => Number(x.callId));
  assert.deepEqual(new Set(withdrawn), rang, "the stop hung up exactly the lines still ringing");
  await h.clock.run({ until: at + 600_000, stop: () => false });
  const attempts = await h.attempts(id);
  for (const a of attempts.filter((x) => heard.has(x.id))) {
    assert.notEqual(a.outcome, "cancelled", `attempt ${a.id} was picked up: not withdrawn`);
    assert.ok(a.answered_at !== null);
  }
  for (const a of attempts.filter((x) => rang.has(x.id))) assert.equal(a.outcome, "cancelled");
  await h.close();
});
