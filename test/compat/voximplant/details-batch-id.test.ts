// GetCallListDetails' `batch_id` (the official 4.x client sends it to read one batch's tasks) is refused
// with 101 saying filtering by batch is not supported. It was ignored: the batch_id CreateCallList and
// AppendToCallList answer is stored nowhere (a task keeps no record of the request that brought it, the
// contacts table has no column for one and its custom data is the scenario's), so a client checking the
// rows it had just appended was answered every task of the list as that batch's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listFields, voxFixture } from "./helpers.ts";

test("GetCallListDetails with a batch_id is refused (101), not answered with the whole list", async () => {
  const f = await voxFixture();
  try {
    const created = await f.vox("CreateManualCallList", listFields());
    const more = await f.vox("AppendToCallList", {
      list_id: created.list_id,
      file_content: "phone_number;first_name\n+12125550199;Cid\n",
    });
    assert.match(more.batch_id, /^[0-9a-f-]{36}$/);
    for (const output of ["json", "csv"]) {
      const out = await f.vox("GetCallListDetails", {
        list_id: created.list_id,
        batch_id: more.batch_id,
        output,
      });
      assert.equal(out.error?.code, 101, JSON.stringify(out));
      assert.match(out.error.msg, /'batch_id' parameter is not supported/);
    }
    const all = await f.vox("GetCallListDetails", { list_id: created.list_id, output: "json" });
    assert.equal(all.count, 3);
  } finally {
    await f.close();
  }
});
