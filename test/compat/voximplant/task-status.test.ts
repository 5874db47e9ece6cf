// GetCallListDetails's status_id for a task that waits for its retry. Voximplant's task statuses are 0 New,
// 1 In progress, 2 Processed, 3 Error, 4 Canceled; a pending task was reported New even once it had been
// called and was waiting for its next attempt (last_attempt set, attempts_left below num_attempts), so a
// client counting New tasks as "not called yet" counted it. A task not yet called stays New.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listFields, voxFixture } from "./helpers.ts";

test("a task called once and waiting for its retry is In progress (1); one not yet called is New (0)", async () => {
  const f = await voxFixture({ scenario: "always_busy" });
  try {
    const out = await f.vox(
      "CreateCallList",
      listFields({
        num_attempts: 3,
        interval_seconds: 3600,
        max_simultaneous: 1,
        // The second task may not be called for a day: it is still New when the first waits for its retry.
        file_content: `phone;__start_at\n+12125550101;\n+12125550102;${Math.floor(f.clock.now() / 1000) + 86_400}\n`,
      }),
    );
    assert.equal(out.count, 2, JSON.stringify(out));
    await f.run(60_000); // the first attempt is made and ends busy; its retry waits an hour
    assert.equal((await f.attempts(out.list_id)).length, 1);
    const [retrying, fresh] = (await f.vox("GetCallListDetails", { list_id: out.list_id, output: "json" }))
      .result;
    assert.equal(retrying.attempts_left, 2);
    assert.notEqual(retrying.last_attempt, null);
    assert.deepEqual([retrying.status_id, retrying.status], [1, "In progress"], JSON.stringify(retrying));
    assert.equal(fresh.last_attempt, null);
    assert.deepEqual([fresh.status_id, fresh.status], [0, "New"], JSON.stringify(fresh));
  } finally {
    await f.close();
  }
});
