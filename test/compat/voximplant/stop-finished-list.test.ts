// StopCallListProcessing of a list that has finished. It answered "processing stopped" but changed nothing
// for a completed list (only running, scheduled and paused ones were stopped, and the engine's stop refuses
// the others): the list stayed Completed, so the next AppendToCallList recovered it (dial-again.ts) and
// dialed the new tasks although the client had stopped it, as a restart's face-add recovery would. Now a
// completed or halted list is marked stopped ("stopped by request", Canceled in GetCallLists, with its
// campaign.status_changed event), and stays so until RecoverCallList, which counts and dials its new tasks.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

const HOUR = 3600_000;

async function campaignRow(f: VoxFixture, id: number) {
  return f.store.db
    .selectFrom("campaigns")
    .select(["status", "status_reason"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

const listStatus = async (f: VoxFixture, id: number): Promise<string> =>
  (await f.vox("GetCallLists", { list_id: id })).result[0].status;

for (const dialect of dialects()) {
  describe(`StopCallListProcessing of a finished list [${dialect.name}]`, () => {
    test("a completed list stopped dials no appended task, on the append nor after a restart, until RecoverCallList", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const hook = await f.call({
          method: "POST",
          url: "/v1/webhooks",
          payload: { url: "https://crm.example.com/hook", events: ["campaign.status_changed"] },
        });
        assert.equal(hook.statusCode, 201, hook.body);
        const out = await f.vox("CreateCallList", listFields({ file_content: "phone\n+12125553026\n" }));
        await f.run(HOUR);
        assert.equal(await listStatus(f, out.list_id), "Completed");

        const stop = await f.vox("StopCallListProcessing", { list_id: out.list_id });
        assert.equal(stop.result, true, JSON.stringify(stop));
        assert.deepEqual(await campaignRow(f, out.list_id), {
          status: "stopped",
          status_reason: "stopped by request",
        });
        assert.equal(await listStatus(f, out.list_id), "Canceled");
        const events = await f.store.db
          .selectFrom("webhook_deliveries")
          .select("payload")
          .where("event_type", "=", "campaign.status_changed")
          .orderBy("id")
          .execute();
        assert.deepEqual(JSON.parse(events[events.length - 1].payload).data, {
          from: "completed",
          to: "stopped",
          reason: "stopped by request",
        });

        const more = await f.vox("AppendToCallList", {
          list_id: out.list_id,
          file_content: "phone\n+12125553027\n",
        });
        assert.equal(more.count, 1, JSON.stringify(more));
        assert.equal(await f.engine.recoverFaceAdds(), 0);
        await f.run(HOUR);
        assert.deepEqual(
          f.originated.map((r) => r.to),
          ["+12125553026"],
          "the appended task of a stopped list was dialed without RecoverCallList",
        );
        assert.equal(await listStatus(f, out.list_id), "Canceled");

        const rec = await f.vox("RecoverCallList", { list_id: out.list_id });
        assert.deepEqual(rec, { result: true, count_recovery: 1 });
        await f.run(HOUR);
        assert.deepEqual(
          f.originated.map((r) => r.to),
          ["+12125553026", "+12125553027"],
        );
      } finally {
        await f.close();
      }
    });

    test("a halted list stopped is stopped by request; a stopped one stays as it is", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const out = await f.vox("CreateCallList", listFields());
        await f.run(HOUR);
        // Halted at its end time, as the engine leaves a list its lifetime ran out on.
        await f.store.db
          .updateTable("campaigns")
          .set({ status: "halted", status_reason: "lifetime or end time reached" })
          .where("id", "=", out.list_id)
          .execute();
        assert.equal((await f.vox("StopCallListProcessing", { list_id: out.list_id })).result, true);
        assert.deepEqual(await campaignRow(f, out.list_id), {
          status: "stopped",
          status_reason: "stopped by request",
        });
        assert.equal((await f.vox("StopCallListProcessing", { list_id: out.list_id })).result, true);
        assert.equal((await campaignRow(f, out.list_id)).status, "stopped");
      } finally {
        await f.close();
      }
    });
  });
}
