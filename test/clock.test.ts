import assert from "node:assert/strict";
import { test } from "node:test";
import { WallClock } from "../src/clock/clock.ts";
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

test("virtual clock: a run cut short by maxEvents leaves time at the last event, not at `until`", async () => {
  const clock = new VirtualClock(0);
  const seen: number[] = [];
  clock.at(10, () => {
    seen.push(clock.now());
  });
  clock.at(20, () => {
    seen.push(clock.now());
  });
  assert.equal(await clock.run({ until: 1000, maxEvents: 1 }), 1);
  // The event at 20 has not run: jumping to 1000 would make time go back to 20 when it does.
  assert.equal(clock.now(), 10);
  await clock.run({ until: 1000 });
  assert.deepEqual(seen, [10, 20]);
  assert.equal(clock.now(), 1000);
});

test("a NaN timer time is refused where it is made, on both clocks", async () => {
  const clock = new VirtualClock(0);
  assert.throws(() => clock.at(Number.NaN, () => {}), RangeError);
  assert.throws(() => clock.after(Number.NaN, () => {}), RangeError);
  assert.equal(clock.pending, 0);
  // Before, the NaN timer ran first and made `now` NaN, and everything it scheduled landed at NaN too.
  const seen: number[] = [];
  clock.at(20, () => {
    seen.push(clock.now());
  });
  clock.at(10, () => {
    seen.push(clock.now());
  });
  await clock.run({ until: 100 });
  assert.deepEqual(seen, [10, 20]);
  assert.equal(clock.now(), 100);
  const wall = new WallClock();
  assert.throws(() => wall.after(Number.NaN, () => {}), RangeError);
  assert.throws(() => wall.at(Number.NaN, () => {}), RangeError);
});

test("wall clock: a timer longer than setTimeout's 2^31 ms limit waits its whole time", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  // The wall clock counts its waits on performance.now(), which the mock timers leave alone: it follows
  // their time here.
  t.mock.method(performance, "now", () => Date.now());
  const wall = new WallClock();
  let fired = 0;
  wall.after(30 * 86_400_000, () => {
    fired++;
  });
  const cancelled = wall.after(40 * 86_400_000, () => {
    fired += 100;
  });
  t.mock.timers.tick(2 ** 31);
  await new Promise((r) => process.nextTick(r));
  assert.equal(fired, 0, "fired at setTimeout's overflow");
  t.mock.timers.tick(30 * 86_400_000 - 2 ** 31);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.equal(fired, 1);
  cancelled.cancel();
  t.mock.timers.tick(20 * 86_400_000);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.equal(fired, 1);
});

test("wall clock: a timer waits real time, so a wall reading stepped back does not hold it", async (t) => {
  const wall = new WallClock();
  let fired = false;
  const realNow = Date.now.bind(Date);
  wall.after(50, () => {
    fired = true;
  });
  t.mock.method(Date, "now", () => realNow() - 3_600_000); // NTP steps the wall clock back an hour
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(fired, true, "it ran after its 50 ms, not an hour later");
});
