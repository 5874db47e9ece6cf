// The password throttle keeps at most MAX_ENTRIES windows. It used to drop the oldest running windows once
// full, and the oldest are the clients that failed first, the blocked ones: one home with an ordinary IPv6
// /56 (256 /64s, each a client) filled the table and lifted its own 429s long before their window ended,
// against README's "its further tries are answered 429 with Retry-After until the window ends". Now only
// expired windows are dropped; a key that finds the table full of running windows counts in a shared window
// it hashes to (one of many), so it is still held to the limits, memory stays bounded, and other clients
// are refused only where a shared window filled up.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_ENTRIES, PasswordThrottle } from "../../src/api/plugins/password-throttle.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";

const limits = { perUser: 10, perAddress: 50, windowMs: 15 * 60_000 };
const MINUTE = 60_000;

/** One wrong password; the wait instead when the try is refused unchecked. */
async function fail(t: PasswordThrottle, address: string, name: string): Promise<number> {
  const wait = await t.begin(address, name);
  if (wait > 0) return wait;
  t.failed(address, name);
  return 0;
}

/** The other /64s of the home's /56 send wrong passwords for made-up names: far more windows than fit. */
async function flood(t: PasswordThrottle): Promise<void> {
  for (let net = 1; net < 256; net++) {
    const address = `2001:db8:0:1${net.toString(16).padStart(2, "0")}::1`;
    for (let n = 0; n < limits.perAddress; n++) await fail(t, address, `junk${n}`);
  }
}

/** The table's size, to show memory stays bounded (the class keeps it private on purpose). */
const tableSize = (t: PasswordThrottle) => (t as unknown as { windows: Map<string, unknown> }).windows.size;

describe("password throttle with a full table", () => {
  test("a blocked address stays blocked until its window ends, however many other windows are opened", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const t = new PasswordThrottle(clock, limits);
    const first = "2001:db8:0:100::1";
    for (let i = 0; i < limits.perUser; i++) assert.equal(await fail(t, first, "victim"), 0);
    assert.ok((await t.begin(first, "victim")) > 0, "blocked after 10 wrong passwords");

    await clock.advance(MINUTE);
    await flood(t);
    assert.ok(tableSize(t) <= MAX_ENTRIES, `${tableSize(t)} windows`);
    const wait = await t.begin(first, "victim");
    assert.equal(wait, 14 * MINUTE, "blocked for the rest of its own window, no more and no less");

    await clock.advance(wait);
    assert.equal(await t.begin(first, "victim"), 0, "open again once its window ended");
    t.refund(first, "victim");
  });

  test("a new client that finds the table full is still held to the limits", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const t = new PasswordThrottle(clock, limits);
    await flood(t);
    assert.equal(tableSize(t), MAX_ENTRIES, "every window still running");
    // It counts in shared windows, where the flood's failures may add to its own: it gets at most its 10
    // tries (fewer when it shares a window with the flood), never more.
    const late = "2001:db8:ffff:1::1";
    let checked = 0;
    while (checked <= limits.perUser && (await fail(t, late, "victim")) === 0) checked++;
    assert.ok(checked <= limits.perUser, `${checked} wrong passwords checked`);
    assert.ok((await t.begin(late, "victim")) > 0, "blocked without a window of its own");
    assert.equal(tableSize(t), MAX_ENTRIES);
  });

  test("while the table is full, other clients may still try: only shared windows that filled refuse", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const t = new PasswordThrottle(clock, limits);
    await flood(t);
    // The flood's late /64s each filled one shared address window (of 16,384): a few in a thousand other
    // clients may share one by chance, not more.
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const address = `198.51.${Math.floor(i / 250)}.${i % 250}`;
      if ((await t.begin(address, "ann")) > 0) refused++;
      else t.succeeded(address, "ann");
    }
    assert.ok(refused <= 30, `${refused} of 1000 unrelated clients refused`);
  });

  test("once the flood's windows end, expired ones make room: new clients count in windows of their own", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
    const t = new PasswordThrottle(clock, limits);
    await flood(t);
    await clock.advance(limits.windowMs);
    // Its own name window starts again with the right password (a shared one would not: it holds others'
    // failures too), so 9 wrong, the right one, and 9 wrong again are all checked.
    const fresh = "203.0.113.5";
    for (let i = 0; i < limits.perUser - 1; i++) assert.equal(await fail(t, fresh, "victim"), 0);
    assert.equal(await t.begin(fresh, "victim"), 0);
    t.succeeded(fresh, "victim");
    for (let i = 0; i < limits.perUser - 1; i++) assert.equal(await fail(t, fresh, "victim"), 0);
    assert.ok(tableSize(t) <= MAX_ENTRIES, `${tableSize(t)} windows`);
  });
});
