// Voximplant StopCallListProcessing / RecoverCallList decide from a status read, then call the engine,
// which reads it again and refuses: a retried or doubled request gets an error instead of success.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

for (const d of dialects()) {
  describe(`voximplant lifecycle (${d.name})`, () => {
    let f: VoxFixture;
    before(async () => {
      f = await voxFixture({ store: () => d.open() });
    });
    after(() => f.close());
    const raw = (cmd: string, fields: Record<string, string | number>) =>
      f.call({
        method: "POST",
        url: "/platform_api",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          cmd,
          ...Object.fromEntries(Object.entries(fields).map(([a, b]) => [a, String(b)])),
        }).toString(),
      });

    test("two StopCallListProcessing at once: both succeed", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 15; round++) {
        const created = await f.vox("CreateCallList", listFields({ name: `s${round}` }));
        const id = created.list_id;
        const [a, b] = await Promise.all([
          raw("StopCallListProcessing", { list_id: id }),
          raw("StopCallListProcessing", { list_id: id }),
        ]);
        for (const r of [a, b])
          if (r.statusCode !== 200 || r.json().result !== true)
            bad.push(`round ${round}: ${r.statusCode} ${r.body}`);
      }
      assert.deepEqual(bad, []);
    });

    test("two RecoverCallList of a stopped list at once: both succeed", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 15; round++) {
        const created = await f.vox("CreateCallList", listFields({ name: `r${round}` }));
        const id = created.list_id;
        await f.vox("StopCallListProcessing", { list_id: id });
        const [a, b] = await Promise.all([
          raw("RecoverCallList", { list_id: id }),
          raw("RecoverCallList", { list_id: id }),
        ]);
        for (const r of [a, b])
          if (r.statusCode !== 200 || r.json().result !== true)
            bad.push(`round ${round}: ${r.statusCode} ${r.body}`);
      }
      assert.deepEqual(bad, []);
    });
  });
}
