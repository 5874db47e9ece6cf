// The agent board's wrap-up: however it ends (its timer, the agent ready sooner, a pause, a logout),
// whoever asked is told how long it lasted, so the predictive pacer learns the wrap-ups agents really
// take. One cut off by a pause or a logout is told as censored: it lasted at least that long.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { AgentBoard } from "../../src/engine/agents/board.ts";
import { setCampaignAgents } from "../../src/store/agents.ts";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

test("a wrap-up reports its length when the timer ends it, and when the agent ends it early", async () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const board = new AgentBoard(clock, () => 0.5);
  const ended: [string, number, boolean][] = [];
  const agents = [1, 2, 3].map((id) => board.login({ id, accountId: 1, name: `a${id}` }, 7, 0, id));
  board.wrapUp(agents[0], 60, (ms, censored) => ended.push(["timer", ms, censored]));
  board.wrapUp(agents[1], 60, (ms, censored) => ended.push(["ready", ms, censored]));
  board.wrapUp(agents[2], 60, (ms, censored) => ended.push(["paused", ms, censored]));
  await clock.run({ until: clock.now() + 5_000 });
  board.move(agents[1], "ready");
  await clock.run({ until: clock.now() + 3_000 });
  board.move(agents[2], "paused", { pauseReason: "break" });
  await clock.run({ until: clock.now() + 120_000 });
  assert.deepEqual(ended, [
    ["ready", 5_000, false],
    ["paused", 8_000, true],
    ["timer", 60_000, false],
  ]);
  board.move(agents[1], "paused");
  assert.equal(ended.length, 3, "told once");
});

// A logout in wrap-up used to cancel the wrap-up's timer and tell no one: the pacer never heard of it.
test("a wrap-up cut off by a logout reports its length, censored, once", async () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const board = new AgentBoard(clock, () => 0.5);
  const ended: [string, number, boolean][] = [];
  const [ann, bob, cy, dee] = [1, 2, 3, 4].map((id) =>
    board.login({ id, accountId: 1, name: `a${id}` }, 7, 0, id),
  );
  board.wrapUp(ann, 60, (ms, censored) => ended.push(["logout", ms, censored]));
  // Taken out of the queue during their calls: they log out as their wrap-ups end.
  bob.leftQueue = true;
  cy.leftQueue = true;
  dee.leftQueue = true;
  board.wrapUp(bob, 60, (ms, censored) => ended.push(["leaving, ready", ms, censored]));
  board.wrapUp(cy, 60, (ms, censored) => ended.push(["leaving, paused", ms, censored]));
  board.wrapUp(dee, 60, (ms, censored) => ended.push(["leaving, timer", ms, censored]));
  await clock.run({ until: clock.now() + 4_000 });
  board.logout(ann);
  await clock.run({ until: clock.now() + 1_000 });
  board.move(bob, "ready");
  await clock.run({ until: clock.now() + 1_000 });
  board.move(cy, "paused");
  await clock.run({ until: clock.now() + 120_000 });
  assert.deepEqual(ended, [
    ["logout", 4_000, true],
    ["leaving, ready", 5_000, false],
    ["leaving, paused", 6_000, true],
    ["leaving, timer", 60_000, false],
  ]);
  assert.equal(board.of(7).size, 0, "all logged out");
  assert.equal(clock.nextAt(), null, "no wrap-up timer left");
});

// What the pacer learns when agents leave mid-call or mid-wrap-up: the talk always (an agent cannot log
// out on a call, and one taken out of the queue keeps its call), the wrap-up whichever way it ends.
test("predictive: the pacer hears of a wrap-up cut off by a logout, and of the call before it", async () => {
  // Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 14, 0, 0),
    seed: 5,
    scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
  });
  try {
    const id = await h.campaign(
      { dialMethod: "predictive", maxConcurrent: 10, wrapUpSec: 600, maxAttemptsPerContact: 1 },
      Array.from({ length: 20 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
    );
    // Bob stays logged in, so the pacer goes on deciding (and its view on showing what it learned).
    const [ann, bob, cy] = await queueAgents(h, id, 3);
    const desk = h.engine.agents;
    for (const a of [ann, bob, cy]) await desk.login(h.accountId, a, id);
    await h.engine.start(h.accountId, id);
    const stateOf = (a: number) => h.engine.board.get(a)?.state ?? "logged_out";
    const learned = async () => {
      await h.clock.advance(1000); // a decision or two
      const insight = (await h.engine.pacing(h.accountId, id)).latest?.insight;
      assert.ok(insight, "the predictive pacer's view");
      return { talks: Math.round(insight.talks), wrapUps: Math.round(insight.wrapUps) };
    };
    for (let i = 0; i < 60 && (stateOf(ann) !== "on_call" || stateOf(cy) !== "on_call"); i++) {
      await h.clock.advance(500);
    }
    assert.equal(stateOf(ann), "on_call");
    assert.equal(stateOf(cy), "on_call");
    await assert.rejects(desk.logout(h.accountId, ann), /on a call/, "no logout on a call");
    assert.deepEqual(await learned(), { talks: 0, wrapUps: 0 });

    // Ann hangs up and logs out 3 s into her wrap-up.
    await desk.hangup(h.accountId, ann);
    for (let i = 0; i < 10 && stateOf(ann) !== "wrap_up"; i++) await h.clock.advance(100);
    assert.equal(stateOf(ann), "wrap_up");
    await h.clock.advance(3000);
    await desk.logout(h.accountId, ann);
    assert.deepEqual(await learned(), { talks: 1, wrapUps: 1 }, "Ann's call and her cut-off wrap-up");

    // Cy is taken out of the queue on her call: she keeps it, wraps up, and logs out when she pauses.
    await setCampaignAgents(
      h.store,
      h.accountId,
      id,
      [ann, bob].map((agentId) => ({ agentId, penalty: 0 })),
      h.clock.now(),
    );
    await desk.membershipChanged(h.accountId);
    assert.equal(stateOf(cy), "on_call", "kept on her call");
    await desk.hangup(h.accountId, cy);
    for (let i = 0; i < 10 && stateOf(cy) !== "wrap_up"; i++) await h.clock.advance(100);
    assert.equal(stateOf(cy), "wrap_up");
    assert.deepEqual(await learned(), { talks: 2, wrapUps: 1 }, "Cy's call");
    await desk.pause(h.accountId, cy, "home");
    assert.equal(stateOf(cy), "logged_out");
    assert.deepEqual(await learned(), { talks: 2, wrapUps: 2 }, "Cy's wrap-up");
    assert.notEqual(stateOf(bob), "logged_out");
  } finally {
    await h.close();
  }
});

// The desk checks before it logs an agent in; should two logins get past that, the second must not put a
// second LiveAgent of the id on the campaign's board, which the agent's logout would leave there.
test("an agent logged in already is refused a second login, and leaves no one behind on logout", () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const board = new AgentBoard(clock, () => 0.5);
  const who = { id: 1, accountId: 1, name: "a1" };
  const first = board.login(who, 7, 0, 0);
  assert.throws(() => board.login(who, 7, 0, 0), /agent 1 is logged in already/);
  assert.throws(() => board.login(who, 8, 0, 0), /agent 1 is logged in already/);
  assert.equal(board.get(1), first);
  assert.deepEqual([...board.of(7)], [first]);
  assert.equal(board.of(8).size, 0);
  board.logout(first);
  assert.equal(board.of(7).size, 0);
});

// A ready agent whose personal callback is due later has a timer armed for that time. Logging out must
// cancel it: else it outlives the agent (and an engine shut down), keeping a real process alive for hours.
test("logging out cancels the timer armed for the agent's personal callback", async () => {
  // Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 14, 0, 0),
    seed: 5,
    scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
  });
  try {
    const id = await h.campaign(
      { dialMethod: "progressive", maxConcurrent: 10, wrapUpSec: 600, maxAttemptsPerContact: 1 },
      [{ phones: ["+12025551000"] }],
    );
    const [ann] = await queueAgents(h, id, 1);
    const desk = h.engine.agents;
    await desk.login(h.accountId, ann, id);
    await h.engine.start(h.accountId, id);
    const stateOf = () => h.engine.board.get(ann)?.state ?? "logged_out";
    for (let i = 0; i < 60 && stateOf() !== "on_call"; i++) await h.clock.advance(500);
    await desk.hangup(h.accountId, ann);
    for (let i = 0; i < 10 && stateOf() !== "wrap_up"; i++) await h.clock.advance(100);
    const at = h.clock.now() + 2 * 3600_000;
    await desk.dispose(h.accountId, ann, "call back", null, { callbackAt: at, personal: true });
    await desk.ready(h.accountId, ann);
    await h.clock.advance(1000);
    assert.equal(stateOf(), "ready");
    await desk.logout(h.accountId, ann);
    await h.engine.shutdown();
    assert.equal(h.clock.nextAt(), null, "no timer left once the agent logged out and the engine stopped");
  } finally {
    await h.close();
  }
});
