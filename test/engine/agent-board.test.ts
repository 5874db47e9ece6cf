// The agent board's wrap-up: however it ends (its timer, the agent ready sooner, a pause), whoever asked
// is told how long it lasted, so the predictive pacer learns the wrap-ups agents really take.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { AgentBoard } from "../../src/engine/agents/board.ts";

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
