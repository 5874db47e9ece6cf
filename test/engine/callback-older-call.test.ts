// One callback waiting, agreed again from an earlier call of the contact: it is moved, not granted a second
// time (the grant depended on the order of the two dispositions: 4 calls or 3).
import assert from "node:assert/strict";
import { test } from "node:test";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import { harness } from "../helpers/engine-harness.ts";

const A = "+12025557100";

async function run(order: "latest-first" | "older-first") {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign({ maxAttemptsPerContact: 2, retryIntervalSec: 60 }, [{ phones: [A] }]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(86_400_000);
    const calls = await h.attempts(id);
    assert.equal(calls.length, 2);
    const [c0] = await h.contacts(id);
    assert.equal(c0.status, "exhausted");
    const [first, second] = calls;
    const at = h.clock.now() + 600_000;
    const ids = order === "latest-first" ? [second.id, first.id] : [first.id, second.id];
    for (const a of ids)
      assert.equal(await scheduleCallback(h.store, h.accountId, a, at, h.clock.now()), null);
    const [c] = await h.contacts(id);
    const granted = JSON.parse(c.retry_counts).callbacks;
    await h.engine.recover(h.accountId, id);
    await h.runToEnd(6 * 86_400_000);
    return { granted, calls: (await h.attempts(id)).length };
  } finally {
    await h.close();
  }
}

test("one pending callback, two calls' dispositions: granted the same whatever their order", async () => {
  const a = await run("latest-first");
  const b = await run("older-first");
  assert.deepEqual(a, b, "the order of two dispositions changes how many calls the person gets");
  assert.equal(a.calls, 3, `one callback waits, but ${a.calls} calls were made (2 regular + ${a.calls - 2})`);
});
