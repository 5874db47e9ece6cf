// The README and the OpenAPI description of targetAbandonRate promise power falls back to one line per ready
// agent as soon as a window is over the cap. It did only once the window held 100 live answers (predictive's
// documented warm-up) or more than target × 200 abandons: 6 abandons in 56 live answers (10.7 %) kept the
// ratio (pacing9). Power has no model a few early answers could mislead: it falls back on the rate alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { PowerPacer } from "../../src/pacing/simple.ts";
import type { AgentState, PacingSnapshot } from "../../src/pacing/types.ts";

function snapshot(now: number, ready: number, onCall: number): PacingSnapshot {
  return {
    now,
    agents: [
      ...Array.from({ length: ready }, () => ({ state: "ready" as AgentState, since: 0 })),
      ...Array.from({ length: onCall }, () => ({ state: "on_call" as AgentState, since: 0 })),
    ],
    lines: [],
  };
}

test("power over its abandonment target in a window (10.7 %) dials one line per ready agent", () => {
  const tracker = new AbandonTracker({ targetRate: 0.03 });
  for (let i = 0; i < 50; i++) tracker.recordLiveAnswer(1000 + i * 1000, "connected");
  for (let i = 0; i < 6; i++) tracker.recordLiveAnswer(60_000 + i * 1000, "no_agent");
  const now = 100_000;
  for (const w of ["24h", "30d", "campaign"] as const) {
    assert.ok(tracker.counts(now, w).rate > 0.1, `${w}: ${tracker.counts(now, w).rate}`);
  }
  const p = new PowerPacer({ ratio: 2, tracker });
  assert.equal(p.decide(snapshot(now, 4, 6)), 4, "over the target: one line per ready agent, not 2 × 4");
});
