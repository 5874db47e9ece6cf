import assert from "node:assert/strict";
import { test } from "node:test";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { countedAttempts, type DialState, decideAfterAttempt } from "../../src/model/redial-policy.ts";

const state = (over: Partial<DialState> = {}): DialState => ({
  phoneCount: 1,
  attempts: 1,
  phoneIndex: 0,
  phoneAttempts: [1],
  retryCounts: {},
  ...over,
});

test("a human answer at or over the success threshold succeeds; a shorter one is retried as unsuccessful", () => {
  const s = withDefaults({
    successMinTalkSec: 10,
    retry: { unsuccessful: { intervalSec: 60, maxRetries: 1 } },
  });
  assert.deepEqual(decideAfterAttempt(s, state(), "human", 10, 0).final, true);
  const short = decideAfterAttempt(s, state(), "human", 9, 0);
  assert.equal(short.final, false);
  assert.equal(!short.final && short.nextAt, 60_000);
  assert.deepEqual(short.state.retryCounts, { "0:unsuccessful": 1 });
});

test("each outcome waits its own interval and stops after its own count", () => {
  const s = withDefaults({
    maxAttemptsPerContact: 10,
    retry: { busy: { intervalSec: 120, maxRetries: 2 }, no_answer: { intervalSec: 600, maxRetries: 1 } },
  });
  let st = state();
  const first = decideAfterAttempt(s, st, "busy", 0, 1000);
  assert.ok(!first.final && first.nextAt === 1000 + 120_000);
  st = { ...first.state, attempts: 2, phoneAttempts: [2] };
  const second = decideAfterAttempt(s, st, "busy", 0, 2000);
  assert.ok(!second.final && second.nextAt === 2000 + 120_000);
  st = { ...second.state, attempts: 3, phoneAttempts: [3] };
  const third = decideAfterAttempt(s, st, "busy", 0, 3000);
  assert.ok(third.final);
  assert.equal(third.final && third.status, "exhausted");
  const na = decideAfterAttempt(s, state(), "no_answer", 0, 0);
  assert.ok(!na.final && na.nextAt === 600_000);
});

test("an explicit decline is final by default and retried only when allowed", () => {
  const d = decideAfterAttempt(withDefaults({}), state(), "rejected", 0, 0);
  assert.ok(d.final && d.status === "failed" && d.reason === "rejected");
  const allowed = withDefaults({
    rejectedIsFinal: false,
    retry: { rejected: { intervalSec: 5, maxRetries: 1 } },
  });
  const r = decideAfterAttempt(allowed, state(), "rejected", 0, 0);
  assert.ok(!r.final && r.nextAt === 5000);
});

test("max attempts per contact ends the contact whatever the rules allow", () => {
  const s = withDefaults({ maxAttemptsPerContact: 2 });
  const d = decideAfterAttempt(s, state({ attempts: 2, phoneAttempts: [2] }), "busy", 0, 0);
  assert.ok(d.final && d.status === "exhausted" && d.reason === "max_attempts_per_contact");
});

test("a zero-retry rule fails the contact", () => {
  const s = withDefaults({ retry: { machine: { intervalSec: 0, maxRetries: 0 } } });
  const d = decideAfterAttempt(s, state(), "machine", 0, 0);
  assert.ok(d.final && d.status === "failed");
});

test("sequential: all attempts on number 1, then number 2 at once", () => {
  const s = withDefaults({
    multiNumber: "sequential",
    maxAttemptsPerContact: 10,
    maxAttemptsPerPhone: 2,
    retryIntervalSec: 60,
  });
  const a = decideAfterAttempt(s, state({ phoneCount: 2, phoneAttempts: [1, 0] }), "no_answer", 0, 0);
  assert.ok(!a.final && a.phoneIndex === 0 && a.nextAt === 60_000);
  const b = decideAfterAttempt(
    s,
    state({ phoneCount: 2, attempts: 2, phoneAttempts: [2, 0] }),
    "no_answer",
    0,
    0,
  );
  assert.ok(!b.final && b.phoneIndex === 1 && b.nextAt === 0 && b.reason === "next_number");
  const c = decideAfterAttempt(
    s,
    state({ phoneCount: 2, attempts: 4, phoneIndex: 1, phoneAttempts: [2, 2] }),
    "no_answer",
    0,
    0,
  );
  assert.ok(c.final && c.status === "exhausted");
});

test("parallel: the next number after each failed attempt, the retry interval only when wrapping round", () => {
  const s = withDefaults({
    multiNumber: "parallel",
    maxAttemptsPerContact: 10,
    maxAttemptsPerPhone: 2,
    retryIntervalSec: 60,
  });
  const a = decideAfterAttempt(s, state({ phoneCount: 3, phoneAttempts: [1, 0, 0] }), "busy", 0, 0);
  assert.ok(!a.final && a.phoneIndex === 1 && a.nextAt === 0);
  const b = decideAfterAttempt(
    s,
    state({ phoneCount: 3, attempts: 3, phoneIndex: 2, phoneAttempts: [1, 1, 1] }),
    "busy",
    0,
    0,
  );
  assert.ok(!b.final && b.phoneIndex === 0 && b.nextAt === 60_000 && b.reason === "retry");
  const c = decideAfterAttempt(
    s,
    state({ phoneCount: 3, attempts: 4, phoneIndex: 0, phoneAttempts: [2, 1, 1] }),
    "busy",
    0,
    0,
  );
  assert.ok(!c.final && c.phoneIndex === 1);
});

test("parallel: a number whose outcome rule ran out is skipped on later passes", () => {
  const s = withDefaults({
    multiNumber: "parallel",
    maxAttemptsPerContact: 10,
    retry: { failed: { intervalSec: 0, maxRetries: 0 } },
  });
  const a = decideAfterAttempt(s, state({ phoneCount: 2, phoneAttempts: [1, 0] }), "failed", 0, 0);
  assert.ok(!a.final && a.phoneIndex === 1);
  const b = decideAfterAttempt(
    s,
    { ...a.state, attempts: 2, phoneIndex: 1, phoneAttempts: [1, 1] },
    "no_answer",
    0,
    0,
  );
  assert.ok(!b.final && b.phoneIndex === 1, "number 1 is blocked, so number 2 is retried");
});

test("an attempt withdrawn before an answer gives the contact its attempt back", () => {
  const s = withDefaults({ maxAttemptsPerContact: 1 });
  const d = decideAfterAttempt(
    s,
    { phoneCount: 1, attempts: 1, phoneIndex: 0, phoneAttempts: [1], retryCounts: {} },
    "cancelled",
    0,
    1000,
  );
  assert.equal(d.final, false);
  if (d.final) return;
  assert.equal(d.nextAt, 1000);
  assert.deepEqual(d.state.phoneAttempts, [0]);
  assert.equal(countedAttempts(2, d.state.retryCounts), 1);
  const after = decideAfterAttempt(s, { ...d.state, attempts: 2, phoneAttempts: [1] }, "busy", 0, 2000);
  assert.equal(after.final, true);
});
