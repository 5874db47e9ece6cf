// The sim driver: reproducible from its seed, shaped by its scenario, honest about channels, AMD,
// recording and hangup.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { CallEnded, OriginateRequest } from "../../src/telephony/driver.ts";
import { resolveScenario, ScenarioError } from "../../src/telephony/sim/scenario.ts";
import { SimDriver, type SimDriverOptions } from "../../src/telephony/sim/sim-driver.ts";

function rig(opts: SimDriverOptions) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5));
  const driver = new SimDriver({ clock }, opts);
  const ended: (CallEnded & { at: number })[] = [];
  const answered: { callId: string; by: string; at: number }[] = [];
  driver.setListener({
    ringing: () => {},
    answered: (callId, by) => answered.push({ callId, by, at: clock.now() }),
    ended: (ev) => ended.push({ ...ev, at: clock.now() }),
  });
  const call = (i: number, over: Partial<OriginateRequest> = {}) =>
    driver.originate({
      callId: String(i),
      to: `+1202555${1000 + i}`,
      callerId: null,
      ringTimeoutSec: 30,
      ...over,
    });
  return { clock, driver, ended, answered, call };
}

async function runCalls(opts: SimDriverOptions, n: number, over: Partial<OriginateRequest> = {}) {
  const r = rig(opts);
  for (let i = 0; i < n; i++) r.call(i, over);
  await r.clock.run({});
  return r;
}

test("the same seed gives the same calls; another seed gives others", async () => {
  const a = await runCalls({ seed: 42 }, 300);
  const b = await runCalls({ seed: 42 }, 300);
  const c = await runCalls({ seed: 43 }, 300);
  const sig = (r: typeof a) => r.ended.map((e) => `${e.callId}:${e.cause}:${e.at}:${e.talkSec}`).sort();
  assert.equal(a.ended.length, 300);
  assert.deepEqual(sig(a), sig(b));
  assert.notDeepEqual(sig(a), sig(c));
});

test("outcome mix follows the scenario's weights", async () => {
  const r = await runCalls({ seed: 1, scenario: "default" }, 4000);
  const count = (pred: (e: CallEnded) => boolean) => r.ended.filter(pred).length / 4000;
  // default: human 0.35, machine 0.15, busy 0.1, no answer 0.3 (plus long rings), failed 0.05, rejected 0.05
  const human = count((e) => e.cause === "normal" && e.answeredBy === "human");
  const busy = count((e) => e.cause === "busy");
  const rejected = count((e) => e.cause === "rejected" && e.code === 603);
  assert.ok(human > 0.3 && human < 0.4, `human ${human}`);
  assert.ok(busy > 0.08 && busy < 0.12, `busy ${busy}`);
  assert.ok(rejected > 0.03 && rejected < 0.07, `rejected ${rejected}`);
  const noAnswer = count((e) => e.cause === "no_answer");
  assert.ok(noAnswer > 0.27 && noAnswer < 0.36, `no answer ${noAnswer}`);
});

test("no answer rings exactly the ring timeout; overrides force a number", async () => {
  const r = rig({ seed: 1, scenario: { base: "all_human", overrides: { "+12025551000": "no_answer" } } });
  r.call(0, { ringTimeoutSec: 20 });
  r.call(1, { ringTimeoutSec: 20 });
  await r.clock.run({});
  const [na] = r.ended.filter((e) => e.callId === "0");
  assert.equal(na.cause, "no_answer");
  assert.ok(Math.abs(na.at - Date.UTC(2026, 0, 5) - na.ringSec * 1000) < 2);
  assert.ok(na.ringSec >= 20 && na.ringSec <= 22.5);
  const human = r.ended.find((e) => e.callId === "1")!;
  assert.equal(human.cause, "normal");
  assert.equal(human.answeredBy, "human");
  assert.ok(human.talkSec > 0);
});

test("blocking AMD hangs up on machines after detection; recording metadata is trimmed", async () => {
  const r = await runCalls(
    { seed: 3, scenario: { base: "default", outcomes: { machine: 1 }, amdAccuracy: 1 } },
    50,
    {
      amd: { enabled: true, mode: "blocking" },
      record: { enabled: true, trimLeftSec: 1 },
    },
  );
  for (const e of r.ended.filter((x) => x.cause === "normal")) {
    assert.equal(e.answeredBy, "machine");
    assert.ok(e.talkSec >= 2 && e.talkSec <= 4, `detected within the AMD time: ${e.talkSec}`);
    assert.equal(e.recording?.trimLeftSec, 1);
    assert.ok(Math.abs(e.recording!.durationSec - (e.talkSec - 1)) < 1e-9);
  }
  assert.ok(r.answered.every((a) => a.by === "machine"));
});

test("hangup before answer is cancelled; after answer it ends the talk", async () => {
  const r = rig({ seed: 1, scenario: { base: "all_human", ringSec: 10, talkSec: 100, postDialSec: 0 } });
  r.call(0);
  r.call(1);
  await r.clock.advance(5000);
  r.driver.hangup("0");
  await r.clock.advance(10_000);
  r.driver.hangup("1");
  await r.clock.run({});
  const [c0, c1] = ["0", "1"].map((id) => r.ended.find((e) => e.callId === id)!);
  assert.equal(c0.cause, "cancelled");
  assert.equal(c0.ringSec, 5);
  assert.equal(c1.cause, "normal");
  assert.equal(c1.talkSec, 5);
  assert.equal(r.ended.length, 2, "each call ends once");
  assert.equal(r.driver.liveCalls, 0);
});

test("calls beyond the channel limit fail with 503", async () => {
  const r = await runCalls({ seed: 1, scenario: "all_human", maxChannels: 3 }, 5);
  const congested = r.ended.filter((e) => e.code === 503);
  assert.deepEqual(congested.map((e) => e.callId).sort(), ["3", "4"]);
});

test("a bad scenario names its field", () => {
  assert.throws(() => resolveScenario("nope"), /unknown name "nope"/);
  assert.throws(() => resolveScenario({ outcomes: { maybe: 1 } }), /scenario.outcomes.maybe/);
  assert.throws(
    () => resolveScenario({ ringSec: { kind: "uniform", min: 5, max: 1 } }),
    /ringSec: min is above max/,
  );
  assert.throws(() => resolveScenario('{"talkSec": -1}'), ScenarioError);
  assert.throws(() => resolveScenario("{oops"), /not valid JSON/);
  assert.equal(resolveScenario('{"base":"always_busy"}').outcomes.busy, 1);
});
