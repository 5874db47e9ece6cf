// Round robin remembers, for each penalty tier, the agent it served last, and goes on with the next one in
// the queue as it stands now. A bare queue position would skip an agent when one ahead of it leaves the
// queue (every position behind shifts by one), and one memory shared by the tiers would restart the
// overflow tier at its first agent whenever a preferred agent took a call in between.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type SelectableAgent, selectAgent } from "../../src/engine/agents/selection.ts";
import { setCampaignAgents } from "../../src/store/agents.ts";
import { queueAgents } from "../helpers/agents.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);

const agent = (id: number, order: number, penalty = 0): SelectableAgent => ({
  id,
  penalty,
  readySince: 0,
  callsTaken: 0,
  order,
});

/** A round-robin progressive campaign with four agents in its queue (`penalties` in queue order), all
 *  logged in; `pick` asks the board for the next agent. */
async function fourOnBoard(h: Harness, penalties?: number[]) {
  const id = await h.campaign({ dialMethod: "progressive", agentSelection: "round_robin" }, []);
  const [a, b, c, d] = await queueAgents(h, id, 4, penalties);
  for (const x of [a, b, c, d]) await h.engine.agents.login(h.accountId, x, id);
  const pick = () => h.engine.board.select(id, "round_robin")?.id;
  return { id, a, b, c, d, pick };
}

/** The campaign's queue becomes `agentIds` (penalty 0), and the engine is told. */
async function setQueue(h: Harness, id: number, agentIds: number[]) {
  await setCampaignAgents(
    h.store,
    h.accountId,
    id,
    agentIds.map((agentId) => ({ agentId, penalty: 0 })),
    h.clock.now(),
  );
  await h.engine.agents.membershipChanged(h.accountId);
}

test("each penalty tier rotates on its own", () => {
  const memory = {};
  const preferred = [agent(1, 0), agent(2, 1)];
  const overflow = [agent(3, 2, 5), agent(4, 3, 5)];
  const served: number[] = [];
  for (let i = 0; i < 4; i++) {
    served.push(selectAgent(overflow, "round_robin", memory, Math.random)?.id ?? 0);
    served.push(selectAgent([...preferred, ...overflow], "round_robin", memory, Math.random)?.id ?? 0);
  }
  assert.deepEqual(served, [3, 1, 4, 2, 3, 1, 4, 2]);
});

test("the next after the agent served last, where it stands now or, gone, where it stood", () => {
  const memory = {};
  const pick = (ready: SelectableAgent[], onBoard: SelectableAgent[]) =>
    selectAgent(ready, "round_robin", memory, Math.random, (id) => onBoard.find((a) => a.id === id)?.order)
      ?.id;
  const queue = [agent(1, 0), agent(2, 1), agent(3, 2), agent(4, 3), agent(5, 4)];
  assert.equal(pick(queue, queue), 1);
  assert.equal(pick(queue, queue), 2);
  // 1 leaves the queue: the others move up one place. 2 (served last, on its call) is at 0 now: then 3.
  const moved = [agent(2, 0), agent(3, 1), agent(4, 2), agent(5, 3)];
  assert.equal(pick(moved.slice(1), moved), 3);
  // 3 (served last) leaves the queue in turn: 4 moved up to its place, and comes next.
  const without3 = [agent(2, 0), agent(4, 1), agent(5, 2)];
  assert.equal(pick(without3, without3), 4);
  // 4 only logs out, still in the queue: the places hold, and 5 comes next.
  const without4 = [agent(2, 0), agent(5, 2)];
  assert.equal(pick(without4, without4), 5);
  assert.equal(pick(without4, without4), 2);
});

test("through the board: round robin goes on after the agent served last when one ahead of it leaves the queue", async () => {
  const h = await harness({ start: START });
  try {
    const { id, a, b, c, d, pick } = await fourOnBoard(h);
    assert.equal(pick(), a);
    assert.equal(pick(), b, "b was served last");
    // a leaves the queue (ready: logged out at once); b, c, d stay, each a place further up.
    await setQueue(h, id, [b, c, d]);
    assert.equal(h.engine.board.get(a), undefined, "a is logged out");
    assert.equal(pick(), c, "after b comes c, not skipped");
  } finally {
    await h.close();
  }
});

test("through the board: the agent served last taken out of the queue on its call is followed by the one behind it", async () => {
  const h = await harness({ start: START });
  try {
    const { id, a, b, c, d, pick } = await fourOnBoard(h);
    assert.equal(pick(), a);
    assert.equal(pick(), b);
    const onCall = h.engine.board.get(b);
    assert.ok(onCall);
    onCall.state = "on_call";
    // b is taken out of the queue during its call (it stays, leaving, until the call ends); c, d move up.
    await setQueue(h, id, [a, c, d]);
    assert.equal(onCall.leaving, true);
    assert.equal(pick(), c, "after b comes c, not skipped");
  } finally {
    await h.close();
  }
});

test("through the board: the overflow agents (penalty 5) take turns while the preferred ones take calls in between", async () => {
  const h = await harness({ start: START });
  try {
    const { id, a, b, c, d } = await fourOnBoard(h, [0, 0, 5, 5]);
    const board = h.engine.board;
    const preferred = [board.get(a), board.get(b)];
    const overflow: string[] = [];
    for (let round = 0; round < 4; round++) {
      // a and b busy: the call overflows to c or d.
      for (const p of preferred) if (p) p.state = "on_call";
      const taken = board.select(id, "round_robin")?.id;
      overflow.push(taken === c ? "c" : taken === d ? "d" : String(taken));
      // a and b free again: the next call goes to one of them.
      for (const p of preferred) if (p) p.state = "ready";
      assert.ok([a, b].includes(board.select(id, "round_robin")?.id ?? 0));
    }
    assert.deepEqual(overflow, ["c", "d", "c", "d"]);
  } finally {
    await h.close();
  }
});
