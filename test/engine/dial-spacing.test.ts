// DialSpacing.take: a pass's own slots (from `slots`, rounded up to whole ms) are taken as planned; a dial
// taken in between (an agent's) pushes the next one on by a full spacing; slots are whole milliseconds.
// No 1 s window holds more than the rate, even when agents press dial a millisecond before a slot is free
// (a 1 ms tolerance once let those through, and the early milliseconds added up: engine12).
// A campaign tracked anew (stop and start, restart) goes on from its last dial.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DialSpacing } from "../../src/engine/rate-limiter.ts";
import { harness } from "../helpers/engine-harness.ts";

test("a pass's slots are taken as planned, an agent's dial in between pushes the rest on", () => {
  const s = new DialSpacing(3); // one call every 333.33 ms
  const planned = s.slots(1000, 3000, 5);
  assert.deepEqual(planned, [1000, 1334, 1667, 2000, 2334]);
  assert.deepEqual(
    planned.slice(0, 3).map((at) => s.take(at)),
    [1000, 1334, 1667],
  );
  // An agent dials at 1700: the next free slot is the schedule's next point, 2000.
  assert.equal(s.take(1700), 2000);
  assert.equal(s.take(planned[3]), 2334, "the pass's next slot moves on");
  assert.ok(Number.isInteger(s.take(2335)));
});

/** The most dials any half-open 1 s window holds. */
function peakPerSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let peak = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

test("a dial asked for 1 ms before its slot waits for it: at 1 call/s, one dial a second", () => {
  const s = new DialSpacing(1);
  const a = s.take(10_000);
  const b = s.take(10_999); // an agent presses dial 1 ms before the next slot
  assert.deepEqual([a, b], [10_000, 11_000]);
});

test("dials each asked for a millisecond early, or at a pass's slots, never exceed the rate", () => {
  // From 0, and from an epoch time, where floating point is coarser.
  for (const [cps, base] of [3, 7, 0.3, 3, 7, 13].map((cps, i) => [cps, i < 3 ? 0 : 1_765_000_000_123])) {
    const s = new DialSpacing(cps);
    const times = [s.take(base)];
    for (let i = 0; i < 60; i++) {
      const last = times[times.length - 1];
      // An agent pressing just before the spacing is up, or a pass's own planned slot.
      const asked = i % 3 === 2 ? s.slots(last, last + 5000, 1)[0] : Math.ceil(last + 1000 / cps - 1);
      times.push(s.take(asked));
    }
    assert.ok(peakPerSecond(times) <= Math.ceil(cps), `${cps}/s: ${peakPerSecond(times)} in one second`);
    // Rounding up never pushes the schedule on: 60 spacings take no longer than 60 spacings and 1 ms.
    assert.ok(times[60] - times[0] <= (60 * 1000) / cps + 1, `${cps}/s: ${times[60] - times[0]} ms`);
  }
});

test("without calls per second every dial goes when wanted", () => {
  const s = new DialSpacing(null);
  assert.deepEqual([s.take(5), s.take(5), s.take(7)], [5, 5, 7]);
});

test("a stop and start, or a restart, keeps the spacing from the campaign's last dial", async () => {
  const h = await harness({ scenario: "always_busy", seed: 3 });
  try {
    const id = await h.campaign(
      { callsPerSecond: 0.05, maxConcurrent: 5, maxAttemptsPerContact: 1 },
      Array.from({ length: 6 }, (_, i) => ({ phones: [`+1202555${4000 + i}`] })),
    );
    await h.engine.start(h.accountId, id);
    const d = h.engine.dispatcher;
    // Until the first call has ended and the stopped campaign leaves the dispatcher.
    await h.clock.run({
      until: h.clock.now() + 60_000,
      stop: () => h.originated.length === 1 && d.inFlight === 0,
    });
    assert.equal(h.originated.length, 1);
    await h.engine.stop(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 6000 }); // the next look at campaigns lets it go
    assert.equal(d.campaigns.has(id), false);
    await h.engine.start(h.accountId, id);
    await h.runToEnd();
    const starts = (await h.attempts(id)).map((a) => a.started_at);
    assert.equal(starts.length, 6);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    assert.ok(Math.min(...gaps) >= 20_000, `gaps ${gaps.join(", ")}`);
  } finally {
    await h.close();
  }
});
