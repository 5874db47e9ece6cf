// A callback an agent sets "gives it one attempt beyond the campaign's limits… once the callback call has
// been made the contact goes on by the campaign's rules" (README, Callbacks). The callback's call is one
// attempt beyond maxAttemptsPerPhone on the number it was made on, for the redial decision, the claim and a
// phones edit alike (countedPhoneAttempts); and a contact ended by that limit says so.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DecideContext, decideClaim } from "../../src/engine/claim-decision.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import {
  CALLBACKS_KEY,
  CALLBACKS_MADE_KEY,
  countedPhoneAttempts,
  type DialState,
  decideAfterAttempt,
  renumberPhones,
} from "../../src/model/redial-policy.ts";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import type { Candidate } from "../../src/store/dispatch/types.ts";
import { harness } from "../helpers/engine-harness.ts";

const A = "+12025557100";
const B = "+12025557101";

const state = (over: Partial<DialState> = {}): DialState => ({
  phoneCount: 1,
  attempts: 1,
  phoneIndex: 0,
  phoneAttempts: [1],
  retryCounts: {},
  ...over,
});

test("after a callback's call the number keeps its regular attempts, then ends at its limit", () => {
  const s = withDefaults({ maxAttemptsPerContact: 5, maxAttemptsPerPhone: 2, retryIntervalSec: 60 });
  // Attempt 1: answered, and the agent set a callback. Attempt 2: the callback, unanswered.
  const afterCallback = decideAfterAttempt(
    s,
    state({ attempts: 2, phoneAttempts: [2], retryCounts: { [CALLBACKS_KEY]: 1 } }),
    "no_answer",
    0,
    1000,
  );
  assert.ok(!afterCallback.final, "one of the number's two regular attempts is left");
  assert.equal(afterCallback.phoneIndex, 0);
  assert.equal(afterCallback.nextAt, 61_000);
  assert.deepEqual(afterCallback.state.retryCounts, {
    [CALLBACKS_KEY]: 1,
    [CALLBACKS_MADE_KEY]: 1,
    [`0:${CALLBACKS_KEY}`]: 1,
    "0:no_answer": 1,
  });
  // Attempt 3: the second regular call. Now the number is at its limit (no_answer itself has no limit).
  const last = decideAfterAttempt(
    s,
    { ...afterCallback.state, attempts: 3, phoneAttempts: [3] },
    "no_answer",
    0,
    70_000,
  );
  assert.ok(last.final);
  assert.equal(last.status, "exhausted");
  assert.equal(last.reason, "max_attempts_per_phone");
  // Only the first attempt after the grant is the callback's.
  assert.equal(last.state.retryCounts[CALLBACKS_MADE_KEY], 1);
  assert.equal(last.state.retryCounts[`0:${CALLBACKS_KEY}`], 1);
});

test("a callback withdrawn before an answer is still to make; a succeeded callback is counted made", () => {
  const s = withDefaults({ maxAttemptsPerPhone: 1 });
  const granted = { [CALLBACKS_KEY]: 1 };
  const withdrawn = decideAfterAttempt(
    s,
    state({ attempts: 2, phoneAttempts: [2], retryCounts: granted }),
    "cancelled",
    0,
    0,
  );
  assert.equal(withdrawn.state.retryCounts[CALLBACKS_MADE_KEY], undefined);
  const won = decideAfterAttempt(
    s,
    state({ attempts: 2, phoneAttempts: [2], retryCounts: granted }),
    "human",
    60,
    0,
  );
  assert.ok(won.final && won.status === "succeeded");
  assert.equal(won.state.retryCounts[CALLBACKS_MADE_KEY], 1);
});

test("the per-number limit, not the outcome's rule, is the reason given when it ends the contact", () => {
  const s = withDefaults({
    maxAttemptsPerContact: 10,
    maxAttemptsPerPhone: 2,
    retry: { busy: { intervalSec: 60, maxRetries: 1 } },
  });
  // no_answer has no rule of its own: unlimited retries, so the number's limit ends it.
  const byLimit = decideAfterAttempt(s, state({ attempts: 2, phoneAttempts: [2] }), "no_answer", 0, 0);
  assert.ok(byLimit.final);
  assert.deepEqual([byLimit.status, byLimit.reason], ["exhausted", "max_attempts_per_phone"]);
  // busy's one retry used: the rule ends it, and says so.
  const byRule = decideAfterAttempt(
    s,
    state({ attempts: 2, phoneAttempts: [2], retryCounts: { "0:busy": 1 } }),
    "busy",
    0,
    0,
  );
  assert.ok(byRule.final);
  assert.deepEqual([byRule.status, byRule.reason], ["exhausted", "retries_used_on_busy"]);
  // Two numbers, sequential: both at their limit.
  const two = decideAfterAttempt(
    withDefaults({ maxAttemptsPerContact: 10, maxAttemptsPerPhone: 1, multiNumber: "sequential" }),
    state({ phoneCount: 2, attempts: 2, phoneIndex: 1, phoneAttempts: [1, 1] }),
    "no_answer",
    0,
    0,
  );
  assert.ok(two.final && two.reason === "max_attempts_per_phone");
});

test("the callback's extra attempt stays on the number it was made on", () => {
  const s = withDefaults({ maxAttemptsPerContact: 10, maxAttemptsPerPhone: 2, multiNumber: "parallel" });
  // A, B, A called; a callback set, and made on B.
  const d = decideAfterAttempt(
    s,
    state({
      phoneCount: 2,
      attempts: 4,
      phoneIndex: 1,
      phoneAttempts: [2, 2],
      retryCounts: { [CALLBACKS_KEY]: 1 },
    }),
    "no_answer",
    0,
    0,
  );
  // B has one regular attempt left (its second call was the callback); A has none, the callback not being its.
  assert.equal(countedPhoneAttempts([2, 2], d.state.retryCounts, 0), 2);
  assert.equal(countedPhoneAttempts([2, 2], d.state.retryCounts, 1), 1);
  assert.ok(!d.final);
  assert.deepEqual([d.phoneIndex, d.reason], [1, "retry"]);
  const after = decideAfterAttempt(
    s,
    { ...d.state, attempts: 5, phoneIndex: 1, phoneAttempts: [2, 3] },
    "no_answer",
    0,
    0,
  );
  assert.ok(after.final);
  assert.equal(after.reason, "max_attempts_per_phone");
});

test("a phones edit keeps a made callback's allowance with its number, and a pending one on every number", () => {
  const made = { [CALLBACKS_KEY]: 1, [CALLBACKS_MADE_KEY]: 1, [`0:${CALLBACKS_KEY}`]: 1 };
  // A (a regular attempt and the callback) and B (2 attempts) swapped: A, now second, has one left.
  const swapped = renumberPhones([A, B], [B, A], { phoneAttempts: [2, 2], retryCounts: made }, 2);
  assert.equal(swapped.phoneIndex, 1);
  assert.equal(swapped.retryCounts[`1:${CALLBACKS_KEY}`], 1);
  assert.equal(swapped.retryCounts[`0:${CALLBACKS_KEY}`], undefined);
  assert.equal(swapped.retryCounts[CALLBACKS_MADE_KEY], 1);
  // Without the callback, A would have none left.
  const plain = renumberPhones([A, B], [B, A], { phoneAttempts: [2, 2], retryCounts: {} }, 2);
  assert.equal(plain.phoneIndex, 2);
  // A callback still to make: its number at the limit may still take it.
  const pending = renumberPhones([A], [A, B], { phoneAttempts: [2], retryCounts: { [CALLBACKS_KEY]: 1 } }, 2);
  assert.equal(pending.phoneIndex, 0);
});

function candidate(over: Partial<Candidate>): Candidate {
  return {
    id: 1,
    account_id: 1,
    campaign_id: 1,
    phones: JSON.stringify([A, B]),
    custom: "{}",
    time_zone: null,
    daily_from_sec: null,
    daily_to_sec: null,
    start_at: null,
    attempts: 0,
    phone_index: 0,
    phone_attempts: "[0,0]",
    retry_counts: "{}",
    next_attempt_at: 0,
    policy: null,
    abandoned_at: null,
    ...over,
  };
}

function ctx(settings: Record<string, unknown>): DecideContext {
  const s = withDefaults(settings);
  return {
    settings: s,
    windows: { campaign: [], calleeByZone: new Map(), policyRanges: new Map() },
    agentReserved: false,
    nextCallerId: () => null,
  };
}

test("claim: a callback to make may go past the number's limit; once made, the number ends at it", () => {
  const c = ctx({ maxAttemptsPerContact: 10, maxAttemptsPerPhone: 2 });
  const one = { phones: JSON.stringify([A]), attempts: 2, phone_attempts: "[2]" };
  const due = decideClaim(
    c,
    candidate({ ...one, retry_counts: JSON.stringify({ [CALLBACKS_KEY]: 1 }) }),
    0,
    null,
  );
  assert.equal(due.kind, "start");
  const made = { [CALLBACKS_KEY]: 1, [CALLBACKS_MADE_KEY]: 1, [`0:${CALLBACKS_KEY}`]: 1 };
  const after = { ...one, attempts: 3, phone_attempts: "[3]", retry_counts: JSON.stringify(made) };
  const done = decideClaim(c, candidate(after), 0, null);
  assert.deepEqual(done, { kind: "final", status: "exhausted", reason: "max_attempts_per_phone" });
});

test("claim: a made callback's extra attempt is not granted to the contact's other numbers", () => {
  // The limit lowered from 3 to 2 while the contact waited on A; the callback was made on B.
  const c = ctx({ maxAttemptsPerContact: 10, maxAttemptsPerPhone: 2, multiNumber: "parallel" });
  const made = { [CALLBACKS_KEY]: 1, [CALLBACKS_MADE_KEY]: 1, [`1:${CALLBACKS_KEY}`]: 1 };
  const d = decideClaim(
    c,
    candidate({ attempts: 4, phone_index: 0, phone_attempts: "[2,2]", retry_counts: JSON.stringify(made) }),
    0,
    null,
  );
  assert.equal(d.kind, "start");
  assert.equal(d.kind === "start" && d.phone, B);
});

test("engine: a callback's call does not cost the number one of its regular attempts", async () => {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign(
      { maxAttemptsPerContact: 5, maxAttemptsPerPhone: 2, retryIntervalSec: 3600 },
      [{ phones: [A] }],
    );
    await h.engine.start(h.accountId, id);
    // The first call ends; the contact then waits an hour for its retry.
    await h.clock.run({ until: h.clock.now() + 120_000 });
    const [first] = await h.attempts(id);
    assert.ok(first?.ended_at, "first call ended");
    // The person is promised a call in 10 minutes (what a disposition with callbackAt does).
    const refusal = await scheduleCallback(
      h.store,
      h.accountId,
      first.id,
      h.clock.now() + 600_000,
      h.clock.now(),
    );
    assert.equal(refusal, null);
    await h.runToEnd(2 * 86_400_000);
    const calls = await h.attempts(id);
    const [contact] = await h.contacts(id);
    // The number's 2 regular attempts and the callback.
    assert.equal(calls.length, 3, `calls: ${calls.length}, contact ${contact.status}/${contact.wait_reason}`);
    assert.deepEqual([contact.status, contact.wait_reason], ["exhausted", "max_attempts_per_phone"]);
  } finally {
    await h.close();
  }
});
