// minGapSec: 0 is "no gap after a call's end, but never while one is live" (schema: "never while one is
// live"); null is off. A gap of 0 must still load the number's live calls and defer while one is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DecideContext, decideClaim, recentWindowMs } from "../../src/engine/claim-decision.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import type { Candidate, RecentCalls } from "../../src/store/dispatch/types.ts";
import { harness } from "../helpers/engine-harness.ts";

const SHARED = "+12025557000";

test("recentWindowMs: a gap of 0 loads the live calls; no gap and no caps still loads nothing", () => {
  assert.equal(recentWindowMs(withDefaults({ minGapSec: 0 })), 0);
  assert.equal(recentWindowMs(withDefaults({ minGapSec: null })), null);
  assert.equal(recentWindowMs(withDefaults({})), null);
  assert.equal(recentWindowMs(withDefaults({ minGapSec: 60 })), 60_000);
  assert.equal(recentWindowMs(withDefaults({ minGapSec: 0, phoneCaps: { per24h: 3 } })), 86_400_000);
});

function candidate(id: number): Candidate {
  return {
    id,
    account_id: 1,
    campaign_id: 1,
    phones: JSON.stringify([SHARED]),
    custom: "{}",
    time_zone: null,
    daily_from_sec: null,
    daily_to_sec: null,
    start_at: null,
    attempts: 0,
    phone_index: 0,
    phone_attempts: "[0]",
    retry_counts: "{}",
    next_attempt_at: 0,
    policy: null,
    abandoned_at: null,
  };
}

function ctx(minGapSec: number | null): DecideContext {
  return {
    settings: withDefaults({ minGapSec }),
    windows: { campaign: [], calleeByZone: new Map(), policyRanges: new Map() },
    agentReserved: false,
    nextCallerId: () => null,
  };
}

function recent(busyUntil?: number): RecentCalls {
  const r: RecentCalls = { byPhone: new Map(), byContact: new Map(), phoneBusyUntil: new Map() };
  if (busyUntil !== undefined) {
    r.byPhone.set(SHARED, [0]);
    r.phoneBusyUntil.set(SHARED, busyUntil);
  }
  return r;
}

test("claim with a gap of 0: a number on a live call is deferred, one whose call ended is dialed", () => {
  const at = 100_000;
  const live = decideClaim(ctx(0), candidate(1), at, recent(Number.POSITIVE_INFINITY));
  assert.equal(live.kind, "defer");
  assert.equal(live.kind === "defer" && live.reason, "min_gap");
  assert.ok(live.kind === "defer" && live.until > at, "looks again later");
  assert.equal(decideClaim(ctx(0), candidate(1), at, recent(at)).kind, "start");
  assert.equal(decideClaim(ctx(0), candidate(1), at, recent()).kind, "start");
  // Off (null): another campaign's live call does not hold the number back (this campaign's does, below).
  assert.equal(decideClaim(ctx(null), candidate(1), at, recent(Number.POSITIVE_INFINITY)).kind, "start");
});

test("claim with a gap of 0: a second contact on the number in the same claim waits for the first", () => {
  const r = recent();
  assert.equal(decideClaim(ctx(0), candidate(1), 0, r).kind, "start");
  const second = decideClaim(ctx(0), candidate(2), 0, r);
  assert.equal(second.kind === "defer" && second.reason, "min_gap");
});

/** Two calls to SHARED: the second starts once the first (300 s of talk) has ended, and within the re-look. */
function followsRightAfter(
  calls: { started_at: number; ended_at: number | null; talk_sec: number | null }[],
) {
  const [first, second] = [...calls].sort((x, y) => x.started_at - y.started_at);
  assert.ok(first && second, "both contacts were called");
  assert.equal(first.talk_sec, 300);
  assert.ok(
    second.started_at >= (first.ended_at as number),
    `second call started ${(first.ended_at as number) - second.started_at} ms before the first ended`,
  );
  assert.ok(second.started_at - (first.ended_at as number) < 60_000, "the second call waits no real gap");
}

test("no minimum gap set: two contacts of one campaign on one number never ring it at once", async () => {
  // A number added twice (a JAICP client's retried addPhone, a /v1 add with duplicates allowed) with
  // room for both calls: without a gap the campaign still has one call to a number at a time.
  const h = await harness({ scenario: { base: "all_human", talkSec: 300, ringSec: 5, postDialSec: 1 } });
  try {
    const a = await h.campaign({ maxConcurrent: 5 }, [{ phones: [SHARED] }, { phones: [SHARED] }], "dup");
    await h.engine.start(h.accountId, a);
    await h.runToEnd(3_600_000);
    followsRightAfter(await h.attempts(a));
  } finally {
    await h.close();
  }
});

test("engine: minGapSec 0, two campaigns on one number never ring it at once", async () => {
  const h = await harness({ scenario: { base: "all_human", talkSec: 300, ringSec: 5, postDialSec: 1 } });
  try {
    const a = await h.campaign({ minGapSec: 0, priority: 0 }, [{ phones: [SHARED] }], "a");
    const b = await h.campaign({ minGapSec: 0, priority: 5 }, [{ phones: [SHARED] }], "b");
    await h.engine.start(h.accountId, a);
    await h.engine.start(h.accountId, b);
    await h.runToEnd(3_600_000);
    followsRightAfter([...(await h.attempts(a)), ...(await h.attempts(b))]);
  } finally {
    await h.close();
  }
});
