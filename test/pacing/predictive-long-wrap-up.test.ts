// Campaigns may time wrap-ups up to an hour, while the predictive pacer's wrap-up law reached 600 s only:
// every longer wrap-up fell into the law's last bin, which the forecast read as "ends now", so an agent
// 650 s into a 900 s wrap-up counted as free within the second and the pacer dialed a line for each such
// agent (an engine campaign with wrapUpSec 900 abandoned 9.6 % of its live answers, audit pacing11).
// These show that an agent past the law's range is never foreseen free, and that given the campaign's
// timed wrap-up (wrapUpMs) the law reaches past it: agents 250 s from its end get no line, agents 5 s
// from it do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { createPacer } from "../../src/pacing/index.ts";
import { PredictivePacer, wrapLawMs } from "../../src/pacing/predictive.ts";
import type { Pacer, PacingSnapshot } from "../../src/pacing/types.ts";

const NOW = 10_000_000;

/** A third of the dials reach a person at 9 s; every call lasts 2 min and its wrap-up `wrapMs`. */
function teach(pacer: Pacer, wrapMs: number): void {
  for (let i = 0; i < 400; i++) {
    if (i % 3 === 0) pacer.onDialResult?.({ now: 0, outcome: "human", ringMs: 9000, amdMs: 0 });
    else pacer.onDialResult?.({ now: 0, outcome: "no_answer", ringMs: 27_000 });
  }
  for (let i = 0; i < 60; i++) {
    pacer.onTalkEnded?.({ now: 0, talkMs: 120_000, wrapUp: true });
    pacer.onWrapEnded?.({ now: 0, wrapMs });
  }
}

/** Ten agents, all `sec` seconds into their wrap-up, and no line out. */
function inWrapUp(sec: number): PacingSnapshot {
  return {
    now: NOW,
    agents: Array.from({ length: 10 }, () => ({ state: "wrap_up" as const, since: NOW - sec * 1000 })),
    lines: [],
  };
}

test("agents deeper in a wrap-up than the law reaches (600 s) are not counted free", () => {
  const pacer = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 2000, maxLinesPerAgent: 3 });
  teach(pacer, 900_000); // every wrap-up so far lasted 900 s
  assert.equal(pacer.decide(inWrapUp(500)), 0, "500 s in (400 s left)");
  assert.equal(pacer.decide(inWrapUp(650)), 0, "650 s in (250 s left): past the law, its end unknown");
  assert.equal(pacer.decide(inWrapUp(3000)), 0, "3000 s in");
});

test("with the campaign's timed wrap-up the law reaches its end: agents are dialed for just before it", () => {
  for (const wrapUpMs of [900_000, 3_600_000]) {
    const pacer = createPacer("predictive", {
      tracker: new AbandonTracker(),
      graceMs: 2000,
      maxLinesPerAgent: 3,
      wrapUpMs,
    });
    teach(pacer, wrapUpMs);
    const sec = wrapUpMs / 1000;
    assert.equal(pacer.decide(inWrapUp(650)), 0, `${sec} s wrap-up, 650 s in`);
    assert.equal(pacer.decide(inWrapUp(sec - 250)), 0, `${sec} s wrap-up, 250 s left`);
    const near = pacer.decide(inWrapUp(sec - 5));
    assert.ok(near >= 10, `${sec} s wrap-up, 5 s left: ${near} lines for 10 agents about to free`);
  }
});

test("the law's range is 600 s unless the timed wrap-up needs more", () => {
  assert.equal(wrapLawMs(null), 600_000);
  assert.equal(wrapLawMs(15_000), 600_000);
  assert.equal(wrapLawMs(540_000), 600_000);
  assert.ok(wrapLawMs(900_000) > 900_000);
  assert.ok(wrapLawMs(3_600_000) > 3_600_000);
});
