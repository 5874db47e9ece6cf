import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../src/clock/virtual-clock.ts";

test("virtual clock runs timers in time order, FIFO within one instant", async () => {
  const clock = new VirtualClock(0);
  const seen: string[] = [];
  clock.after(20, () => {
    seen.push(`b@${clock.now()}`);
  });
  clock.after(10, () => {
    seen.push(`a@${clock.now()}`);
  });
  clock.after(20, () => {
    seen.push(`c@${clock.now()}`);
  });
  const cancelled = clock.after(15, () => {
    seen.push("never");
  });
  cancelled.cancel();
  assert.equal(clock.pending, 3);
  await clock.run();
  assert.deepEqual(seen, ["a@10", "b@20", "c@20"]);
  assert.equal(clock.pending, 0);
});

test("virtual clock awaits async handlers and stops at `until`", async () => {
  const clock = new VirtualClock(1000);
  const seen: number[] = [];
  const tick = async () => {
    await new Promise((r) => setImmediate(r));
    seen.push(clock.now());
    clock.after(100, tick);
  };
  clock.after(100, tick);
  await clock.run({ until: 1450 });
  assert.deepEqual(seen, [1100, 1200, 1300, 1400]);
  assert.equal(clock.now(), 1450);
});
