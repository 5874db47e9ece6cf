// Preview, progressive and power pacers: what they dial for a snapshot, and progressive's promise in a
// whole simulated shift (never more lines than free agents, so nobody is dropped).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { OB50 } from "../../src/pacing/sim/scenario.ts";
import { simulate } from "../../src/pacing/sim/simulator.ts";
import { PowerPacer, PreviewPacer, ProgressivePacer } from "../../src/pacing/simple.ts";
import type { AgentState, LineStage, Pacer, PacingSnapshot } from "../../src/pacing/types.ts";

function snapshot(agents: Partial<Record<AgentState, number>>, lines: LineStage[] = []): PacingSnapshot {
  const list = Object.entries(agents).flatMap(([state, n]) =>
    Array.from({ length: n ?? 0 }, () => ({ state: state as AgentState, since: 0 })),
  );
  return {
    now: 10_000,
    agents: list,
    lines: lines.map((stage) => ({ stage, dialedAt: 5000, answeredAt: stage === "ringing" ? null : 9000 })),
  };
}

test("progressive dials one line per ready agent, counting the lines already out", () => {
  const p = new ProgressivePacer();
  assert.equal(p.decide(snapshot({ ready: 4, on_call: 6 })), 4);
  assert.equal(p.decide(snapshot({ ready: 4, on_call: 6 }, ["ringing", "answered"])), 2);
  assert.equal(p.decide(snapshot({ ready: 1, wrap_up: 3 }, ["ringing", "ringing", "waiting"])), 0);
  assert.equal(p.decide(snapshot({ paused: 5 })), 0);
});

test("power dials ratio × ready agents (fractional), counting lines out, under the line cap", () => {
  const p = new PowerPacer({ ratio: 1.5, maxLinesPerAgent: 3.5 });
  assert.equal(p.decide(snapshot({ ready: 2, on_call: 8 })), 3);
  assert.equal(p.decide(snapshot({ ready: 10 })), 15);
  assert.equal(p.decide(snapshot({ ready: 10 }, Array(12).fill("ringing"))), 3);
  assert.equal(p.decide(snapshot({ ready: 4 }, Array(7).fill("ringing"))), 0);
  const capped = new PowerPacer({ ratio: 3, maxLinesPerAgent: 1.2 });
  assert.equal(capped.decide(snapshot({ ready: 10 })), 12);
  assert.throws(() => new PowerPacer({ ratio: 0.5 }), RangeError);
});

test("power over its abandonment target in any window dials as progressive until it is back under", () => {
  const tracker = new AbandonTracker({ targetRate: 0.03 });
  const p = new PowerPacer({ ratio: 2, tracker });
  for (let i = 0; i < 120; i++) tracker.recordLiveAnswer(i, "connected");
  assert.equal(p.decide(snapshot({ ready: 4, on_call: 6 })), 8, "under target: the ratio");
  for (let i = 0; i < 5; i++) tracker.recordLiveAnswer(200 + i, "no_agent"); // 5 of 125: 4 %
  assert.equal(p.decide(snapshot({ ready: 4, on_call: 6 })), 4, "over target: one line per ready agent");
  assert.equal(p.decide(snapshot({ ready: 4, on_call: 6 }, ["ringing"])), 3);
  for (let i = 0; i < 60; i++) tracker.recordLiveAnswer(300 + i, "connected"); // 5 of 185: 2.7 %
  assert.equal(p.decide(snapshot({ ready: 4, on_call: 6 })), 8, "back under: the ratio again");
});

test("a fractional power ratio holds on average when agents free up one at a time", () => {
  for (const ratio of [1.2, 1.49, 2.3]) {
    const p = new PowerPacer({ ratio });
    let lines = 0;
    for (let i = 0; i < 100; i++) lines += p.decide(snapshot({ ready: 1, on_call: 9 }));
    assert.ok(Math.abs(lines / 100 - ratio) < 0.02, `ratio ${ratio}: ${lines / 100} lines per ready agent`);
  }
});

test("preview hands a contact to every ready agent", () => {
  assert.equal(new PreviewPacer().decide(snapshot({ ready: 3, reserved: 2, on_call: 5 })), 3);
});

test("in a whole shift progressive never has more lines out than ready agents and drops nobody", () => {
  const inner = new ProgressivePacer();
  let checked = 0;
  const watching: Pacer = {
    method: "progressive",
    decide(s) {
      const ready = s.agents.filter((a) => a.state === "ready").length;
      assert.ok(s.lines.length <= ready, `${s.lines.length} lines for ${ready} ready agents at ${s.now}`);
      checked++;
      return inner.decide(s);
    },
  };
  const r = simulate({
    scenario: { ...OB50, agents: 20, shiftSec: 3600, leads: 5000 },
    seed: 3,
    pacer: watching,
  });
  assert.ok(checked > 1000);
  assert.equal(r.drops, 0);
  assert.ok(r.falsePositives > 0 && r.abandonRate < 0.03, "only AMD false positives are abandoned");
});

test("power keeps about ratio × ready lines out in a whole shift", () => {
  let sumRatio = 0;
  let samples = 0;
  const inner = new PowerPacer({ ratio: 1.5, maxLinesPerAgent: 3.5 });
  const watching: Pacer = {
    method: "power",
    decide(s) {
      const ready = s.agents.filter((a) => a.state === "ready").length;
      const n = inner.decide(s);
      if (ready >= 4) {
        sumRatio += (s.lines.length + n) / ready;
        samples++;
      }
      return n;
    },
  };
  simulate({ scenario: { ...OB50, agents: 20, shiftSec: 3600, leads: 5000 }, seed: 4, pacer: watching });
  assert.ok(samples > 100);
  const mean = sumRatio / samples;
  assert.ok(mean > 1.35 && mean < 1.65, `lines per ready agent after dialing: ${mean}`);
});
