// A node whose wall clock is stepped FORWARD (NTP correcting a clock that ran slow, a VM resumed) keeps its
// calls-per-second limit in real time. It used not to (review44): the dials queued for their slot kept
// their real-time wait, while the next pass spaced new dials from the new reading, after dials that now
// looked an hour old: both went out together, 20 dials in one real second at 10 cps. A wall reading cannot
// tell a step forward from a long quiet gap; the monotonic reading can (Clock.monotonic), and what is kept
// on the old reading moves forward by the step (dispatcher.ts clockWentForward). Here the clock's timers
// keep their delays in real time, as WallClock's do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { DialSpacing } from "../../src/engine/rate-limiter.ts";
import { openStore } from "../../src/store/db.ts";
import type { DispatchStore } from "../../src/store/dispatch/types.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { SteppedClock, TimedDriver } from "../helpers/stepped-clock.ts";
import { type DialectCase, dialects } from "../helpers/stores.ts";

const HOUR = 3_600_000;

interface StepOptions {
  /** The step lands while the pass's `inClaim`-th claim runs (else between events). */
  inClaim?: number;
  /** The store (else SQLite in memory). */
  dialect?: DialectCase;
  /** The monotonic reading has a sub-millisecond part (SteppedClock). */
  subMillisecond?: boolean;
}

/** Dials a campaign at `cps` for a minute, steps the clock forward `stepMs`, and dials on for a minute;
 *  then stops and reads the attempts written. */
async function stepForward(
  cps: number,
  stepMs: number,
  { inClaim, dialect, subMillisecond }: StepOptions = {},
) {
  const real = new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  const clock = new SteppedClock(real, subMillisecond);
  const store = await (dialect ? dialect.open() : openStore({ url: ":memory:" }));
  const errors: unknown[] = [];
  const driver = new TimedDriver(
    createDriver("sim", { clock }, { seed: 1, scenario: "default", maxChannels: null }),
  );
  driver.realNow = () => real.now();
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: "n1",
    leaseMs: 60_000,
    tickGapMs: 20,
    maxChannels: null,
    onError: (err) => errors.push(err),
  });
  let steppedAt: number | null = null;
  if (inClaim !== undefined) {
    // The step lands after the pass has laid out its slots on the old reading, before it places the dials.
    const dispatch = (engine.dispatcher as unknown as { o: { dispatch: DispatchStore } }).o.dispatch;
    const claim = dispatch.claim.bind(dispatch);
    let claims = 0;
    dispatch.claim = async (req) => {
      const result = await claim(req);
      if (++claims === inClaim) {
        clock.offset += stepMs;
        steppedAt = real.now();
      }
      return result;
    };
  }
  const accountId = await createAccount(store, "acme", clock.now());
  await engine.run();
  const settings = { maxConcurrent: 500, callsPerSecond: cps, maxAttemptsPerContact: 1 };
  const { campaignId, listId } = await createCampaign(store, accountId, settings, { now: clock.now() });
  const phones = Array.from({ length: 2000 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] }));
  await addContacts(store, { accountId, campaignId, listId }, phones, clock.now());
  try {
    await engine.start(accountId, campaignId);
    if (inClaim === undefined) {
      await real.run({ until: real.now() + 60_000 });
      clock.offset += stepMs;
      steppedAt = real.now();
      await real.run({ until: real.now() + 60_000 });
    } else {
      await real.run({ until: real.now() + 120_000 });
    }
    assert.ok(steppedAt !== null, "the clock was stepped");
    await engine.stopDialing();
    await driver.close();
    await engine.shutdown();
    const attempts = await store.db
      .selectFrom("attempts")
      .select(["started_at", "ended_at"])
      .where("campaign_id", "=", campaignId)
      .execute();
    return {
      dialedAt: driver.dialedAt,
      phones: driver.phones,
      steppedAt: steppedAt as number,
      attempts,
      errors,
    };
  } finally {
    await engine.stopDialing();
    await driver.close();
    await engine.shutdown();
    await store.close();
  }
}

/** The most dials any half-open real second holds. */
function mostInOneSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function assertRateHeld(cps: number, r: Awaited<ReturnType<typeof stepForward>>): void {
  assert.deepEqual(r.errors.map(String), [], "the engine's errors");
  assert.equal(new Set(r.phones).size, r.phones.length, "a number dialed twice");
  const most = mostInOneSecond(r.dialedAt);
  assert.ok(most <= cps, `${most} dials in one real second at ${cps} cps`);
  const gaps = r.dialedAt.slice(1).map((t, i) => t - r.dialedAt[i]);
  const spacing = Math.floor(1000 / cps);
  assert.ok(Math.min(...gaps) >= spacing, `two dials ${Math.min(...gaps)} ms apart in real time`);
  // Dialing goes on after the step, at the rate (not stopped by it either).
  const after = r.dialedAt.filter((t) => t >= r.steppedAt && t < r.steppedAt + 60_000).length;
  assert.ok(after >= cps * 60 * 0.95, `${after} dials in the minute after the step at ${cps} cps`);
}

for (const cps of [10, 3]) {
  test(`a wall clock stepped forward an hour at ${cps} cps: no more than ${cps} dials in any real second`, async () =>
    assertRateHeld(cps, await stepForward(cps, HOUR)));

  // Under the lease (60 s), so that the heartbeat, renewed on the old reading, still holds the claims: a
  // step of an hour has the dials claimed before it given back, which would hide a burst of them.
  test(`stepped forward 10 s while a pass's claim runs, at ${cps} cps: the slots it laid out keep to real time`, async () =>
    assertRateHeld(cps, await stepForward(cps, 10_000, { inClaim: 20 })));

  test(`stepped forward 10 s during the campaign's first claim, at ${cps} cps: its dials are still spaced`, async () =>
    assertRateHeld(cps, await stepForward(cps, 10_000, { inClaim: 1 })));

  test(`stepped forward an hour while a pass's claim runs, at ${cps} cps: the rate holds`, async () =>
    assertRateHeld(cps, await stepForward(cps, HOUR, { inClaim: 20 })));
}

// Date.now() reads whole milliseconds and performance.now() does not, so a step measured between them has a
// fraction: moved by it, a dial's start was written as 1767614430700.6228, which PostgreSQL's bigint refuses,
// and the node, retrying that write in every claim, dialed no more (review45).
for (const dialect of dialects()) {
  test(`stepped forward 10 s on a monotonic reading with a fraction (${dialect.name}): dials go on, written in whole ms`, async () => {
    const r = await stepForward(10, 10_000, { dialect, subMillisecond: true });
    assertRateHeld(10, r);
    assert.ok(r.attempts.length >= 1000, `${r.attempts.length} attempts`);
    const fractional = r.attempts.filter((a) => !Number.isInteger(Number(a.started_at)));
    assert.deepEqual(
      fractional.slice(0, 3),
      [],
      `${fractional.length} attempts started at a fraction of a ms`,
    );
    assert.equal(r.attempts.filter((a) => a.ended_at === null).length, 0, "attempts never recorded ended");
  });
}

test("after a step forward the spacing holds from the dial just made, not from an hour before", () => {
  const s = new DialSpacing(1);
  const t = 1_767_614_700_000;
  assert.equal(s.take(t), t);
  s.clockStepped(HOUR); // the next reading, an instant later in real time, is an hour later
  const now = t + HOUR;
  assert.equal(s.nextSlot(now), now + 1000, "not at once: a second after the last dial, in real time");
  assert.deepEqual(s.slots(now, now + 3000, 3), [now + 1000, now + 2000]);
});

test("at 3 calls/s, the dials taken on the old reading move forward together: the schedule goes on", () => {
  const s = new DialSpacing(3);
  const t = 1_767_614_700_000;
  assert.deepEqual(
    s.slots(t, t + 1000, 3).map((at) => s.take(at)),
    [t, t + 334, t + 667],
  );
  s.clockStepped(10_000);
  const now = t + 10_000 + 500; // read half a second of real time later, on the new reading
  assert.deepEqual(s.slots(now, now + 2000, 3), [t + 11_000, t + 11_334, t + 11_667]);
});
