// The predictive pacer: it learns from results, never dials fewer lines than progressive, falls back to
// progressive while the tracker is over target, and holds the cap in a simulated shift.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { DurationEstimator, RingModel } from "../../src/pacing/estimators.ts";
import { PredictivePacer } from "../../src/pacing/predictive.ts";
import { OB50 } from "../../src/pacing/sim/scenario.ts";
import { simulate } from "../../src/pacing/sim/simulator.ts";
import { ProgressivePacer } from "../../src/pacing/simple.ts";
import type { AgentState, PacingSnapshot } from "../../src/pacing/types.ts";

function snapshot(now: number, agents: [AgentState, number][], ringing = 0): PacingSnapshot {
  return {
    now,
    agents: agents.map(([state, since]) => ({ state, since })),
    lines: Array.from({ length: ringing }, () => ({
      stage: "ringing" as const,
      dialedAt: now - 2000,
      answeredAt: null,
    })),
  };
}

function teach(pacer: PredictivePacer, humanShare: number, results = 400) {
  for (let i = 0; i < results; i++) {
    const human = (i * humanShare) % 1 < humanShare;
    if (human) pacer.onDialResult({ now: 0, outcome: "human", ringMs: 9000, amdMs: 2000 });
    else pacer.onDialResult({ now: 0, outcome: "no_answer", ringMs: 27_000 });
  }
  for (let i = 0; i < 50; i++) {
    pacer.onTalkEnded({ now: 0, talkMs: 120_000 + i * 2000, wrapUp: true });
    pacer.onWrapEnded({ now: 0, wrapMs: 15_000 + i * 200 });
  }
}

const TEN_READY: [AgentState, number][] = [
  ...Array.from({ length: 10 }, (): [AgentState, number] => ["ready", 0]),
  ...Array.from({ length: 40 }, (_, i): [AgentState, number] => ["on_call", i * 5000]),
];

test("what it learns changes what it dials: fewer lines when more of them reach people", () => {
  const often = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 1000 });
  const rarely = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 1000 });
  teach(often, 0.6);
  teach(rarely, 0.15);
  const now = 300_000;
  const a = often.decide(snapshot(now, TEN_READY));
  const b = rarely.decide(snapshot(now, TEN_READY));
  assert.ok(a >= 10 && b > a * 2, `dials for 10 ready agents: ${a} at 60% people, ${b} at 15%`);
  assert.equal(often.mode, "model");
});

test("it never dials fewer lines than progressive would", () => {
  const pacer = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 1000 });
  teach(pacer, 0.95);
  const s = snapshot(300_000, TEN_READY, 4);
  assert.ok(pacer.decide(s) >= new ProgressivePacer().decide(s));
});

test("lines claimed and waiting for their calls-per-second slot count as lines about to ring", () => {
  const now = 300_000;
  const agents: [AgentState, number][] = [
    ...Array.from({ length: 5 }, (): [AgentState, number] => ["ready", now - 10_000]),
    ...Array.from({ length: 45 }, (_, i): [AgentState, number] => ["on_call", now - i * 5000]),
  ];
  const decide = (lines: number, dialedAt: number) => {
    const pacer = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 1000 });
    teach(pacer, 0.3);
    const lineViews = Array.from({ length: lines }, () => ({
      stage: "ringing" as const,
      dialedAt,
      answeredAt: null,
    }));
    return pacer.decide({ ...snapshot(now, agents), lines: lineViews });
  };
  const none = decide(0, now);
  const ringing = decide(10, now);
  const queued = decide(10, now + 3000); // their slots come 3 s from now
  assert.ok(none > ringing, `no lines out: ${none}; 10 ringing: ${ringing}`);
  assert.ok(queued < none, `10 lines queued for their slots were not counted: ${queued} dials, as for none`);
  assert.ok(queued <= ringing + 1, `10 queued: ${queued}; 10 ringing: ${ringing}`);
});

test("over target it dials progressively, and back under target it predicts again", () => {
  const tracker = new AbandonTracker({ targetRate: 0.03 });
  const pacer = new PredictivePacer({ tracker, graceMs: 1000 });
  teach(pacer, 0.3);
  for (let i = 0; i < 120; i++) tracker.recordLiveAnswer(i, i < 5 ? "no_agent" : "connected");
  const s = snapshot(300_000, TEN_READY, 3);
  assert.equal(pacer.decide(s), 7, "5/120 = 4.2% > 3%: one line per ready agent");
  assert.equal(pacer.mode, "fallback");
  for (let i = 0; i < 60; i++) tracker.recordLiveAnswer(200 + i, "connected");
  assert.ok(pacer.decide(s) > 7, "5/180 = 2.8%: dialing ahead again");
  assert.equal(pacer.mode, "model");
});

test("a durations law learned with calls still in progress is not biased short", () => {
  const estimator = new DurationEstimator({
    stepMs: 1000,
    maxMs: 100_000,
    memory: 10_000,
    prior: { weight: 0.01, cdf: (ms) => Math.min(1, ms / 100_000) },
  });
  for (let i = 0; i < 50; i++) estimator.observe(10_500);
  // Fifty more calls are still going at 30 s: half the calls last longer than 10 s, not none.
  estimator.rebuild(Array(50).fill(30_000));
  assert.ok(Math.abs(estimator.survival[15] - 0.5) < 0.01, `S(15 s) = ${estimator.survival[15]}`);
  estimator.rebuild([]);
  assert.ok(estimator.survival[15] < 0.01);
});

test("a duration cut off before its end counts as censored: at risk until then, never ended", () => {
  const make = () =>
    new DurationEstimator({
      stepMs: 1000,
      maxMs: 100_000,
      memory: 10_000,
      prior: { weight: 0.01, cdf: (ms) => Math.min(1, ms / 100_000) },
    });
  const censored = make();
  const ended = make();
  for (let i = 0; i < 50; i++) {
    censored.observe(20_500);
    ended.observe(20_500);
  }
  // Fifty more are cut off at 5 s (the agents logged out in wrap-up): none of them is known to have ended.
  for (let i = 0; i < 50; i++) {
    censored.observeCensored(5_000);
    ended.observe(5_000);
  }
  censored.rebuild([]);
  ended.rebuild([]);
  assert.ok(Math.abs(censored.observations - 100) < 1, `${censored.observations} observations`);
  assert.ok(censored.survival[10] > 0.99, `S(10 s) = ${censored.survival[10]}`);
  assert.ok(Math.abs(censored.meanMs - 21_000) < 500, `mean ${censored.meanMs} ms`);
  assert.ok(ended.meanMs < 14_000, `counted as ended they pull the mean short: ${ended.meanMs} ms`);
  // Just as fifty still going at 5 s would.
  const ongoing = make();
  for (let i = 0; i < 50; i++) ongoing.observe(20_500);
  ongoing.rebuild(Array(50).fill(5_000));
  for (let k = 0; k <= censored.bins; k++) {
    assert.ok(Math.abs(censored.survival[k] - ongoing.survival[k]) < 1e-3, `S(${k} s)`);
  }
});

test("a wrap-up cut off by a logout or a pause is learned as censored, not as a short wrap-up", () => {
  const now = 300_000;
  const wrapLaw = (cutOff: "censored" | "ended" | "none") => {
    const pacer = new PredictivePacer({ tracker: new AbandonTracker(), graceMs: 1000 });
    teach(pacer, 0.3);
    if (cutOff !== "none") {
      for (let i = 0; i < 50; i++) {
        pacer.onWrapEnded({ now, wrapMs: 2000, censored: cutOff === "censored" });
      }
    }
    pacer.decide(snapshot(now, TEN_READY));
    return pacer.insight();
  };
  const none = wrapLaw("none");
  const censored = wrapLaw("censored");
  const ended = wrapLaw("ended");
  // Observations net of fading, the cut-off ones among them.
  assert.equal(censored.wrapUps, ended.wrapUps, "the cut-off wrap-ups are observations too");
  assert.ok(censored.wrapUps > none.wrapUps + 45, `${censored.wrapUps} vs ${none.wrapUps}`);
  assert.ok(
    Math.abs(censored.meanWrapMs - none.meanWrapMs) < 200,
    `mean wrap-up ${censored.meanWrapMs} ms, ${none.meanWrapMs} ms without them`,
  );
  assert.ok(ended.meanWrapMs < none.meanWrapMs * 0.6, `counted as ended: ${ended.meanWrapMs} ms`);
});

test("in a two-hour shift of 20 agents it stays under 3% and beats progressive", () => {
  const scenario = { ...OB50, agents: 20, shiftSec: 7200, leads: 10_000 };
  const tracker = new AbandonTracker({ targetRate: 0.03 });
  const predictive = simulate({
    scenario,
    seed: 11,
    tracker,
    pacer: new PredictivePacer({ tracker, graceMs: 1000, maxLinesPerAgent: 3.5 }),
  });
  const progressive = simulate({ scenario, seed: 11, pacer: new ProgressivePacer() });
  assert.ok(predictive.abandonRate <= 0.03, `abandoned ${predictive.abandonRate}`);
  assert.ok(predictive.drops > 0, "it does dial ahead");
  assert.ok(
    predictive.occupancy > progressive.occupancy + 0.05,
    `${predictive.occupancy} vs progressive ${progressive.occupancy}`,
  );
});

/** 25% people answering at 9 s, 5% at 20 s (the late ones), the rest no answer at 27 s. */
function teachLateAnswers(pacer: PredictivePacer) {
  for (let i = 0; i < 400; i++) {
    const r = i % 20;
    if (r < 5) pacer.onDialResult({ now: 0, outcome: "human", ringMs: 9000, amdMs: 2000 });
    else if (r === 5) pacer.onDialResult({ now: 0, outcome: "human", ringMs: 20_000, amdMs: 2000 });
    else pacer.onDialResult({ now: 0, outcome: "no_answer", ringMs: 27_000 });
  }
  for (let i = 0; i < 50; i++) {
    pacer.onTalkEnded({ now: 0, talkMs: 120_000 + i * 2000, wrapUp: true });
    pacer.onWrapEnded({ now: 0, wrapMs: 15_000 + i * 200 });
  }
}

/** A pacer that releases after 15 s unless `options` say otherwise, taught that some people answer late. */
function releasingPacer(options: { releaseAfterRingMs?: number | null } = {}): PredictivePacer {
  const pacer = new PredictivePacer({
    tracker: new AbandonTracker(),
    graceMs: 1000,
    releaseAfterRingMs: 15_000,
    ...options,
  });
  teachLateAnswers(pacer);
  return pacer;
}

test("a line that rang the legal 15 s is hung up when its person would find no agent, and only then", () => {
  const now = 600_000;
  // Every agent has just started a call: nobody frees up within the forecast's 35 s.
  const allBusy: [AgentState, number][] = Array.from({ length: 10 }, () => ["on_call", now - 1000]);
  const someReady: [AgentState, number][] = [
    ...Array.from({ length: 8 }, (): [AgentState, number] => ["on_call", now - 1000]),
    ["ready", now - 5000],
    ["ready", now - 5000],
  ];
  const line = (rangMs: number | null) => ({
    stage: "ringing" as const,
    dialedAt: now - 19_000,
    answeredAt: null,
    ringingAt: rangMs === null ? null : now - rangMs,
  });
  const releases = (
    agents: [AgentState, number][],
    rangMs: number | null,
    options: { releaseAfterRingMs?: number | null } = {},
  ) => {
    const pacer = releasingPacer(options);
    const s = { ...snapshot(now, agents), lines: [line(rangMs), line(2000)] };
    pacer.decide(s);
    assert.equal(pacer.mode, "model");
    return pacer.releases().map((l) => s.lines.indexOf(l as (typeof s.lines)[number]));
  };
  assert.deepEqual(releases(allBusy, 17_000), [0], "rang 17 s, no agent in sight: hung up");
  assert.deepEqual(releases(allBusy, 14_000), [], "rang 14 s: under the legal minimum, kept");
  assert.deepEqual(releases(allBusy, null), [], "nobody reported it ringing: kept");
  const unsafe = (pacer: PredictivePacer) => {
    const s = { ...snapshot(now, allBusy), lines: [{ ...line(17_000), releasable: false }] };
    pacer.decide(s);
    return pacer.releases().length;
  };
  const pacer = new PredictivePacer({
    tracker: new AbandonTracker(),
    graceMs: 1000,
    releaseAfterRingMs: 15_000,
  });
  teachLateAnswers(pacer);
  assert.equal(unsafe(pacer), 0, "a line its caller cannot hang up safely: kept");
  assert.deepEqual(releases(someReady, 17_000), [], "two agents ready: its person would be served");
  assert.deepEqual(releases(allBusy, 17_000, { releaseAfterRingMs: null }), [], "turned off");
  assert.deepEqual(releases(allBusy, 17_000, { releaseAfterRingMs: 20_000 }), [], "a longer minimum");
  assert.deepEqual(releases(allBusy, 21_000, { releaseAfterRingMs: 20_000 }), [0]);
});

test("in a simulated shift it hangs up late lines only after 15 s of ringing, and the cap holds", () => {
  const scenario = { ...OB50, agents: 10, shiftSec: 7200, leads: 4000 };
  const run = (releaseAfterRingMs: number | null) => {
    const tracker = new AbandonTracker({ targetRate: 0.03 });
    const pacer = new PredictivePacer({ tracker, graceMs: 1000, maxLinesPerAgent: 3.5, releaseAfterRingMs });
    const released: number[] = [];
    const decide = pacer.decide.bind(pacer);
    pacer.decide = (s) => {
      const n = decide(s);
      for (const l of pacer.releases()) {
        assert.equal(l.stage, "ringing");
        released.push(s.now - (l.ringingAt ?? Number.NaN));
      }
      return n;
    };
    return { result: simulate({ scenario, seed: 4, tracker, pacer }), released };
  };
  const on = run(15_000);
  assert.ok(on.released.length > 20, `${on.released.length} lines released`);
  assert.equal(on.result.released, on.released.length, "each release hung up a ringing line");
  assert.ok(
    Math.min(...on.released) >= 15_000,
    `shortest ring before release ${Math.min(...on.released)} ms`,
  );
  assert.ok(on.result.releasedHumans < on.result.released * 0.2, "mostly lines nobody would answer");
  assert.ok(on.result.abandonRate <= 0.03, `abandoned ${on.result.abandonRate}`);
  const off = run(null);
  assert.equal(off.result.released, 0);
  assert.equal(off.released.length, 0);
});

test("a released line is learned as censored: the odds of lines still ringing before its release stay right", () => {
  const model = () => new RingModel({ stepMs: 500, maxMs: 50_000, memory: 1e9 });
  // 200 lines: 40 people answer at 20 s (verdict at 22 s), 160 ring out at 27 s.
  const full = model();
  for (let i = 0; i < 40; i++) full.observe("human", 20_000, 2000);
  for (let i = 0; i < 160; i++) full.observe("other", 27_000);
  // The same lines with half of each kind released at 16 s: their fate is unknown from then on.
  const censored = model();
  const asEnded = model();
  for (let i = 0; i < 20; i++) {
    censored.observe("human", 20_000, 2000);
    asEnded.observe("human", 20_000, 2000);
  }
  for (let i = 0; i < 80; i++) {
    censored.observe("other", 27_000);
    asEnded.observe("other", 27_000);
  }
  for (let i = 0; i < 100; i++) {
    censored.observeCensored(16_000);
    asEnded.observe("other", 16_000);
  }
  for (const m of [full, censored, asEnded]) m.rebuild();
  const at = (m: RingModel, ringingSec: number) => m.ringingHumanBy(ringingSec * 2, 99);
  assert.ok(Math.abs(at(full, 10) - 0.2) < 1e-6, `all seen: ${at(full, 10)}`);
  assert.ok(Math.abs(at(censored, 10) - 0.2) < 1e-6, `censored: ${at(censored, 10)}`);
  assert.ok(Math.abs(at(censored, 18) - 0.2) < 1e-6, `after the release: ${at(censored, 18)}`);
  assert.ok(at(asEnded, 10) < 0.11, `taken as rung out at 16 s, the late people halve: ${at(asEnded, 10)}`);
});

test("a released line leaves the forecast: the next dial is judged as if it were gone; never under 15 s", () => {
  const now = 600_000;
  const agents: [AgentState, number][] = Array.from({ length: 10 }, () => ["on_call", now - 1000]);
  const late = {
    stage: "ringing" as const,
    dialedAt: now - 19_000,
    answeredAt: null,
    ringingAt: now - 17_000,
  };
  const decide = (lines: (typeof late)[], options: { releaseAfterRingMs?: number | null } = {}) => {
    const pacer = releasingPacer(options);
    pacer.decide({ ...snapshot(now, agents), lines });
    return { next: pacer.insight().nextDialDropChance, released: pacer.releases().length };
  };
  const released = decide([late, late, late]);
  assert.equal(released.released, 3);
  assert.equal(released.next, decide([]).next, "the next dial's drop chance: as with no lines out");
  const kept = decide([late, late, late], { releaseAfterRingMs: null });
  assert.equal(kept.released, 0);
  assert.notEqual(kept.next, released.next, "the kept lines are in the forecast");
  const early = { ...late, ringingAt: now - 10_000 };
  assert.equal(decide([early], { releaseAfterRingMs: 5000 }).released, 0, "5 s asked: 15 s kept");
});

test("placed() books forecast drops for the dials placed of the last decision only, never an earlier one's", () => {
  const tracker = new AbandonTracker();
  const pacer = new PredictivePacer({ tracker, graceMs: 1000 });
  teach(pacer, 0.2);
  const now = 300_000;
  const asked = pacer.decide(snapshot(now, TEN_READY));
  assert.equal(pacer.mode, "model");
  assert.ok(asked > 10, `asked ${asked} lines for 10 ready agents`);
  // That decision's claim failed (no placed() for it); the campaign then goes over its target.
  for (let i = 0; i < 200; i++) tracker.recordLiveAnswer(now + 1, i % 5 === 0 ? "no_agent" : "connected");
  const before = pacer.insight().calibration;
  // More agents ready now: a progressive decision with more dials than the earlier one's floor.
  const thirtyReady: [AgentState, number][] = [
    ...Array.from({ length: 30 }, (): [AgentState, number] => ["ready", 0]),
    ...TEN_READY.slice(10),
  ];
  const progressive = pacer.decide(snapshot(now + 500, thirtyReady));
  assert.equal(pacer.mode, "fallback");
  pacer.placed(progressive);
  assert.equal(pacer.insight().calibration, before, "a fallback decision booked the earlier one's drops");
});
