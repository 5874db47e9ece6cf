// The agent board's wrap-up: however it ends (its timer, the agent ready sooner, a pause), whoever asked
// is told how long it lasted, so the predictive pacer learns the wrap-ups agents really take.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { AgentBoard } from "../../src/engine/agents/board.ts";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

test("a wrap-up reports its length when the timer ends it, and when the agent ends it early", async () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const board = new AgentBoard(clock, () => 0.5);
  const ended: [string, number][] = [];
  const agents = [1, 2, 3].map((id) => board.login({ id, accountId: 1, name: `a${id}` }, 7, 0, id));
  board.wrapUp(agents[0], 60, (ms) => ended.push(["timer", ms]));
  board.wrapUp(agents[1], 60, (ms) => ended.push(["ready", ms]));
  board.wrapUp(agents[2], 60, (ms) => ended.push(["paused", ms]));
  await clock.run({ until: clock.now() + 5_000 });
  board.move(agents[1], "ready");
  await clock.run({ until: clock.now() + 3_000 });
  board.move(agents[2], "paused", { pauseReason: "break" });
  await clock.run({ until: clock.now() + 120_000 });
  assert.deepEqual(ended, [
    ["ready", 5_000],
    ["paused", 8_000],
    ["timer", 60_000],
  ]);
  board.move(agents[1], "paused");
  assert.equal(ended.length, 3, "told once");
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
