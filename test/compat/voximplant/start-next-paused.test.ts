// StartNextCallTask on a manual list paused from the native API or the dashboard (GetCallLists: "Paused")
// released a task and answered {"result": 1}, but the list stayed paused: nothing dialed it, the task was
// no longer held, so the client's next StartNextCallTask moved on to another, and all of them went out at
// once when someone resumed the list (vox13). It now resumes the list, as it restarts a stopped one and as
// RecoverCallList resumes a paused one: result 1 means the task is being called.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listFields, voxFixture } from "./helpers.ts";

test("StartNextCallTask on a paused manual list resumes it and the task is called", async () => {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    const m = await f.vox("CreateManualCallList", listFields({ name: "manual" }));
    assert.equal(m.result, true, JSON.stringify(m));
    assert.deepEqual(await f.vox("StartNextCallTask", { list_id: m.list_id }), {
      result: 1,
      list_id: m.list_id,
    });
    await f.run(60_000);
    assert.equal((await f.attempts(m.list_id)).length, 1);
    const paused = await f.call({ method: "POST", url: `/v1/campaigns/${m.list_id}/pause` });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal((await f.vox("GetCallLists", { list_id: m.list_id })).result[0].status, "Paused");

    assert.deepEqual(await f.vox("StartNextCallTask", { list_id: m.list_id }), {
      result: 1,
      list_id: m.list_id,
    });
    assert.notEqual((await f.vox("GetCallLists", { list_id: m.list_id })).result[0].status, "Paused");
    await f.run(60_000);
    assert.equal((await f.attempts(m.list_id)).length, 2, "the released task was called");
  } finally {
    await f.close();
  }
});
