// DialSpacing.take: a pass's own slots (from `slots`, rounded up to whole ms) are taken as planned; a dial
// taken in between (an agent's) pushes the next one on by a full spacing; slots are whole milliseconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DialSpacing } from "../../src/engine/rate-limiter.ts";

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
