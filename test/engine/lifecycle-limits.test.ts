// Lifecycle commands keep a campaign's own limits and its record straight: a recovered campaign's lifetime
// counts again from the recovery, but its end time (an absolute moment after which it must not dial) still
// holds; a campaign resumed after a stop for its balance is running again, not finished; a campaign stopped
// and started again while answered calls are still on the line keeps counting them against its limits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import { harness, peakConcurrency } from "../helpers/engine-harness.ts";

const HOUR = 3_600_000;

test("a recovered campaign with a lifetime and an end time halts at its end time, not a lifetime later", async () => {
  const start = Date.UTC(2026, 0, 5, 12, 0, 0);
  const h = await harness({ start, scenario: "all_human" });
  try {
    const endAt = start + 2 * HOUR;
    const id = await h.campaign(
      { maxConcurrent: 1, callsPerSecond: 1, maxAttemptsPerContact: 1, lifetimeSec: 3600, endAt },
      Array.from({ length: 3000 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: start + 1.5 * HOUR });
    const halted = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(halted.status, "halted", "its lifetime ran out after an hour");

    await h.engine.recover(h.accountId, id);
    const row = await h.store.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(row.halt_at, endAt, "the end time still bounds the recovered campaign");
    await h.clock.run({ until: start + 3 * HOUR });
    const late = (await h.attempts(id)).filter((a) => a.started_at >= endAt);
    assert.equal(late.length, 0, `${late.length} calls placed after the campaign's end time`);
    const after = await h.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(after.status, "halted");
  } finally {
    await h.close();
  }
});

test("a campaign resumed after a stop for its balance has no finish time while it runs again", async () => {
  const h = await harness({
    scenario: { base: "all_human", talkSec: { kind: "uniform", min: 60, max: 120 } },
  });
  try {
    await setRates(h.store, h.accountId, { defaultMicrosPerMinute: usdToMicros(0.25), prefixes: [] });
    await topUp(h.store, h.accountId, usdToMicros(1.6), "a little", h.clock.now());
    const id = await h.campaign(
      { maxConcurrent: 2, successMinTalkSec: 0 },
      Array.from({ length: 30 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.clock.advance(3_600_000);
    const row = () =>
      h.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const stopped = await row();
    assert.equal(stopped.status, "stopped");
    assert.notEqual(stopped.finished_at, null);

    await topUp(h.store, h.accountId, usdToMicros(20), "more", h.clock.now());
    await h.engine.billingChanged(h.accountId);
    assert.equal(await h.engine.resume(h.accountId, id), "running");
    const resumed = await row();
    assert.equal(resumed.status, "running");
    assert.equal(resumed.status_reason, null);
    assert.equal(resumed.finished_at, null, "a running campaign has not finished");
  } finally {
    await h.close();
  }
});

test("stopped and started again while its answered calls are on the line: they still count against max concurrent", async () => {
  const start = Date.UTC(2026, 0, 5, 15, 0, 0);
  const h = await harness({ start, scenario: { outcomes: { human: 1 }, talkSec: 600 } });
  try {
    const id = await h.campaign(
      { maxConcurrent: 5, maxAttemptsPerContact: 1 },
      Array.from({ length: 30 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: start + 60_000 });
    assert.equal(h.engine.dispatcher.inFlight, 5);
    assert.equal(await h.engine.stop(h.accountId, id), "stopped"); // answered calls go on to their end
    await h.clock.run({ until: start + 61_000 });
    assert.equal(h.engine.dispatcher.inFlight, 5);
    assert.equal(await h.engine.start(h.accountId, id), "running");
    await h.clock.run({ until: start + 3 * 3_600_000 });
    const attempts = await h.attempts(id);
    assert.equal(attempts.length, 30);
    assert.equal(peakConcurrency(attempts), 5, "the calls placed before the stop still held their lines");
  } finally {
    await h.close();
  }
});

test("a stopped campaign whose end time has passed is refused a start (it would only halt), and a recover says why too", async () => {
  const start = Date.UTC(2026, 0, 5, 12, 0, 0);
  const h = await harness({ start, scenario: "always_no_answer" });
  try {
    const endAt = start + HOUR;
    const id = await h.campaign({ maxConcurrent: 1, callsPerSecond: 0.01, endAt }, [
      { phones: ["+12025551000"] },
      { phones: ["+12025551001"] },
    ]);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: start + 60_000 });
    await h.engine.stop(h.accountId, id);
    await h.clock.run({ until: endAt + 60_000 });
    await assert.rejects(h.engine.start(h.accountId, id), /ended at 2026-01-05T13:00:00.000Z/);
    await assert.rejects(h.engine.recover(h.accountId, id), /change its endAt first/);
    const row = await h.store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "stopped");
  } finally {
    await h.close();
  }
});
