// The OB50 simulator: deterministic from its seed, the same people for every policy, and the
// anchors of pacing-benchmark.md §4 (progressive ≈ 75% by formula 1, the oracle ≈ 100%).
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { oracleSchedule } from "../../bench/pacing/oracle.ts";
import { EventQueue } from "../../src/pacing/sim/event-queue.ts";
import {
  drawLead,
  OB50,
  outcomeAt,
  PacingScenarioError,
  parseScenario,
} from "../../src/pacing/sim/scenario.ts";
import { simulate } from "../../src/pacing/sim/simulator.ts";
import { ProgressivePacer } from "../../src/pacing/simple.ts";

const SHORT = { ...OB50, agents: 20, shiftSec: 3600, leads: 5000 };

test("the event queue pops in time order, ties in insertion order", () => {
  const q = new EventQueue<string>();
  const times = [5, 1, 3, 3, 9, 0, 3, 7, 2, 8];
  times.forEach((t, i) => {
    q.push(t, `${t}:${i}`);
  });
  const out: string[] = [];
  while (q.size > 0) out.push(q.pop()!.item);
  assert.deepEqual(out, ["0:5", "1:1", "2:8", "3:2", "3:3", "3:6", "5:0", "7:7", "8:9", "9:4"]);
  assert.equal(q.pop(), undefined);
});

test("a lead's attributes depend on (seed, index) only, and the outcome mix matches the scenario", () => {
  assert.deepEqual(drawLead(OB50, 7, 123), drawLead({ ...OB50, agents: 10 }, 7, 123));
  assert.notDeepEqual(drawLead(OB50, 7, 123), drawLead(OB50, 8, 123));
  const counts = { human: 0, machine: 0, no_answer: 0, busy: 0, sit: 0 };
  let talk = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const lead = drawLead(OB50, 1, i);
    counts[outcomeAt(OB50, lead, 0)]++;
    talk += lead.talkMs;
  }
  assert.ok(Math.abs(counts.human / n - 0.3) < 0.01);
  assert.ok(Math.abs(counts.machine / n - 0.15) < 0.01);
  assert.ok(Math.abs(counts.no_answer / n - 0.4) < 0.01);
  assert.ok(Math.abs(talk / n / 1000 - 180) < 6, `mean talk ${talk / n / 1000} s`);
});

test("the mix in force when a lead is dialed decides its outcome (the human-drop scenario)", () => {
  const drop = parseScenario(JSON.parse(fs.readFileSync("bench/pacing/human-drop.json", "utf8")));
  let before = 0;
  let after = 0;
  for (let i = 0; i < 10_000; i++) {
    const lead = drawLead(drop, 2, i);
    if (outcomeAt(drop, lead, 0) === "human") before++;
    if (outcomeAt(drop, lead, 14_400_000) === "human") after++;
  }
  assert.ok(Math.abs(before / 10_000 - 0.3) < 0.015 && Math.abs(after / 10_000 - 0.1) < 0.015);
});

test("scenario files must give every parameter", () => {
  const ob50 = parseScenario(JSON.parse(fs.readFileSync("bench/pacing/ob50.json", "utf8")));
  assert.deepEqual(ob50, OB50);
  const { wrapSec: _, ...missing } = OB50;
  assert.throws(() => parseScenario(missing), PacingScenarioError);
  assert.throws(() => parseScenario({ ...OB50, colour: "blue" }), PacingScenarioError);
  assert.throws(() => parseScenario({ ...OB50, outcomes: { ...OB50.outcomes, human: 0.5 } }), /sum/);
});

test("the same seed replays the same shift; another seed gives another", () => {
  const a = simulate({ scenario: SHORT, seed: 5, pacer: new ProgressivePacer() });
  const b = simulate({ scenario: SHORT, seed: 5, pacer: new ProgressivePacer() });
  const c = simulate({ scenario: SHORT, seed: 6, pacer: new ProgressivePacer() });
  assert.deepEqual(a, { ...b, seed: 5 });
  assert.notEqual(a.occupancy, c.occupancy);
});

test("progressive on OB50 is busy about 75% of the time, as formula 1 says", () => {
  const r = simulate({ scenario: OB50, seed: 1, pacer: new ProgressivePacer() });
  // W / (W + E[C]/p_c) with W = 190.9 s, E[C] = 19.4 s, p_c = 0.312 → 0.755.
  assert.ok(r.occupancy > 0.745 && r.occupancy < 0.765, `occupancy ${r.occupancy}`);
  assert.equal(r.drops, 0);
  assert.ok(Math.abs(r.abandonRate - 0.01) < 0.004, "AMD false positives only");
  assert.equal(r.leadsExhaustedAtSec, null);
});

test("the oracle keeps every agent busy and abandons nobody", () => {
  const r = simulate({ scenario: OB50, seed: 2, schedule: oracleSchedule(OB50, 2) });
  assert.ok(r.occupancy > 0.998, `occupancy ${r.occupancy}`);
  assert.equal(r.abandonRate, 0);
  assert.ok(Math.abs(r.talkMinPerAgentHour - 54) < 1);
  assert.equal(r.dials, r.liveAnswers, "it dials only people");
});

test("a list that runs out is reported", () => {
  const r = simulate({ scenario: { ...SHORT, leads: 300 }, seed: 1, pacer: new ProgressivePacer() });
  assert.equal(r.dials, 300);
  assert.ok(r.leadsExhaustedAtSec !== null && r.leadsExhaustedAtSec < 3600);
});
