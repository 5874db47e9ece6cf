// A callback set on a contact that settled with its callback unmade (cancelled, or suppressed at the claim)
// grants one call, the new one: the unmade callback is owed no more (it was granted a second time, and the
// contact made three calls under a limit of one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import { cancelPendingContactQuery } from "../../src/store/contacts-query.ts";
import { harness } from "../helpers/engine-harness.ts";

const A = "+12025557100";

async function run(cancelBetween: boolean) {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign({ maxAttemptsPerContact: 1, retryIntervalSec: 60 }, [{ phones: [A] }]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(86_400_000);
    const [call] = await h.attempts(id);
    const at = h.clock.now() + 600_000;
    assert.equal(await scheduleCallback(h.store, h.accountId, call.id, at, h.clock.now()), null);
    if (cancelBetween) {
      const [c] = await h.contacts(id);
      await h.store.db.executeQuery(cancelPendingContactQuery(h.store.db, h.accountId, c.id, h.clock.now()));
      assert.equal((await h.contacts(id))[0].status, "cancelled");
    }
    // The callback agreed again (the person rang back, or an agent redoes it): one callback waits.
    assert.equal(await scheduleCallback(h.store, h.accountId, call.id, at, h.clock.now() + 1), null);
    const [c] = await h.contacts(id);
    const counts = JSON.parse(c.retry_counts);
    await h.engine.recover(h.accountId, id);
    await h.runToEnd(6 * 86_400_000);
    return { counts, calls: (await h.attempts(id)).length };
  } finally {
    await h.close();
  }
}

test("a callback set again on a contact that settled with its callback unmade grants one call, not two", async () => {
  const kept = await run(false);
  const cancelled = await run(true);
  assert.equal(kept.calls, 2);
  assert.equal(
    cancelled.calls,
    2,
    `one callback waits, but ${cancelled.calls} calls were made (counters ${JSON.stringify(cancelled.counts)})`,
  );
});
