// Agents taken out of their campaign's queue during calls keep those calls, then log out. The predictive
// pacer must not dial ahead for them, or the people it reaches are abandoned (8 of 10 agents leaving at
// once, an hour into a campaign).
import assert from "node:assert/strict";
import { test } from "node:test";
import { setCampaignAgents } from "../../src/store/agents.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const contacts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ phones: [`+1202555${String(1000 + i).padStart(4, "0")}`] }));

/** 10 agents an hour into a predictive campaign, 8 of them (busy) taken out of the queue; the live answers
 *  and abandons of the next 20 minutes. */
async function eightLeave(seed: number): Promise<{ live: number; abandoned: number }> {
  const h = await harness({
    start: START,
    seed,
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
      seed,
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
    return { live, abandoned };
  } finally {
    await h.close();
  }
}

test("predictive: after 8 of 10 busy agents leave the queue, lines are dialed for the 2 who stay", async () => {
  const { live, abandoned } = await eightLeave(3);
  assert.ok(live >= 5, `${live} live answers after the change`);
  assert.ok(
    abandoned <= Math.max(2, 0.05 * live),
    `${abandoned} of ${live} live answers abandoned after 8 agents left`,
  );
});

// The agents leaving will log out after their calls and wrap-ups: the pacer must not count on them
// becoming free, as it does for the agents who stay, or it dials for them and people are abandoned.
test("predictive: agents leaving the queue are not counted on to take the people it dials", async () => {
  let live = 0;
  let abandoned = 0;
  for (const seed of [3, 5, 7]) {
    const r = await eightLeave(seed);
    live += r.live;
    abandoned += r.abandoned;
  }
  assert.ok(live >= 20, `${live} live answers after the change`);
  assert.ok(abandoned <= 1, `${abandoned} of ${live} live answers abandoned after 8 agents left (3 runs)`);
});

/** A power campaign dialing for one agent, Ann, logged in: its one line rings (5 s), and the person, when
 *  they answer, waits 30 s for an agent. */
async function oneAgentOneLine() {
  const h = await harness({
    start: START,
    seed: 5,
    scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
  });
  const id = await h.campaign(
    {
      dialMethod: "power",
      powerRatio: 1,
      maxConcurrent: 10,
      abandonAfterSec: 30,
      wrapUpSec: 5,
      maxAttemptsPerContact: 1,
    },
    contacts(5),
  );
  const [ann] = await queueAgents(h, id, 1);
  await h.engine.agents.login(h.accountId, ann, id);
  await h.engine.start(h.accountId, id);
  await h.clock.advance(1000);
  const lines = [...h.engine.dispatcher.liveCalls.values()];
  assert.equal(lines.length, 1, "one line dialed for the one ready agent");
  return { h, id, ann, line: lines[0] };
}

// An agent reserved for a contact claimed but not dialed yet (a preview, or its personal callback waiting
// for its calls-per-second slot) that logs out or leaves the queue gives the contact back; meanwhile a
// live answer of its campaign waits for an agent. Giving the contact back must not make the agent ready
// for an instant: that instant hands it the waiting person, and the agent is then logged out on the call.
for (const how of ["logout", "membership"] as const) {
  test(`a reserved agent that ${how === "logout" ? "logs out" : "leaves the queue"} is not handed a waiting call on the way out`, async () => {
    const { h, id, ann, line } = await oneAgentOneLine();
    try {
      // Ann is reserved for a contact claimed for her, as for her due personal callback, not dialed yet.
      const agent = h.engine.board.get(ann);
      assert.ok(agent);
      const c = h.engine.dispatcher.campaigns.get(id);
      assert.ok(c);
      const reserved = await h.engine.dispatcher.claimForAgent(c, agent);
      assert.ok(reserved, "a contact is claimed for Ann");
      h.engine.board.move(agent, "reserved");
      agent.callId = reserved.callId;

      // The pacer's line is answered (ring, then AMD's verdict): nobody is ready, the person waits.
      for (let i = 0; i < 40 && line.waitingSince === null; i++) await h.clock.advance(500);
      assert.notEqual(line.waitingSince, null, "the live answer waits for an agent");

      if (how === "logout") {
        const out = await h.engine.agents.logout(h.accountId, ann);
        assert.equal(out.state, "logged_out");
      } else {
        await setCampaignAgents(h.store, h.accountId, id, [], h.clock.now());
        await h.engine.agents.membershipChanged(h.accountId);
      }
      assert.equal(h.engine.board.get(ann), undefined, "Ann is logged out");
      assert.equal(line.connectedAt, null, "the waiting person was not connected to the leaving agent");
      assert.equal(line.agent, null);
      assert.equal(
        h.engine.dispatcher.liveCalls.has(reserved.callId),
        false,
        "the reserved contact went back",
      );
    } finally {
      await h.close();
    }
  });
}

// An agent taken out of the queue during its call wraps up (it may still set the disposition) and logs
// out when its wrap-up ends: going ready, or pausing, which ends it as well.
for (const how of ["ready", "pause"] as const) {
  test(`an agent taken out of the queue logs out when it ends its wrap-up by ${how === "ready" ? "going ready" : "pausing"}`, async () => {
    const h = await harness({
      start: START,
      seed: 5,
      scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
    });
    try {
      const id = await h.campaign(
        { dialMethod: "progressive", maxConcurrent: 10, wrapUpSec: 600, maxAttemptsPerContact: 1 },
        contacts(5),
      );
      const [ann] = await queueAgents(h, id, 1);
      const desk = h.engine.agents;
      await desk.login(h.accountId, ann, id);
      await h.engine.start(h.accountId, id);
      const stateOf = () => h.engine.board.get(ann)?.state ?? "logged_out";
      for (let i = 0; i < 60 && stateOf() !== "on_call"; i++) await h.clock.advance(500);
      assert.equal(stateOf(), "on_call");
      await setCampaignAgents(h.store, h.accountId, id, [], h.clock.now());
      await desk.membershipChanged(h.accountId);
      assert.equal(stateOf(), "on_call", "kept on its call");
      await desk.hangup(h.accountId, ann);
      for (let i = 0; i < 10 && stateOf() !== "wrap_up"; i++) await h.clock.advance(100);
      assert.equal(stateOf(), "wrap_up", "wraps up its call");
      await desk.dispose(h.accountId, ann, "sale", null);

      const out =
        how === "ready" ? await desk.ready(h.accountId, ann) : await desk.pause(h.accountId, ann, "lunch");
      assert.equal(out.state, "logged_out", "the desktop is told it is logged out");
      assert.equal(h.engine.board.get(ann), undefined, "no longer logged in to the campaign it left");
    } finally {
      await h.close();
    }
  });
}

// A ready agent is held back from answered calls while a claim for it awaits the store (its preview, its due
// personal callback). A person answering meanwhile waits; if the claim comes back empty, that person must be
// put through to the agent at once, not left to be abandoned with the agent ready.
test("a claim that comes back empty hands the agent to the person who started waiting meanwhile", async () => {
  const { h, ann, line } = await oneAgentOneLine();
  try {
    const agent = h.engine.board.get(ann);
    assert.ok(agent);
    // A claim for Ann is under way (as desk.previewNext and the personal callbacks set it).
    agent.claiming = true;
    for (let i = 0; i < 40 && line.waitingSince === null; i++) await h.clock.advance(500);
    assert.notEqual(line.waitingSince, null, "the person waits: Ann is held back");
    // The claim found nothing.
    agent.claiming = false;
    h.engine.board.claimEmpty(agent);
    assert.equal(line.agent, agent, "put through to Ann at once");
    assert.equal(agent.state, "on_call");
    assert.equal(line.abandoned, false);
  } finally {
    await h.close();
  }
});
