// A node whose wall clock is stepped back (NTP correcting a clock that ran ahead, a VM snapshot restored,
// an operator fixing the time) goes on dialing at its rate from the corrected time, and its maintenance
// (heartbeat, campaign re-reads, lease renewal) runs on schedule. It used to stop for as long as the step:
// the next pass waited for lastPassAt + tickGapMs, the calls-per-second spacing for a last dial that now lay
// an hour ahead, and maintenance for times taken on the old reading (engine13). The rule
// (dispatcher.ts clockWentBack): a reading earlier than the last one seen is a step back by the difference,
// and everything timed on the old reading moves back by it. The real time between the two readings is
// taken as none, so the dials just made lie where they were or later, never earlier: the
// spacing still holds from them in real time. Here the clock's timers keep their delays in real time, as a
// wall clock timing them on a monotonic clock does (src/clock WallClock re-arms them by the wall reading).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TimerHandle } from "../../src/clock/clock.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { DialSpacing } from "../../src/engine/rate-limiter.ts";
import { openStore } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { SteppedClock, TimedDriver } from "../helpers/stepped-clock.ts";

/** The same, with timers kept to the wall reading, as WallClock re-arms them: one set before a step back
 *  fires once the reading comes round to its time again. */
class WallReadingClock extends SteppedClock {
  override at(at: number, fn: () => void | Promise<void>): TimerHandle {
    let h: TimerHandle;
    let cancelled = false;
    const arm = () => {
      h = this.real.at(at - this.offset, () => {
        if (cancelled) return;
        if (at > this.now()) return arm();
        return fn();
      });
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        h.cancel();
      },
    };
  }
  override after(ms: number, fn: () => void | Promise<void>): TimerHandle {
    return this.at(this.now() + ms, fn);
  }
}

/** Dials a campaign at 1 call/s for a minute, steps the clock back an hour, then (`nudge`) lets an event
 *  in, and dials on for 5 minutes. */
async function stepBack(clock: SteppedClock, nudge: (engine: Engine) => void): Promise<void> {
  const real = clock.real;
  const store = await openStore({ url: ":memory:" });
  const driver = new TimedDriver(
    createDriver("sim", { clock }, { seed: 1, scenario: "default", maxChannels: null }),
  );
  driver.realNow = () => real.now();
  const leaseMs = 60_000;
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: "n1",
    leaseMs,
    tickGapMs: 20,
    maxChannels: null,
  });
  const accountId = await createAccount(store, "acme", clock.now());
  await engine.run();
  const settings = { maxConcurrent: 500, callsPerSecond: 1, maxAttemptsPerContact: 1 };
  const { campaignId, listId } = await createCampaign(store, accountId, settings, { now: clock.now() });
  const phones = Array.from({ length: 1000 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] }));
  await addContacts(store, { accountId, campaignId, listId }, phones, clock.now());
  try {
    await engine.start(accountId, campaignId);
    await real.run({ until: real.now() + 60_700 }); // a dial queued for its slot, 300 ms on
    const before = driver.dialedAt.length;
    assert.ok(before >= 59, `dialed ${before} in the first minute`);

    const steppedAt = real.now();
    clock.offset -= 3_600_000;
    nudge(engine);
    await real.run({ until: real.now() + 5 * 60_000 });
    const after = driver.dialedAt.filter((t) => t >= steppedAt).length;
    assert.ok(
      after >= 300,
      `${after} calls in the 5 minutes after the step (cps 1), the one queued for its slot first`,
    );
    const gaps = driver.dialedAt.slice(1).map((t, i) => t - driver.dialedAt[i]);
    assert.ok(Math.min(...gaps) >= 1000, `two dials ${Math.min(...gaps)} ms apart in real time`);

    // The heartbeat was renewed on the new reading, not left until the old one comes round again.
    const beat = await store.db
      .selectFrom("node_heartbeats")
      .selectAll()
      .where("node_id", "=", "n1")
      .executeTakeFirstOrThrow();
    assert.ok(beat.alive_until <= clock.now() + leaseMs, "heartbeat renewed after the step");
  } finally {
    await engine.stopDialing();
    await driver.close();
    await engine.shutdown();
    await store.close();
  }
}

test("a wall clock stepped back an hour: dialing goes on at 1 call/s, a second apart in real time", () =>
  stepBack(new SteppedClock(new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 0))), () => {}));

// WallClock re-arms its timers by the wall reading, so every timer set before the step (the dispatcher's,
// the driver's) waits it out: the first event after it (an API call, a SIP message) is then enough.
test("on timers kept to the wall reading, the first event after the step brings dialing back", () =>
  stepBack(new WallReadingClock(new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 0))), (engine) =>
    engine.wake(),
  ));

test("after a step back the spacing holds from the dial just made, a spacing from the new reading", () => {
  const s = new DialSpacing(1);
  const t = 1_767_614_700_000;
  assert.equal(s.take(t), t);
  s.clockStepped(-3_600_000); // the next reading, an instant later, is an hour earlier
  const now = t - 3_600_000;
  assert.equal(s.nextSlot(now), now + 1000, "not an hour away, and not before a second has passed");
  assert.deepEqual(s.slots(now, now + 3000, 3), [now + 1000, now + 2000]);
});

test("at 3 calls/s, the dials taken on the old reading move back together: the schedule goes on", () => {
  const s = new DialSpacing(3);
  const t = 1_767_614_700_000;
  assert.deepEqual(
    s.slots(t, t + 1000, 3).map((at) => s.take(at)),
    [t, t + 334, t + 667],
  );
  s.clockStepped(-10_000);
  const now = t - 10_000 + 500; // read half a second of real time later, on the new reading
  assert.deepEqual(s.slots(now, now + 2000, 3), [t - 9000, t - 8666, t - 8333]);
});
