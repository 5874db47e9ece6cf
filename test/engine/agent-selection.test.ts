// Which ready agent takes an answered call: each strategy on its own, lower penalty first, and the
// strategies through the engine on the virtual clock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type SelectableAgent, selectAgent } from "../../src/engine/agents/selection.ts";
import type { AgentSelection } from "../../src/model/campaign-settings.ts";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const agent = (id: number, o: Partial<SelectableAgent> = {}): SelectableAgent => ({
  id,
  penalty: 0,
  readySince: 0,
  callsTaken: 0,
  order: id,
  ...o,
});

test("longest idle: the agent ready the longest", () => {
  const pool = [agent(1, { readySince: 300 }), agent(2, { readySince: 100 }), agent(3, { readySince: 200 })];
  assert.equal(selectAgent(pool, "longest_idle", {}, Math.random)?.id, 2);
});

test("fewest calls: the agent with the fewest calls, the longest idle among equals", () => {
  const pool = [
    agent(1, { callsTaken: 3, readySince: 0 }),
    agent(2, { callsTaken: 1, readySince: 500 }),
    agent(3, { callsTaken: 1, readySince: 400 }),
  ];
  assert.equal(selectAgent(pool, "fewest_calls", {}, Math.random)?.id, 3);
});

test("linear: always the first in queue order that is ready", () => {
  const pool = [agent(3, { order: 2 }), agent(7, { order: 0 }), agent(5, { order: 1 })];
  for (let i = 0; i < 3; i++) assert.equal(selectAgent(pool, "linear", {}, Math.random)?.id, 7);
});

test("round-robin with memory: the next after the last served, wrapping, skipping the busy", () => {
  const memory = {};
  const all = [agent(1, { order: 0 }), agent(2, { order: 1 }), agent(3, { order: 2 })];
  const served = [0, 1, 2, 3].map(() => selectAgent(all, "round_robin", memory, Math.random)?.id);
  assert.deepEqual(served, [1, 2, 3, 1]);
  // Agent 2 is busy now: after 1 comes 3, then round to 1.
  const without2 = all.filter((a) => a.id !== 2);
  assert.equal(selectAgent(without2, "round_robin", memory, Math.random)?.id, 3);
  assert.equal(selectAgent(without2, "round_robin", memory, Math.random)?.id, 1);
});

test("random: uniform over the ready agents, from the random source given", () => {
  const pool = [agent(1), agent(2), agent(3), agent(4)];
  const counts = new Map<number, number>();
  let x = 0.5;
  // A deterministic stand-in for a uniform source (a Weyl sequence).
  const rand = () => {
    x = (x + 0.618033988749895) % 1;
    return x;
  };
  for (let i = 0; i < 4000; i++) {
    const id = selectAgent(pool, "random", {}, rand)?.id ?? 0;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const id of [1, 2, 3, 4])
    assert.ok(Math.abs((counts.get(id) ?? 0) - 1000) < 60, `${id}: ${counts.get(id)}`);
});

test("lower penalty first, whatever the strategy", () => {
  const pool = [
    agent(1, { penalty: 2, readySince: 0 }),
    agent(2, { penalty: 1, readySince: 900, callsTaken: 9 }),
  ];
  for (const s of ["longest_idle", "fewest_calls", "round_robin", "random", "linear"] as AgentSelection[]) {
    assert.equal(selectAgent(pool, s, {}, Math.random)?.id, 2, s);
  }
  assert.equal(selectAgent([], "longest_idle", {}, Math.random), null);
});

async function callsPerAgent(strategy: AgentSelection, penalties: number[] = []) {
  const phone = (i: number) => `+1202555${String(1000 + i)}`;
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 14, 0, 0),
    seed: 3,
    scenario: { outcomes: { human: 1 }, ringSec: 4, talkSec: 3600 },
  });
  const id = await h.campaign(
    { dialMethod: "progressive", agentSelection: strategy, wrapUpSec: 0, maxAttemptsPerContact: 1 },
    Array.from({ length: 60 }, (_, i) => ({ phones: [phone(i)] })),
  );
  const agents = await queueAgents(h, id, 3, penalties);
  await simulatedAgents(h, { talkSec: 20, wrapSec: 0 }).login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(3600_000);
  const attempts = await h.attempts(id);
  await h.close();
  return { agents, byAgent: attempts.map((a) => agents.indexOf(Number(a.agent_id))) };
}

test("through the engine: round-robin serves agents in turn; penalties keep the preferred agent busiest", async () => {
  const rr = await callsPerAgent("round_robin");
  assert.equal(rr.byAgent.length, 60);
  const counts = [0, 1, 2].map((i) => rr.byAgent.filter((a) => a === i).length);
  assert.deepEqual(counts, [20, 20, 20]);
  // Every agent takes calls, and in turn: no agent twice before the others had theirs.
  assert.deepEqual(rr.byAgent.slice(0, 6).sort(), [0, 0, 1, 1, 2, 2]);

  const linear = await callsPerAgent("linear", [1, 0, 2]);
  // The lower penalty (the second agent) is offered every call it is ready for.
  const n = [0, 1, 2].map((i) => linear.byAgent.filter((a) => a === i).length);
  assert.ok(n[1] >= n[0] && n[1] >= n[2], JSON.stringify(n));
});
