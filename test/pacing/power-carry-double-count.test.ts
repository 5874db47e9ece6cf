// PowerPacer's error diffusion counted the carried fraction twice when a second decision came while the
// lines of the first were still out (the engine decides on every event: another call ending, a slot, an
// agent's state): with ratio 1.5 and agents freeing one at a time, each got 2 lines, not 1.5 on average,
// 33 % more dialing than configured (pacing9). The carry is owed only to a decision placing new lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PowerPacer } from "../../src/pacing/simple.ts";
import type { AgentState, PacingSnapshot } from "../../src/pacing/types.ts";

function snapshot(ready: number, onCall: number, lines: number): PacingSnapshot {
  const agents = [
    ...Array.from({ length: ready }, () => ({ state: "ready" as AgentState, since: 0 })),
    ...Array.from({ length: onCall }, () => ({ state: "on_call" as AgentState, since: 0 })),
  ];
  return {
    now: 10_000,
    agents,
    lines: Array.from({ length: lines }, () => ({
      stage: "ringing" as const,
      dialedAt: 5000,
      answeredAt: null,
    })),
  };
}

test("power ratio 1.5: one agent freeing at a time, decided on twice while its lines ring, averages 1.5 lines", () => {
  for (const ratio of [1.5, 1.4]) {
    const p = new PowerPacer({ ratio });
    let total = 0;
    for (let i = 0; i < 100; i++) {
      // An agent is ready, no lines out: the first pass dials.
      const first = p.decide(snapshot(1, 9, 0));
      // Another pass (any event) while those lines still ring, nothing else changed.
      const second = p.decide(snapshot(1, 9, first));
      total += first + second;
      // Then the agent takes a call and the lines are settled.
    }
    assert.ok(Math.abs(total / 100 - ratio) < 0.05, `ratio ${ratio}: ${total / 100} lines per freed agent`);
  }
});
