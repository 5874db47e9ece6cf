// Two AppendToCallList calls carrying the same __task_uuid while another import of the list runs (a large
// append, a client's retry): both passed the face's uuid check, made before the import's lock, and the
// import (duplicatePolicy "allow", for Voximplant's repeated phones) set the second one's row aside at commit
// with result:true and a count one short: the row's phone and data lost (vox9). The clash is now judged
// inside the lock (refuseSetAside): the second append is refused (101), nothing of it stored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withCampaignLock } from "../../../src/lists/import-setup.ts";
import { listFields, voxFixture } from "./helpers.ts";

test("two appends with the same __task_uuid while an import of the list runs: none answers result:true with a row dropped", async () => {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    const out = await f.vox(
      "CreateCallList",
      listFields({ file_content: "phone;__task_uuid\n+12125550101;first\n" }),
    );
    const listId = out.list_id as number;
    // Another import of this list in progress (as a large AppendToCallList would be): its lock is held.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const busy = withCampaignLock(f.store, listId, () => gate);
    const fileA = "phone;name;__task_uuid\n+12125550201;Ann;crm-7\n+12125550202;Bob;crm-8\n";
    const fileB = "phone;name;__task_uuid\n+12125550301;Cid;crm-7\n+12125550302;Dan;crm-9\n";
    const pa = f.vox("AppendToCallList", { list_id: listId, file_content: fileA });
    const pb = f.vox("AppendToCallList", { list_id: listId, file_content: fileB });
    await new Promise((r) => setTimeout(r, 1500)); // both are past their __task_uuid check, waiting
    release();
    await busy;
    const [a, b] = await Promise.all([pa, pb]);
    const answers = [a, b];
    const ok = answers.filter((x) => x.result === true);
    const refused = answers.filter((x) => (x.error as { code?: number } | undefined)?.code === 101);
    assert.equal(refused.length, 1, `answers ${JSON.stringify(answers)}`);
    // Each answer must be either a refusal (101) or the count of every row of its file (2).
    for (const x of ok)
      assert.equal(x.count, 2, `answered ${JSON.stringify(answers)}: a row was dropped without an error`);
    assert.equal(ok.length, 1, `answers ${JSON.stringify(answers)}`);
  } finally {
    await f.close();
  }
});
