// A contact with its own finish time (policy.finishAt, a JAICP call job's finishDateTime) that the claim puts
// off to a time at or past that finish can never be called: it ends exhausted (finish_time_passed) at once,
// whatever puts it off. A window, a retry and the 72 h after an abandon always did; a frequency cap and the
// minimum gap left it pending until the cap freed (a day, a week, 30 days), its campaign running that long.
// A number on a live call has no earliest time (the call may end any moment): it is looked at again no later
// than the finish time, not ended before it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DecideContext, decideClaim } from "../../src/engine/claim-decision.ts";
import { type CampaignSettings, withDefaults } from "../../src/model/campaign-settings.ts";
import type { Candidate, RecentCalls } from "../../src/store/dispatch/types.ts";
import { harness } from "../helpers/engine-harness.ts";

const SHARED = "+12025557000";
const HOUR = 3_600_000;

for (const [what, settings] of [
  ["a per-number cap of one call per 24 h", { phoneCaps: { per24h: 1 } }],
  ["a per-number cap of one call per 7 days", { phoneCaps: { per7d: 1 } }],
  ["a minimum gap of 6 hours", { minGapSec: 6 * 3600 }],
] as const) {
  test(`${what} past a number's finish time ends it exhausted, not pending until the cap frees`, async () => {
    const h = await harness({
      start: Date.UTC(2026, 0, 5, 12),
      scenario: "all_human",
      maintenanceMs: 60_000,
    });
    try {
      const finishAt = h.clock.now() + 2 * HOUR;
      const id = await h.campaign({ ...settings, maxConcurrent: 1 }, [
        { phones: [SHARED] },
        // The same number again, with its own finish time two hours on.
        { phones: [SHARED], policy: JSON.stringify({ finishAt }) },
      ]);
      await h.engine.start(h.accountId, id);
      // Well past the finish time, well before the cap or the gap frees the number.
      await h.runToEnd(3 * HOUR);
      const [, job] = await h.contacts(id);
      const calls = (await h.attempts(id)).filter((a) => a.contact_id === job.id);
      assert.equal(calls.length, 0, "the number was not called past its cap");
      assert.equal(
        `${job.status}/${job.wait_reason}`,
        "exhausted/finish_time_passed",
        `past its finish time the job is ${job.status}, waiting on ${job.wait_reason} until ` +
          `${new Date(Number(job.next_attempt_at)).toISOString()}`,
      );
    } finally {
      await h.close();
    }
  });
}

const AT = 100_000;

function candidate(finishAt: number): Candidate {
  return {
    id: 1,
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
    policy: JSON.stringify({ finishAt }),
    abandoned_at: null,
  };
}

function ctx(settings: Partial<CampaignSettings>, inFlight: string[] = []): DecideContext {
  const numbers = new Set(inFlight);
  return {
    settings: withDefaults(settings),
    windows: { campaign: [], calleeByZone: new Map(), policyRanges: new Map() },
    agentReserved: false,
    nextCallerId: () => null,
    numbersInFlight: { has: (p) => numbers.has(p), add: (p) => numbers.add(p) },
  };
}

function recent(calls: { phone?: number[]; contact?: number[]; busyUntil?: number }): RecentCalls {
  const r: RecentCalls = { byPhone: new Map(), byContact: new Map(), phoneBusyUntil: new Map() };
  if (calls.phone) r.byPhone.set(SHARED, calls.phone);
  if (calls.contact) r.byContact.set(1, calls.contact);
  if (calls.busyUntil !== undefined) r.phoneBusyUntil.set(SHARED, calls.busyUntil);
  return r;
}

test("a contact cap that frees the contact only past its finish time ends it; one that frees it before, defers", () => {
  const settings = { contactCaps: { per24h: 1 } };
  const called = recent({ contact: [AT - HOUR] });
  const ended = decideClaim(ctx(settings), candidate(AT + 2 * HOUR), AT, called);
  assert.deepEqual(ended, { kind: "final", status: "exhausted", reason: "finish_time_passed" });
  const waits = decideClaim(ctx(settings), candidate(AT + 30 * HOUR), AT, called);
  assert.deepEqual(waits, { kind: "defer", until: AT + 23 * HOUR, reason: "contact_cap" });
});

test("a number on a live call is looked at again by its finish time, not ended before it", () => {
  const finishAt = AT + 5_000; // sooner than the usual 10 s re-look
  const live = recent({ phone: [AT - 60_000], busyUntil: Number.POSITIVE_INFINITY });
  // A gap of 0: the call may end any moment, and the number is free then.
  const gapZero = decideClaim(ctx({ minGapSec: 0 }), candidate(finishAt), AT, live);
  assert.deepEqual(gapZero, { kind: "defer", until: finishAt, reason: "min_gap" });
  // No gap set: this campaign's own call on the number holds it the same way.
  const busy = decideClaim(ctx({ minGapSec: null }, [SHARED]), candidate(finishAt), AT, null);
  assert.deepEqual(busy, { kind: "defer", until: finishAt, reason: "number_busy" });
  // At the finish time itself the claim ends it.
  const atFinish = decideClaim(ctx({ minGapSec: 0 }), candidate(finishAt), finishAt, live);
  assert.equal(atFinish.kind === "final" && atFinish.reason, "finish_time_passed");
  // A gap past the finish time from a call still live: it ends no sooner than now, so the gap is past it.
  const gap = decideClaim(ctx({ minGapSec: 60 }), candidate(AT + 30_000), AT, live);
  assert.equal(gap.kind === "final" && gap.reason, "finish_time_passed");
});
