// The engine builds a new pacer whenever a campaign's pacing settings change (a tighter abandonment target,
// another grace, lines cap or ring release). A predictive pacer built afresh starts from its priors: what
// the shift taught it (the share of dials reaching a person, ring times, talk and wrap-up laws, the outer
// loop's calibration) was lost to a supervisor's edit, and the pacer dialed as if it knew nothing (audit
// pacing11: talks 209 → 1, mean talk 1 min → 8 min). These show that a pacer given the one it replaces
// (carryOver, or createPacer's `previous`) keeps all of it and decides as that one would, and that wrap-ups
// its predecessor's shorter law could not place count only as lasting that long.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { createPacer } from "../../src/pacing/index.ts";
import { PredictivePacer } from "../../src/pacing/predictive.ts";
import { ProgressivePacer } from "../../src/pacing/simple.ts";
import type { AgentState, Pacer, PacerInsight, PacingSnapshot } from "../../src/pacing/types.ts";

const NOW = 3_600_000;

/** 30 % of dials reach a person at 9 s; calls of about a minute, wrap-ups of about 10 s; three drops. */
function teach(pacer: Pacer, wrapMs = (i: number) => 8000 + i * 100): void {
  for (let i = 0; i < 500; i++) {
    if (i % 10 < 3) pacer.onDialResult?.({ now: 0, outcome: "human", ringMs: 9000, amdMs: 1500 });
    else pacer.onDialResult?.({ now: 0, outcome: "no_answer", ringMs: 25_000 });
  }
  for (let i = 0; i < 200; i++) {
    pacer.onTalkEnded?.({ now: 0, talkMs: 50_000 + (i % 20) * 1000, wrapUp: true });
    pacer.onWrapEnded?.({ now: 0, wrapMs: wrapMs(i) });
  }
  for (let i = 0; i < 3; i++) pacer.onAbandon?.({ now: 0, cause: "no_agent" });
}

/** Agents ready, talking and in wrap-up, and a few lines ringing. */
function shift(now: number, ringing: number): PacingSnapshot {
  const agents: { state: AgentState; since: number }[] = [
    ...Array.from({ length: 3 }, () => ({ state: "ready" as const, since: now - 2000 })),
    ...Array.from({ length: 12 }, (_, i) => ({ state: "on_call" as const, since: now - i * 5000 })),
    ...Array.from({ length: 5 }, (_, i) => ({ state: "wrap_up" as const, since: now - i * 2000 })),
  ];
  const lines = Array.from({ length: ringing }, (_, i) => ({
    stage: "ringing" as const,
    dialedAt: now - i * 3000,
    answeredAt: null,
  }));
  return { now, agents, lines };
}

const LEARNED: (keyof PacerInsight)[] = [
  "humanShare",
  "meanTalkMs",
  "meanWrapMs",
  "dialResults",
  "talks",
  "wrapUps",
  "calibration",
];

test("a pacer rebuilt for a tighter target keeps what the one before it learned", () => {
  const before = new PredictivePacer({ tracker: new AbandonTracker({ targetRate: 0.03 }), graceMs: 2000 });
  teach(before);
  before.decide(shift(NOW, 4));
  const learned = before.insight();
  const settings = { tracker: new AbandonTracker({ targetRate: 0.025 }), graceMs: 2000 };
  const after = createPacer("predictive", { ...settings, previous: before });
  const fresh = createPacer("predictive", settings);
  after.decide(shift(NOW + 500, 4));
  fresh.decide(shift(NOW + 500, 4));
  const kept = after.insight?.();
  const priors = fresh.insight?.();
  assert.ok(kept && priors);
  for (const key of LEARNED) {
    const was = learned[key] as number;
    assert.ok(Math.abs((kept[key] as number) - was) <= 1e-9 * Math.abs(was), `${key}: ${was} → ${kept[key]}`);
  }
  assert.ok(
    priors.talks < 1 && Math.abs(priors.meanTalkMs - learned.meanTalkMs) > 60_000,
    "a fresh one knows nothing",
  );
});

test("under the same settings the carried-over pacer decides as the one before it would", () => {
  const tracker = new AbandonTracker({ targetRate: 0.03 });
  const before = new PredictivePacer({ tracker, graceMs: 2000 });
  const twin = new PredictivePacer({ tracker, graceMs: 2000 });
  teach(before);
  teach(twin);
  const after = new PredictivePacer({ tracker, graceMs: 2000 });
  after.carryOver(before);
  for (let i = 0; i < 6; i++) {
    const s = shift(NOW + i * 11_000, i);
    assert.equal(after.decide(s), twin.decide(s), `decision ${i}`);
    assert.equal(after.threshold, twin.threshold, `threshold ${i}`);
  }
});

test("wrap-ups a shorter law folded into its last bin count only as lasting that long", () => {
  // The campaign's wrap-up went from 5 to 15 minutes: the 600 s law held every 900 s wrap-up in its last
  // bin. Taken as ending at 600 s, agents 650 s in would look overdue and free at once.
  const before = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 2000, wrapUpMs: 300_000 });
  teach(before, () => 900_000);
  const after = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 2000, wrapUpMs: 900_000 });
  after.carryOver(before);
  const deep: PacingSnapshot = {
    now: NOW,
    agents: Array.from({ length: 10 }, () => ({ state: "wrap_up" as const, since: NOW - 650_000 })),
    lines: [],
  };
  assert.equal(after.decide(deep), 0, "650 s into a 900 s wrap-up: no line");
  assert.ok(
    after.insight().meanWrapMs > 600_000,
    `mean wrap-up ${Math.round(after.insight().meanWrapMs)} ms`,
  );
});

test("a pacer of another method has nothing to carry over", () => {
  const pacer = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 2000 });
  const fresh = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 2000 });
  pacer.carryOver(new ProgressivePacer());
  pacer.decide(shift(NOW, 0));
  fresh.decide(shift(NOW, 0));
  assert.deepEqual(pacer.insight(), fresh.insight());
});
