// A campaign whose work is done while it may not dial (its last call ended after its weekly window closed)
// completes then: not when the window next opens, and not as "halted" when its end time comes first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Harness, harness } from "../helpers/engine-harness.ts";

const FRIDAY_1759 = Date.UTC(2026, 0, 9, 17, 59, 0);
const WEEKDAYS_9_TO_18 = { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }] };

async function campaignRow(h: Harness, id: number) {
  return h.store.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

test("a campaign whose last call ends just after its window closes completes when that call ends", async () => {
  const h = await harness({ start: FRIDAY_1759, scenario: { base: "all_human", talkSec: 120 } });
  try {
    const id = await h.campaign({ maxAttemptsPerContact: 1, schedule: WEEKDAYS_9_TO_18 }, [
      { phones: ["+12025550001"] },
    ]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(5 * 86_400_000);
    const [call] = await h.attempts(id);
    const row = await campaignRow(h, id);
    assert.equal(row.status, "completed");
    const late = Number(row.finished_at) - Number(call.ended_at);
    assert.ok(
      late >= 0 && late < 60_000,
      `completed ${(late / 3_600_000).toFixed(1)} h after its last call ended`,
    );
  } finally {
    await h.close();
  }
});

test("a campaign with nothing left to dial is completed, not halted, when its end time comes", async () => {
  const h = await harness({ start: FRIDAY_1759, scenario: { base: "all_human", talkSec: 120 } });
  try {
    const endAt = Date.UTC(2026, 0, 10, 12, 0, 0); // Saturday noon, before the window opens again
    const id = await h.campaign({ maxAttemptsPerContact: 1, schedule: WEEKDAYS_9_TO_18, endAt }, [
      { phones: ["+12025550001"] },
    ]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(5 * 86_400_000);
    assert.deepEqual(
      (await h.contacts(id)).map((c) => c.status),
      ["succeeded"],
    );
    const row = await campaignRow(h, id);
    assert.equal(row.status, "completed", `${row.status} (${row.status_reason}) with every contact final`);
  } finally {
    await h.close();
  }
});

test("a campaign still holding a contact for its next window stays running after its last call of the day, without looking again and again", async () => {
  // A pass a minute through the closed weekend (at every 5 s the test took 20 s): still 17 times the bound.
  const h = await harness({ start: FRIDAY_1759, scenario: { base: "always_busy" }, maintenanceMs: 60_000 });
  try {
    const id = await h.campaign(
      {
        maxAttemptsPerContact: 2,
        schedule: WEEKDAYS_9_TO_18,
        retry: { busy: { intervalSec: 600, maxRetries: 1 } },
      },
      [{ phones: ["+12025550001"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: Date.UTC(2026, 0, 9, 19, 0, 0) }); // its last call of the day long over
    // Looking is a count of its contacts: not at every maintenance pass of a closed weekend.
    const store = h.engine.dispatch;
    const count = store.countByStatus.bind(store);
    let counted = 0;
    store.countByStatus = (campaignId) => {
      counted++;
      return count(campaignId);
    };
    await h.clock.run({ until: Date.UTC(2026, 0, 10, 12, 0, 0) });
    store.countByStatus = count;
    // 17 h closed: a look every 10 minutes at most (it was every 5 s, 12,240 times).
    assert.ok(counted <= 17 * 6 + 1, `its contacts counted ${counted} times while its window was closed`);
    assert.equal((await campaignRow(h, id)).status, "running", "its retry waits for Monday");
    await h.runToEnd(5 * 86_400_000);
    const calls = await h.attempts(id);
    assert.equal(calls.length, 2);
    assert.equal(new Date(calls[1].started_at).getUTCDay(), 1, "retried on Monday");
    assert.equal((await campaignRow(h, id)).status, "completed");
  } finally {
    await h.close();
  }
});

test("a closed campaign whose last waiting contact is cancelled completes then, here at once, from another node within minutes", async () => {
  const h = await harness({ start: FRIDAY_1759, scenario: { base: "always_busy" } });
  try {
    const settings = {
      maxAttemptsPerContact: 2,
      schedule: WEEKDAYS_9_TO_18,
      retry: { busy: { intervalSec: 600, maxRetries: 1 } },
    };
    const here = await h.campaign(settings, [{ phones: ["+12025550001"] }], "here");
    const elsewhere = await h.campaign(settings, [{ phones: ["+12025550002"] }], "elsewhere");
    await h.engine.start(h.accountId, here);
    await h.engine.start(h.accountId, elsewhere);
    await h.clock.run({ until: Date.UTC(2026, 0, 9, 19, 0, 0) }); // busy once each; retries wait for Monday
    const [mine] = await h.contacts(here);
    const cancelledAt = h.clock.now();
    assert.equal(await h.engine.cancelContact(h.accountId, mine.id), true);
    // Another node's cancel: the same write, which this node does not see.
    const [theirs] = await h.contacts(elsewhere);
    await h.store.db
      .updateTable("contacts")
      .set({ status: "cancelled" })
      .where("id", "=", theirs.id)
      .execute();
    await h.clock.run({ until: Date.UTC(2026, 0, 9, 20, 0, 0) });
    const [a, b] = [await campaignRow(h, here), await campaignRow(h, elsewhere)];
    assert.equal(a.status, "completed");
    assert.ok(Number(a.finished_at) - cancelledAt < 10_000, "completed at the cancel");
    assert.equal(b.status, "completed");
    assert.ok(Number(b.finished_at) - cancelledAt <= 11 * 60_000, "completed within minutes");
  } finally {
    await h.close();
  }
});
