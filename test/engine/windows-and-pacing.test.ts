// Acceptance tests of the dispatcher on the virtual clock: windows, concurrency, calls per second,
// priorities across campaigns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { harness, peakConcurrency, peakPerSecond } from "../helpers/engine-harness.ts";

const phone = (i: number) => `+1202555${String(1000 + i)}`;

test("no attempt outside the weekday 09:00–18:00 schedule or the callee-local window, contacts in 3 zones", async () => {
  // Friday 2026-01-09 15:00 UTC: the schedule closes soon and the weekend follows.
  const h = await harness({
    start: Date.UTC(2026, 0, 9, 15, 0, 0),
    scenario: "default",
    seed: 7,
    // Nothing changes behind the engine's back: a pass a minute idles nights and weekends faster.
    maintenanceMs: 60_000,
  });
  const zones = ["America/New_York", "Europe/London", "Asia/Tokyo"];
  const id = await h.campaign(
    {
      maxConcurrent: 5,
      callsPerSecond: 1,
      maxAttemptsPerContact: 3,
      retryIntervalSec: 3600,
      schedule: { zone: "Europe/Berlin", ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }] },
      calleeWindow: { from: "09:00", to: "21:00" },
    },
    Array.from({ length: 90 }, (_, i) => ({ phones: [phone(i)], timeZone: zones[i % 3] })),
  );
  await h.engine.start(h.accountId, id);
  await h.runToEnd(14 * 86_400_000);
  const contacts = await h.contacts(id);
  const zoneOf = new Map(contacts.map((c) => [c.id, c.time_zone!]));
  const attempts = await h.attempts(id);
  assert.ok(attempts.length >= 90, `every contact was tried (${attempts.length} attempts)`);
  for (const a of attempts) {
    const berlin = DateTime.fromMillis(a.started_at, { zone: "Europe/Berlin" });
    assert.ok(berlin.weekday <= 5, `attempt ${a.id} on a weekend: ${berlin.toISO()}`);
    const bMin = berlin.hour * 60 + berlin.minute;
    assert.ok(bMin >= 9 * 60 && bMin < 18 * 60, `attempt ${a.id} outside 09–18 Berlin: ${berlin.toISO()}`);
    const local = DateTime.fromMillis(a.started_at, { zone: zoneOf.get(a.contact_id)! });
    const lMin = local.hour * 60 + local.minute;
    assert.ok(
      lMin >= 9 * 60 && lMin < 21 * 60,
      `attempt ${a.id} outside the callee's 09–21: ${local.toISO()}`,
    );
  }
  // Tokyo (UTC+9) and Berlin office hours overlap only 09:00–13:00 Berlin: those calls must sit there.
  const tokyo = attempts.filter((a) => zoneOf.get(a.contact_id) === "Asia/Tokyo");
  assert.ok(tokyo.length > 0);
  for (const a of tokyo) assert.ok(DateTime.fromMillis(a.started_at, { zone: "Europe/Berlin" }).hour < 13);
  assert.ok(
    contacts.every((c) => c.status !== "pending" && c.status !== "in_progress"),
    "all contacts finished",
  );
  await h.close();
});

test("max concurrent calls is never exceeded and is used", async () => {
  const h = await harness({ scenario: "default", seed: 3 });
  const id = await h.campaign(
    { maxConcurrent: 7, maxAttemptsPerContact: 2, retryIntervalSec: 60 },
    Array.from({ length: 300 }, (_, i) => ({ phones: [phone(i)] })),
  );
  await h.engine.start(h.accountId, id);
  await h.runToEnd();
  const attempts = await h.attempts(id);
  assert.ok(attempts.length >= 300);
  assert.equal(peakConcurrency(attempts), 7);
  await h.close();
});

test("calls per second is never exceeded in any 1 s window; fractional rates space the calls", async () => {
  const h = await harness({ scenario: "default", seed: 4 });
  const fast = await h.campaign(
    { maxConcurrent: 500, callsPerSecond: 3, maxAttemptsPerContact: 1 },
    Array.from({ length: 200 }, (_, i) => ({ phones: [phone(i)] })),
    "fast",
  );
  const slow = await h.campaign(
    { maxConcurrent: 500, callsPerSecond: 0.2, maxAttemptsPerContact: 1 },
    Array.from({ length: 12 }, (_, i) => ({ phones: [phone(500 + i)] })),
    "slow",
  );
  await h.engine.start(h.accountId, fast);
  await h.engine.start(h.accountId, slow);
  await h.runToEnd();
  const a = await h.attempts(fast);
  assert.equal(a.length, 200);
  assert.equal(peakPerSecond(a), 3);
  const s = (await h.attempts(slow)).map((x) => x.started_at).sort((x, y) => x - y);
  assert.equal(s.length, 12);
  for (let i = 1; i < s.length; i++) assert.ok(s[i] - s[i - 1] >= 5000, `gap ${s[i] - s[i - 1]} ms`);
  // and not slower than asked: 12 calls at one per 5 s take under a minute
  assert.ok(s[s.length - 1] - s[0] < 60_000);
  await h.close();
});

test("a higher-priority campaign takes the shared channels first", async () => {
  const h = await harness({ scenario: "all_human", seed: 5, maxChannels: 2 });
  const low = await h.campaign(
    { priority: 10, maxConcurrent: 10, maxAttemptsPerContact: 1 },
    Array.from({ length: 10 }, (_, i) => ({ phones: [phone(i)] })),
    "low",
  );
  const high = await h.campaign(
    { priority: 0, maxConcurrent: 10, maxAttemptsPerContact: 1 },
    Array.from({ length: 10 }, (_, i) => ({ phones: [phone(100 + i)] })),
    "high",
  );
  await h.engine.start(h.accountId, low);
  await h.engine.start(h.accountId, high);
  await h.runToEnd();
  const hi = await h.attempts(high);
  const lo = await h.attempts(low);
  assert.equal(hi.length, 10);
  assert.equal(lo.length, 10);
  assert.ok(
    Math.min(...lo.map((a) => a.started_at)) >= Math.max(...hi.map((a) => a.started_at)),
    "low waited for high",
  );
  assert.ok(peakConcurrency([...hi, ...lo]) <= 2);
  await h.close();
});

test("a scheduled campaign's lifetime counts from its start time, not from the start command", async () => {
  const h = await harness({ scenario: "all_human", seed: 6 });
  const startAt = h.clock.now() + 18 * 3600_000; // started the evening before, for 09:00 tomorrow
  const id = await h.campaign(
    { maxConcurrent: 1, callsPerSecond: 0.01, startAt, lifetimeSec: 8 * 3600, maxAttemptsPerContact: 1 },
    Array.from({ length: 500 }, (_, i) => ({ phones: [phone(i)] })),
  );
  assert.equal(await h.engine.start(h.accountId, id), "scheduled");
  await h.runToEnd(3 * 86_400_000);
  const row = await h.store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, "halted");
  assert.equal(row.halt_at, startAt + 8 * 3600_000);
  const starts = (await h.attempts(id)).map((a) => a.started_at);
  assert.ok(starts.length > 200, `${starts.length} calls in the 8 hours`);
  assert.ok(starts.every((t) => t >= startAt && t < startAt + 8 * 3600_000));
  await h.close();
});

test("lifetime halts the campaign and no call starts after it", async () => {
  const h = await harness({ scenario: "all_human", seed: 6 });
  const id = await h.campaign(
    { maxConcurrent: 1, callsPerSecond: 0.1, lifetimeSec: 600, maxAttemptsPerContact: 1 },
    Array.from({ length: 500 }, (_, i) => ({ phones: [phone(i)] })),
  );
  const t0 = h.clock.now();
  await h.engine.start(h.accountId, id);
  await h.runToEnd(86_400_000);
  const row = await h.store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, "halted");
  assert.equal(row.halt_at, t0 + 600_000);
  const attempts = await h.attempts(id);
  assert.ok(attempts.length > 0 && attempts.length < 500);
  assert.ok(attempts.every((a) => a.started_at < t0 + 600_000));
  const pending = (await h.contacts(id)).filter((c) => c.status === "pending").length;
  assert.ok(pending > 0, "contacts not reached stay pending, not lost");
  await h.close();
});
