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

test("AMD parameters bound the verdict: a machine after its greeting, every verdict within the total", async () => {
  const T0 = Date.UTC(2026, 0, 5);
  const scenario = {
    outcomes: { human: 1, machine: 1 },
    amdSec: { kind: "uniform", min: 0.2, max: 9 },
    amdAccuracy: 1,
    ringSec: 5,
    talkSec: 60,
  };
  const params = { greeting: 1500, afterGreetingSilence: 800, totalAnalysisTime: 3000 };
  const verdictDelays = async (amdParams?: Record<string, number>) => {
    const r = await runCalls({ seed: 7, scenario }, 400, {
      amd: { enabled: true, mode: "background", ...(amdParams ? { params: amdParams } : {}) },
    });
    const ringMs = new Map(r.ended.map((e) => [e.callId, e.ringSec * 1000]));
    return r.answered.map((a) => ({ by: a.by, ms: a.at - T0 - (ringMs.get(a.callId) ?? 0) }));
  };
  const bounded = await verdictDelays(params);
  assert.equal(bounded.length, 400);
  for (const v of bounded) {
    const floor = v.by === "machine" ? params.greeting : params.afterGreetingSilence;
    assert.ok(v.ms >= floor - 2 && v.ms <= params.totalAnalysisTime + 2, `${v.by} verdict after ${v.ms} ms`);
  }
  const atTotal = bounded.filter((v) => Math.abs(v.ms - params.totalAnalysisTime) <= 2).length;
  assert.ok(atTotal > 100, `a slow detector is cut off at the total analysis time (${atTotal})`);
  // The same detector without parameters takes as long as it takes: the bounds above came from them.
  const free = await verdictDelays();
  assert.ok(free.some((v) => v.ms > 5000));
  assert.ok(free.some((v) => v.by === "machine" && v.ms < 1000));
});

test("blocking AMD hangs up on a machine at its verdict; a person's conversation starts after it", async () => {
  const r = await runCalls(
    { seed: 5, scenario: { outcomes: { human: 1, machine: 1 }, amdAccuracy: 1, talkSec: 30 } },
    200,
    { amd: { enabled: true, mode: "blocking", params: { greeting: 2500, totalAnalysisTime: 3500 } } },
  );
  const machines = r.ended.filter((e) => e.answeredBy === "machine");
  const people = r.ended.filter((e) => e.answeredBy === "human");
  assert.ok(machines.length > 50 && people.length > 50);
  for (const e of machines) assert.ok(e.talkSec >= 2.5 && e.talkSec <= 3.5, `machine ended at ${e.talkSec}`);
  for (const e of people) assert.ok(e.talkSec > 30 && e.talkSec <= 30 + 3.5, `person talked ${e.talkSec}`);
});

test("AMD's error rate makes that share of verdicts wrong, the same calls under the same seed", async () => {
  const wrong = async (seed: number, errorRate: number) => {
    const r = await runCalls({ seed, scenario: { base: "all_human", amdAccuracy: 1, ringSec: 5 } }, 2000, {
      amd: { enabled: true, mode: "background", params: { errorRate } },
    });
    assert.equal(r.answered.length, 2000);
    return r.answered
      .filter((a) => a.by === "machine")
      .map((a) => a.callId)
      .sort();
  };
  const a = await wrong(11, 0.2);
  assert.ok(a.length > 0.17 * 2000 && a.length < 0.23 * 2000, `${a.length} of 2000 wrong`);
  assert.deepEqual(await wrong(11, 0.2), a);
  assert.notDeepEqual(await wrong(12, 0.2), a);
  assert.equal((await wrong(11, 0)).length, 0);
  // Without the parameter the scenario's accuracy rules: amdAccuracy 1 is never wrong.
  const r = await runCalls({ seed: 11, scenario: { outcomes: { human: 1 }, amdAccuracy: 1 } }, 500, {
    amd: { enabled: true, mode: "background" },
  });
  assert.ok(r.answered.every((x) => x.by === "human"));
});

test("a bot that forwards its transfers reports the channel in the result; end and ignore do not", async () => {
  const scenario = { base: "all_human", transferRate: 1, talkSec: 20 };
  const bot = (onTransfer: "end" | "ignore" | "forward") => ({
    bot: { scriptId: "s-1", onTransfer, transferTo: onTransfer === "forward" ? "ch-9" : null },
  });
  const forwarded = await runCalls({ seed: 2, scenario }, 20, bot("forward"));
  for (const e of forwarded.ended) {
    const transfer = (e.result as { transfer: { to: string; atSec: number } }).transfer;
    assert.equal(transfer.to, "ch-9");
    assert.equal(transfer.atSec, 20, "transferred when the bot's part ended");
    assert.equal(e.talkSec, 40, "the channel talks on after the transfer");
  }
  for (const kind of ["end", "ignore"] as const) {
    const r = await runCalls({ seed: 2, scenario }, 20, bot(kind));
    assert.ok(r.ended.every((e) => e.result === undefined && e.talkSec === 20));
  }
  assert.throws(() => resolveScenario({ transferRate: 2 }), /scenario.transferRate/);
});

test("a voicemail waits for the machine's greeting to end; after a person's answer it goes at once", async () => {
  const scenario = {
    outcomes: { machine: 1, human: 1 },
    amdAccuracy: 0.8,
    machineSec: { kind: "uniform", min: 10, max: 30 },
    talkSec: 60,
  } as const;
  const amd = { amd: { enabled: true, mode: "background" as const } };
  // The same seed without a hangup: how long each machine's greeting ran.
  const natural = await runCalls({ seed: 11, scenario }, 200, amd);
  const r = rig({ seed: 11, scenario });
  r.driver.setListener({
    ringing: () => {},
    answered: (callId, by) => {
      r.answered.push({ callId, by, at: r.clock.now() });
      if (by === "machine") r.driver.hangup(callId, { announce: "vm-7", afterGreeting: true });
    },
    ended: (ev) => r.ended.push({ ...ev, at: r.clock.now() }),
  });
  for (let i = 0; i < 200; i++) r.call(i, amd);
  await r.clock.run({});
  const before = new Map(natural.ended.map((e) => [e.callId, e]));
  const left = r.ended.filter((e) => e.result?.voicemail === "vm-7");
  assert.ok(left.length > 50, `${left.length} voicemails`);
  let realMachines = 0;
  let people = 0;
  for (const e of left) {
    const was = before.get(e.callId)!;
    const verdictAt = r.answered.find((a) => a.callId === e.callId)!.at;
    // Only a person talks the scenario's 60 s: the rest are machines' greetings (10–30 s).
    if (was.talkSec < 60) {
      realMachines++;
      // The message is recorded whole: the call lasts the greeting (to the ms), no longer, no shorter.
      assert.ok(
        Math.abs(e.talkSec - was.talkSec) < 0.001,
        `call ${e.callId}: ${e.talkSec} vs ${was.talkSec}`,
      );
      assert.ok(e.at >= verdictAt);
    } else {
      people++;
      assert.equal(e.at, verdictAt, "a person (a false verdict) is not kept waiting for a beep");
    }
  }
  assert.ok(realMachines > 0 && people > 0, `${realMachines} machines, ${people} people`);
  assert.equal(r.driver.liveCalls, 0);
});

test("a call refused for want of a channel holds none while its 503 is on the way", async () => {
  const r = rig({ seed: 1, scenario: { base: "all_human", ringSec: 5, talkSec: 100 }, maxChannels: 1 });
  r.call(0);
  r.call(1); // refused: the one channel is taken
  r.driver.hangup("0"); // the channel is free again at once
  r.call(2); // ...so this one gets it, in the same instant as call 1's 503
  await r.clock.run({});
  const byId = new Map(r.ended.map((e) => [e.callId, e]));
  assert.equal(byId.get("1")?.code, 503);
  assert.equal(byId.get("2")?.cause, "normal", `call 2: ${JSON.stringify(byId.get("2"))}`);
  assert.equal(r.driver.liveCalls, 0);
});

test("a request's inline scenario (campaign settings) is played; one that does not resolve is refused", async () => {
  const r = rig({ seed: 1, scenario: { base: "default", overrides: { "+12025551005": "human" } } });
  for (let i = 0; i < 10; i++) r.call(i, { scenario: '{"outcomes":{"busy":1}}' });
  await r.clock.run({});
  const causes = new Map(r.ended.map((e) => [e.callId, e.cause]));
  // Every call busy, except the number the driver forces (its overrides still apply).
  for (let i = 0; i < 10; i++) assert.equal(causes.get(String(i)), i === 5 ? "normal" : "busy", `call ${i}`);
  // A typo or a bad inline scenario must not silently run the default: the originate says why.
  for (const scenario of ["always_bussy", "constructor", '{"outcomes":{"human":-1}}']) {
    assert.throws(() => r.call(99, { scenario }), ScenarioError, scenario);
  }
  assert.equal(r.driver.liveCalls, 0, "a refused request holds nothing");
});

test("a scenario that cannot be drawn from is refused", () => {
  // 1e400 is JSON for Infinity: every draw would be NaN.
  assert.throws(() => resolveScenario('{"outcomes":{"human":1e400}}'), /outcomes.human: must be a finite/);
  for (const kind of ["lognormal", "exponential"]) {
    assert.throws(
      () => resolveScenario({ talkSec: { kind, median: 60, sigma: 1, mean: 60, min: 100, max: 10 } }),
      /talkSec: min is above max/,
      kind,
    );
  }
  for (const name of ["constructor", "toString", "__proto__"]) {
    assert.throws(() => resolveScenario(name), /unknown name/, name);
    assert.throws(() => resolveScenario({ base: name }), /unknown name/, name);
  }
});

test("a request the clock cannot time is refused whole: nothing of it rings or answers later", async () => {
  const r = rig({ seed: 1, scenario: "all_human" });
  const rang: string[] = [];
  r.driver.setListener({
    ringing: (id) => rang.push(id),
    answered: (id, by) => r.answered.push({ callId: id, by, at: r.clock.now() }),
    ended: (ev) => r.ended.push({ ...ev, at: r.clock.now() }),
  });
  // A robot scenario whose talk time is not a number: ringing and the answer were already on the clock.
  const robot = {
    key: "r",
    name: "r",
    say: null,
    results: [{ name: "ok", weight: 1 }],
    talkSec: { kind: "fixed" as const, value: Number.NaN },
  };
  assert.throws(() => r.call(0, { robot }), RangeError);
  assert.equal(r.driver.liveCalls, 0);
  await r.clock.run({});
  assert.deepEqual([rang, r.answered, r.ended], [[], [], []]);
});
