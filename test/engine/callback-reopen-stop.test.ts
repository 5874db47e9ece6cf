// The automatic callback reopen (engine/callback-reopen.ts) reads a campaign completed, then recovers it.
// A stop landing in between (a Voximplant StopCallListProcessing, which stops even a finished list) was
// undone: the plain recover took the stopped list back to running. The reopen now recovers only from
// completed, on the engine's own fresh read (as dialAgain does since 611e50a), so the stop stands.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Engine } from "../../src/engine/engine.ts";
import { listFields, voxFixture } from "../compat/voximplant/helpers.ts";

const HOUR = 3600_000;

test("a stop between the callback reopen's read and its recover stands", async () => {
  const f = await voxFixture({ scenario: "all_human" });
  try {
    const out = await f.vox("CreateCallList", listFields({ file_content: "phone\n+12125553040\n" }));
    await f.run(HOUR);
    const status = async () =>
      (
        await f.store.db
          .selectFrom("campaigns")
          .select(["status", "status_reason"])
          .where("id", "=", out.list_id)
          .executeTakeFirstOrThrow()
      ).status;
    assert.equal(await status(), "completed");

    // The stop lands after reopen() has read the list completed, before the engine's recover.
    const engine = f.engine as Engine;
    const reopening = (
      f.engine as unknown as { reopening: { reopen(a: number, c: number): Promise<boolean> } }
    ).reopening;
    const recover = engine.recover.bind(engine);
    engine.recover = (async (...args: Parameters<Engine["recover"]>) => {
      const stop = await f.vox("StopCallListProcessing", { list_id: out.list_id });
      assert.equal(stop.result, true, JSON.stringify(stop));
      return recover(...args);
    }) as Engine["recover"];
    await reopening.reopen(f.accountId, out.list_id);

    assert.equal(await status(), "stopped", "the list a client stopped was recovered by the callback reopen");
  } finally {
    await f.close();
  }
});
