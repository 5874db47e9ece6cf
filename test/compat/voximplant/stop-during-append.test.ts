// A StopCallListProcessing that lands while an AppendToCallList brings its completed list back. The append's
// dialAgain read the list completed, then asked the engine to recover it; a stop between the two marked it
// stopped, and the engine's recover (which takes stopped lists, for RecoverCallList) brought it back
// running: the appended task was dialed although the client had stopped the list. dialAgain now recovers
// only from completed, decided on the engine's own fresh read, so the stop stands. The stop itself is the
// engine's (evenIfFinished), which keeps the list's finish time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialAgain } from "../../../src/api/compat/dial-again.ts";
import type { Engine } from "../../../src/engine/engine.ts";
import { dialects } from "../../helpers/stores.ts";
import { listFields, voxFixture } from "./helpers.ts";

const HOUR = 3600_000;

for (const dialect of dialects()) {
  describe(`a stop between an append's read and its recover [${dialect.name}]`, () => {
    test("the stopped list stays stopped, dials nothing appended, and keeps its finish time", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const out = await f.vox("CreateCallList", listFields({ file_content: "phone\n+12125553040\n" }));
        await f.run(HOUR);
        const finished = await f.store.db
          .selectFrom("campaigns")
          .select(["status", "finished_at"])
          .where("id", "=", out.list_id)
          .executeTakeFirstOrThrow();
        assert.equal(finished.status, "completed");
        assert.notEqual(finished.finished_at, null);

        const more = await f.vox("AppendToCallList", {
          list_id: out.list_id,
          file_content: "phone\n+12125553041\n",
        });
        assert.equal(more.count, 1, JSON.stringify(more));
        // The append's own dialAgain recovered the list: complete it again, with the new task still
        // pending, so that the dialAgain below reads it completed, as one racing the stop does.
        await f.vox("StopCallListProcessing", { list_id: out.list_id });
        await f.store.db
          .updateTable("campaigns")
          .set({ status: "completed", status_reason: null, finished_at: finished.finished_at })
          .where("id", "=", out.list_id)
          .execute();

        // The stop lands after dialAgain has read the list completed, before its recover.
        const racing = new Proxy(f.engine, {
          get(target, key, receiver) {
            if (key !== "recover") return Reflect.get(target, key, receiver);
            return async (...args: Parameters<Engine["recover"]>) => {
              const stop = await f.vox("StopCallListProcessing", { list_id: out.list_id });
              assert.equal(stop.result, true, JSON.stringify(stop));
              return target.recover(...args);
            };
          },
        });
        await dialAgain({ store: f.store, engine: racing }, f.accountId, out.list_id);

        const after = await f.store.db
          .selectFrom("campaigns")
          .select(["status", "status_reason", "finished_at"])
          .where("id", "=", out.list_id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(after, {
          status: "stopped",
          status_reason: "stopped by request",
          finished_at: finished.finished_at,
        });
        await f.run(HOUR);
        assert.deepEqual(
          f.originated.map((r) => r.to),
          ["+12125553040"],
          "the appended task of a list stopped during the append was dialed",
        );
      } finally {
        await f.close();
      }
    });
  });
}
