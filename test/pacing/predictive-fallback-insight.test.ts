// The pacing view's estimates (GET /v1/campaigns/{id}/pacing `predictive.human_share`, `mean_talk_sec`,
// `mean_wrap_up_sec`; `outdial pacing`'s "estimates:" line) are what the shift taught the pacer. A decision
// in fallback (a window over the abandonment target) or at the lines cap returns before the rebuild that
// refreshes them, so a campaign in fallback all shift showed its priors — no dial reaching a person, a
// 300 s talk, a 40 s wrap-up — beside 190 dial results and 148 talks (audit pacing13). These show that
// insight() reports what was learned in those cases too, and that working it out never moves a decision:
// the decisions after a fallback rest on the model as the pacer last rebuilt it (bench:pacing's figures).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { PredictivePacer } from "../../src/pacing/predictive.ts";
import type { AgentState, PacerInsight, PacingSnapshot } from "../../src/pacing/types.ts";

/** Every dial reaches a person at 5 s; calls of 20 s, wrap-ups of 5 s. */
function teach(pacer: PredictivePacer, n: number): void {
  for (let i = 0; i < n; i++) {
    pacer.onDialResult({ now: 0, outcome: "human", ringMs: 5000, amdMs: 0 });
    pacer.onTalkEnded({ now: 0, talkMs: 20_000, wrapUp: true });
    pacer.onWrapEnded({ now: 0, wrapMs: 5000 });
  }
}

function snapshot(now: number, lines = 0): PacingSnapshot {
  const agents: { state: AgentState; since: number }[] = [
    { state: "ready", since: now - 1000 },
    { state: "on_call", since: now - 10_000 },
    { state: "on_call", since: now - 3000 },
    { state: "wrap_up", since: now - 2000 },
  ];
  const ringing = Array.from({ length: lines }, () => ({
    stage: "ringing" as const,
    dialedAt: now - 2000,
    answeredAt: null,
  }));
  return { now, agents, lines: ringing };
}

/** A tracker over its 3 % target: 10 of 100 live answers abandoned. */
function overTarget(): AbandonTracker {
  const t = new AbandonTracker({ targetRate: 0.03 });
  for (let i = 0; i < 100; i++) t.recordLiveAnswer(0, i % 10 === 0 ? "no_agent" : "connected");
  return t;
}

test("a pacer in fallback all along reports what it learned, not its priors", () => {
  const pacer = new PredictivePacer({ tracker: overTarget() });
  teach(pacer, 200);
  for (let now = 60_000; now <= 120_000; now += 500) pacer.decide(snapshot(now));
  const i = pacer.insight();
  assert.equal(i.mode, "fallback");
  assert.ok(i.humanShare > 0.8, `every dial reached a person; the view says ${i.humanShare}`);
  // The priors: a 300 s talk, a 40 s wrap-up (their long tails, which never fade, keep the means above).
  assert.ok(i.meanTalkMs < 60_000, `calls of 20 s; the view says a mean of ${i.meanTalkMs} ms`);
  assert.ok(i.meanWrapMs < 15_000, `wrap-ups of 5 s; the view says a mean of ${i.meanWrapMs} ms`);
});

test("a pacer at its lines cap reports what it learned", () => {
  const pacer = new PredictivePacer({ tracker: new AbandonTracker(), maxLinesPerAgent: 1 });
  teach(pacer, 200);
  // 4 agents logged in, 4 lines out: no room for a dial, so the decision returns before any rebuild.
  pacer.decide(snapshot(60_000, 4));
  const i = pacer.insight();
  assert.equal(i.nextDialDropChance, null, "at the lines cap");
  assert.ok(i.humanShare > 0.8 && i.meanTalkMs < 60_000, `the view says ${JSON.stringify(i)}`);
});

/** Drops or put-through answers, recorded until the tracker's rate is over (or under) its 3 % target. */
function bringRate(t: AbandonTracker, now: number, over: boolean): void {
  const rate = () => t.strictest(now).rate;
  while (over ? rate() <= 0.04 : rate() >= 0.02) t.recordLiveAnswer(now, over ? "no_agent" : "connected");
}

test("asking for the view never moves a decision, in fallback or after it", () => {
  const asked = new PredictivePacer({ tracker: new AbandonTracker() });
  const unasked = new PredictivePacer({ tracker: new AbandonTracker() });
  const trackers = [asked, unasked].map((p) => (p as unknown as { tracker: AbandonTracker }).tracker);
  // Enough answers that the rate alone decides (FALLBACK_AFTER_LIVE_ANSWERS).
  for (const t of trackers) for (let k = 0; k < 200; k++) t.recordLiveAnswer(0, "connected");
  const modes = new Set<string>();
  for (let step = 0; step < 150; step++) {
    const now = 60_000 + step * 500;
    for (const p of [asked, unasked]) teach(p, step % 7 === 0 ? 1 : 0);
    // 13 s in fallback out of every 25 s: the view's figures go stale in fallback (10 s after the model
    // was last rebuilt) and are worked out again; the model decides again 5 s later, on its own cadence.
    if (step % 50 === 24) for (const t of trackers) bringRate(t, now, true);
    if (step % 50 === 0) for (const t of trackers) bringRate(t, now, false);
    const lines = step % 5;
    const decided = asked.decide(snapshot(now, lines));
    const view = asked.insight();
    modes.add(view.mode);
    assert.equal(decided, unasked.decide(snapshot(now, lines)), `the same decision at ${now}`);
    // The forecast drop chances a decision rests on: any change in the model it decided on shows in them.
    // Read off the pacer that is never asked for its view.
    const { lastDialDropChance, nextDialDropChance } = unasked as unknown as PacerInsight;
    assert.deepEqual(
      [view.lastDialDropChance, view.nextDialDropChance],
      [lastDialDropChance, nextDialDropChance],
      `the same forecast at ${now}`,
    );
  }
  assert.deepEqual([...modes].sort(), ["fallback", "model"], "both modes were decided in");
});
