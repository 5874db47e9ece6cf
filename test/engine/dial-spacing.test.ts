// DialSpacing.take: a pass's own slots (from `slots`, rounded up to whole ms) are taken as planned; a dial
// taken in between (an agent's) pushes the next one on by a full spacing; slots are whole milliseconds.
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
  // An agent dials at 1700: the next free slot is 1667 + 333.33, rounded up.
  assert.equal(s.take(1700), 2001);
  assert.equal(s.take(planned[3]), 2335, "the pass's next slot moves on");
  assert.ok(Number.isInteger(s.take(2335)));
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
