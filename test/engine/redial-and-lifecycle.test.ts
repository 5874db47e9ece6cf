// Acceptance tests on the virtual clock: per-outcome retries, both multi-number strategies, lifecycle
// commands and the explanation of why a campaign is not dialing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harness } from "../helpers/engine-harness.ts";
import { addContacts } from "../helpers/fixtures.ts";
import { forcedOutcomes } from "../helpers/scenarios.ts";

test("retries are spaced and counted as configured per outcome", async () => {
  const h = await harness({
    scenario: forcedOutcomes({
      "+12025550001": "busy",
      "+12025550002": "no_answer",
      "+12025550003": "machine",
    }),
  });
  const id = await h.campaign(
    {
      maxConcurrent: 10,
      maxAttemptsPerContact: 20,
      retry: {
        busy: { intervalSec: 300, maxRetries: 2 },
        no_answer: { intervalSec: 900, maxRetries: 1 },
        machine: { intervalSec: 0, maxRetries: 0 },
      },
    },
    [{ phones: ["+12025550001"] }, { phones: ["+12025550002"] }, { phones: ["+12025550003"] }],
  );
  await h.engine.start(h.accountId, id);
  await h.runToEnd();
  const attempts = await h.attempts(id);
  const [busy, noAnswer, machine] = await h.contacts(id);
  const of = (contactId: number) => attempts.filter((a) => a.contact_id === contactId);
  const spacing = (list: typeof attempts) => list.slice(1).map((a, i) => a.started_at - list[i].ended_at!);

  assert.deepEqual(
    of(busy.id).map((a) => a.outcome),
    ["busy", "busy", "busy"],
  );
  for (const gap of spacing(of(busy.id))) assert.ok(gap >= 300_000 && gap < 301_000, `busy gap ${gap}`);
  assert.equal(busy.status, "exhausted");

  assert.deepEqual(
    of(noAnswer.id).map((a) => a.outcome),
    ["no_answer", "no_answer"],
  );
  for (const gap of spacing(of(noAnswer.id)))
    assert.ok(gap >= 900_000 && gap < 901_000, `no-answer gap ${gap}`);

  assert.deepEqual(
    of(machine.id).map((a) => a.outcome),
    ["machine"],
  );
  assert.equal(machine.status, "failed");
  await h.close();
});

test("an explicit decline is final", async () => {
  const h = await harness({ scenario: forcedOutcomes({ "+12025550009": "rejected" }) });
  const id = await h.campaign({ maxAttemptsPerContact: 5, retryIntervalSec: 1 }, [
    { phones: ["+12025550009"] },
  ]);
  await h.engine.start(h.accountId, id);
  await h.runToEnd();
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 1);
  assert.equal(attempts[0].outcome, "rejected");
  assert.equal((await h.contacts(id))[0].status, "failed");
  await h.close();
});

for (const strategy of ["sequential", "parallel"] as const) {
  test(`multi-number strategy ${strategy}`, async () => {
    const h = await harness({
      scenario: forcedOutcomes({ "+12025550101": "no_answer", "+12025550102": "no_answer" }),
    });
    const id = await h.campaign(
      { multiNumber: strategy, maxAttemptsPerContact: 4, maxAttemptsPerPhone: 2, retryIntervalSec: 120 },
      [{ phones: ["+12025550101", "+12025550102"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd();
    const attempts = await h.attempts(id);
    const order = attempts.map((a) => a.phone_index);
    assert.deepEqual(order, strategy === "sequential" ? [0, 0, 1, 1] : [0, 1, 0, 1]);
    const gaps = attempts.slice(1).map((a, i) => a.started_at - attempts[i].ended_at!);
    // Moving to another number is immediate; coming back to the same number waits the retry interval.
    const expectedWaits = strategy === "sequential" ? [true, false, true] : [false, true, false];
    for (const [i, g] of gaps.entries()) assert.equal(g >= 120_000, expectedWaits[i], `gap ${i}: ${g} ms`);
    assert.equal((await h.contacts(id))[0].status, "exhausted");
    await h.close();
  });
}

test("pause stops new dials at once, resume continues, stop and recover", async () => {
  const h = await harness({ scenario: "all_human" });
  const id = await h.campaign(
    { maxConcurrent: 2, callsPerSecond: 1, maxAttemptsPerContact: 1 },
    Array.from({ length: 40 }, (_, i) => ({ phones: [`+1202555${2000 + i}`] })),
  );
  await h.engine.start(h.accountId, id);
  await h.clock.advance(60_000);
  assert.equal(await h.engine.pause(h.accountId, id), "paused");
  const pausedAt = h.clock.now();
  const before = (await h.attempts(id)).length;
  await h.clock.advance(600_000);
  const during = await h.attempts(id);
  assert.equal(during.length, before, "no dial while paused");
  assert.ok(during.every((a) => a.started_at <= pausedAt));
  assert.ok(
    during.every((a) => a.ended_at !== null),
    "calls in flight at pause ended normally",
  );
  const explained = await h.engine.explain(h.accountId, id);
  assert.equal(explained.dialing, false);
  assert.equal(explained.reasons[0].code, "paused");

  assert.equal(await h.engine.resume(h.accountId, id), "running");
  await h.clock.advance(60_000);
  assert.ok((await h.attempts(id)).length > before, "dialing again after resume");
  assert.equal(await h.engine.stop(h.accountId, id), "stopped");
  await h.clock.advance(120_000);
  const stoppedCount = (await h.attempts(id)).length;
  await h.clock.advance(600_000);
  assert.equal((await h.attempts(id)).length, stoppedCount);
  const rec = await h.engine.recover(h.accountId, id);
  assert.equal(rec.status, "running");
  assert.ok(rec.recovered > 0);
  await h.runToEnd();
  const contacts = await h.contacts(id);
  assert.ok(
    contacts.every((c) => c.status === "succeeded"),
    `every contact reached in the end: ${JSON.stringify(contacts.filter((c) => c.status !== "succeeded"))}`,
  );
  const attempts = await h.attempts(id);
  const perContact = new Map<number, number>();
  for (const a of attempts)
    perContact.set(a.contact_id, (perContact.get(a.contact_id) ?? 0) + (a.outcome === "human" ? 1 : 0));
  assert.ok(
    [...perContact.values()].every((n) => n === 1),
    "nobody was reached twice",
  );
  const row = await h.store.db
    .selectFrom("campaigns")
    .select("status")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, "completed");
  await h.close();
});

test("explain names the closed window, the waiting rule and saturation", async () => {
  // Monday 2026-01-05 06:00 UTC; the schedule opens at 09:00 UTC.
  const h = await harness({ start: Date.UTC(2026, 0, 5, 6, 0, 0), scenario: "all_human" });
  const id = await h.campaign(
    {
      maxConcurrent: 1,
      schedule: { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "17:00" }] },
    },
    [{ phones: ["+12025553001"] }, { phones: ["+12025553002"], startAt: Date.UTC(2026, 0, 6, 12, 0, 0) }],
  );
  const draft = await h.engine.explain(h.accountId, id);
  assert.equal(draft.reasons[0].code, "not_running");
  await h.engine.start(h.accountId, id);
  await h.clock.advance(1000);
  const closed = await h.engine.explain(h.accountId, id);
  assert.equal(closed.dialing, false);
  const w = closed.reasons.find((r) => r.code === "window_closed");
  assert.equal(w?.until, Date.UTC(2026, 0, 5, 9, 0, 0));
  await h.clock.run({ until: Date.UTC(2026, 0, 5, 9, 0, 10) });
  const busy = await h.engine.explain(h.accountId, id);
  assert.ok(
    busy.reasons.some((r) => r.code === "concurrency_saturated"),
    JSON.stringify(busy.reasons),
  );
  await h.clock.run({ until: Date.UTC(2026, 0, 5, 10, 0, 0) });
  const waiting = await h.engine.explain(h.accountId, id);
  const nd = waiting.reasons.find((r) => r.code === "no_contacts_due");
  assert.equal(nd?.until, Date.UTC(2026, 0, 6, 12, 0, 0));
  assert.deepEqual(
    waiting.waiting.map((g) => [g.reason, g.count]),
    [["start_at", 1]],
  );
  await h.close();
});

test("contacts written into a running campaign by any path are dialed within seconds", async () => {
  const h = await harness({ scenario: "all_human" });
  const id = await h.campaign({ maxConcurrent: 5 }, [{ phones: ["+12025554001"] }]);
  await h.engine.start(h.accountId, id);
  await h.clock.advance(1000);
  const [first] = await h.contacts(id);
  // Written straight to the store, as another node or a bulk tool would: nobody tells this engine.
  await addContacts(
    h.store,
    { accountId: h.accountId, campaignId: id, listId: first.list_id },
    [{ phones: ["+12025554002"] }],
    h.clock.now(),
  );
  await h.clock.advance(6000);
  const attempts = await h.attempts(id);
  assert.deepEqual(
    attempts.map((a) => a.phone),
    ["+12025554001", "+12025554002"],
  );
  await h.close();
});
