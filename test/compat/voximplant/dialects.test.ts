// The Voximplant face on each store (SQLite always, PostgreSQL when OUTDIAL_TEST_PG_URL is set): a call list
// with control columns, an append, a manual list released by StartNextCallTask, lists and details read back.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { importCallListFile } from "../../../src/api/compat/voximplant/csv.ts";
import { createCallList, MANUAL_HOLD_AT } from "../../../src/api/compat/voximplant/lists.ts";
import { withDefaults } from "../../../src/model/campaign-settings.ts";
import { dialects } from "../../helpers/stores.ts";
import { listFields, T0, voxFixture } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`Voximplant face on ${dialect.name}`, () => {
    test("create, append, dial, manual release, lists and details", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const at = (T0 + 3600_000) / 1000;
        const file = `phone;name;__start_at;__task_uuid\n+12125554001;Ann;${at};u-1\n+12125554002;Bob;;u-2\n`;
        const out = await f.vox(
          "CreateCallList",
          listFields({ name: "pg list", file_content: file, application_id: 3 }),
        );
        assert.equal(out.count, 2, JSON.stringify(out));
        const dup = await f.vox("AppendToCallList", {
          list_id: out.list_id,
          file_content: "phone;__task_uuid\n+12125554003;u-2\n",
        });
        assert.equal(dup.error.code, 101);
        assert.equal(
          (await f.vox("AppendToCallList", { list_name: "pg list", file_content: "phone\n+12125554003\n" }))
            .count,
          1,
        );
        const manual = await f.vox(
          "CreateManualCallList",
          listFields({ name: "pg manual", file_content: "phone\n+12125554010\n" }),
        );
        await f.run(600_000);
        assert.deepEqual(f.originated.map((r) => r.to).sort(), ["+12125554002", "+12125554003"]);
        assert.deepEqual(await f.vox("StartNextCallTask", { list_id: manual.list_id }), {
          result: 1,
          list_id: manual.list_id,
        });
        await f.run(3600_000);
        assert.equal(f.originated.length, 4);
        const lists = await f.vox("GetCallLists", { application_id: "3", is_active: "false" });
        assert.deepEqual([lists.total_count, lists.result[0].status], [1, "Completed"]);
        const details = await f.vox("GetCallListDetails", { list_id: out.list_id, output: "json" });
        assert.equal(details.count, 3);
        assert.deepEqual(
          details.result.map((t: { task_uuid: string | null }) => t.task_uuid),
          ["u-1", "u-2", null],
        );
        assert.deepEqual(
          details.result.map((t: { status: string }) => t.status),
          ["Processed", "Processed", "Processed"],
        );
        assert.equal(details.result[0].start_at, at);
        assert.deepEqual(await f.vox("StopCallListProcessing", { list_id: manual.list_id }), {
          result: true,
          msg: `Call list ${manual.list_id} processing stopped`,
        });
      } finally {
        await f.close();
      }
    });

    test("concurrent StartNextCallTask calls each release a task of their own", async () => {
      const f = await voxFixture({ store: dialect.open });
      try {
        const file = "phone\n+12125554020\n+12125554021\n+12125554022\n+12125554023\n";
        const manual = await f.vox("CreateManualCallList", listFields({ name: "race", file_content: file }));
        const answers = await Promise.all(
          [1, 2, 3].map(() => f.vox("StartNextCallTask", { list_id: manual.list_id })),
        );
        assert.deepEqual(
          answers,
          [1, 2, 3].map(() => ({ result: 1, list_id: manual.list_id })),
        );
        const held = await f.store.db
          .selectFrom("contacts")
          .select("id")
          .where("campaign_id", "=", manual.list_id)
          .where("start_at", "=", MANUAL_HOLD_AT)
          .execute();
        assert.equal(held.length, 1, "three calls, three tasks released");
      } finally {
        await f.close();
      }
    });

    test("AppendToCallList to a running manual list writes its tasks held in the import's commit, with no pause around it", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const file = "phone\n+12125554040\n+12125554041\n";
        const manual = await f.vox("CreateManualCallList", listFields({ name: "held", file_content: file }));
        assert.deepEqual(await f.vox("StartNextCallTask", { list_id: manual.list_id }), {
          result: 1,
          list_id: manual.list_id,
        });
        const status = async () =>
          (
            await f.store.db
              .selectFrom("campaigns")
              .select("status")
              .where("id", "=", manual.list_id)
              .executeTakeFirstOrThrow()
          ).status;
        assert.equal(await status(), "running");
        // A pause and a resume around the import were two more commits a kill could split (the list left
        // paused for good, or tasks written but not yet held): the append must need neither.
        const refuse = () => Promise.reject(new Error("the append must not pause or resume the list"));
        Object.assign(f.engine, { pause: refuse, resume: refuse });
        const more = await f.vox("AppendToCallList", {
          list_id: manual.list_id,
          file_content: "phone;__start_at\n+12125554042;\n+12125554043;1\n",
        });
        assert.equal(more.count, 2, JSON.stringify(more));
        assert.equal(await status(), "running");
        const added = await f.store.db
          .selectFrom("contacts")
          .select(["start_at", "next_attempt_at", "ready", "wait_reason"])
          .where("campaign_id", "=", manual.list_id)
          .where("phone", "in", ["+12125554042", "+12125554043"])
          .execute();
        assert.deepEqual(
          added.map((c) => [Number(c.start_at), Number(c.next_attempt_at), c.ready, c.wait_reason]),
          [MANUAL_HOLD_AT, MANUAL_HOLD_AT + 1000].map((at) => [at, at, 0, "start_at"]),
          "held whatever the file's __start_at says, keeping it above the hold",
        );
      } finally {
        await f.close();
      }
    });

    test("StartNextCallTask releases no task before its file __start_at, and the task keeps that time", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const at = (T0 + 3600_000) / 1000;
        const file = `phone;__start_at\n+12125554050;${at}\n+12125554051;\n`;
        const manual = await f.vox("CreateManualCallList", listFields({ name: "later", file_content: file }));
        const details = async () =>
          (await f.vox("GetCallListDetails", { list_id: manual.list_id, output: "json" })).result.map(
            (t: { start_at: number | null }) => t.start_at,
          );
        assert.deepEqual(await details(), [at, null], "a held task shows its file's start time");
        const start = () => f.vox("StartNextCallTask", { list_id: manual.list_id });
        assert.deepEqual(await start(), { result: 1, list_id: manual.list_id });
        await f.run(600_000);
        assert.deepEqual(
          f.originated.map((r) => r.to),
          ["+12125554051"],
          "the task due now is released, not the first one in the file",
        );
        const early = await start();
        assert.equal(early.error?.code, 101, JSON.stringify(early));
        assert.match(early.error.msg, new RegExp(new Date(at * 1000).toISOString()));
        await f.run(3000_000);
        assert.ok(f.clock.now() >= at * 1000);
        assert.deepEqual(await start(), { result: 1, list_id: manual.list_id });
        await f.run(600_000);
        assert.deepEqual(
          f.originated.map((r) => r.to),
          ["+12125554051", "+12125554050"],
        );
        assert.equal((await details())[0], at, "released, it keeps the file's start time");
      } finally {
        await f.close();
      }
    });

    test("a list whose creation a kill cut short is never shown, recovered or dialed, and is dropped an hour later", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        // What a process killed after CreateCallList's import, before its start, leaves behind.
        const now = f.clock.now();
        const { campaignId: orphan, listId } = await createCallList(f.store, {
          accountId: f.accountId,
          name: "cut short",
          settings: withDefaults({ vendor: { voximplant: { type: "AUTOMATIC" } } }),
          now,
        });
        const file = { content: Buffer.from("phone\n+12125554050\n") };
        await importCallListFile(
          f.store,
          { accountId: f.accountId, campaignId: orphan, listId, now },
          file,
          1 << 20,
        );
        // The client, with no answer, sends it again.
        const again = await f.vox(
          "CreateCallList",
          listFields({ name: "cut short", file_content: file.content.toString() }),
        );
        assert.equal(again.result, true, JSON.stringify(again));
        const shown = await f.vox("GetCallLists", { name: "cut short" });
        assert.deepEqual(
          shown.result.map((l: { list_id: number }) => l.list_id),
          [again.list_id],
        );
        const append = await f.vox("AppendToCallList", {
          list_name: "cut short",
          file_content: "phone\n+12125554051\n",
        });
        assert.equal(append.result, true, JSON.stringify(append));
        for (const cmd of ["RecoverCallList", "StopCallListProcessing", "GetCallListDetails"]) {
          const refused = await f.vox(cmd, { list_id: orphan });
          assert.equal(refused.error?.code, 101, `${cmd}: ${JSON.stringify(refused)}`);
        }
        // Nor may the native API start it: its file may not all be in.
        await assert.rejects(f.engine.start(f.accountId, orphan), /still being created/);
        await f.run(10 * 60_000);
        assert.deepEqual(
          f.originated.map((o) => o.to),
          ["+12125554050", "+12125554051"],
          "the number was called once, by the list the client knows",
        );
        // An hour on, the next creation drops it with its tasks.
        await f.run(3600_000);
        await f.vox("CreateCallList", listFields({ name: "later" }));
        const left = await f.store.db
          .selectFrom("contacts")
          .select("id")
          .where("campaign_id", "=", orphan)
          .execute();
        assert.equal(left.length, 0);
        const row = await f.store.db
          .selectFrom("campaigns")
          .select("id")
          .where("id", "=", orphan)
          .executeTakeFirst();
        assert.equal(row, undefined);
      } finally {
        await f.close();
      }
    });

    test("a NUL character in a text parameter is refused with 101, not an internal error", async () => {
      const f = await voxFixture({ store: dialect.open });
      try {
        const out = await f.vox("CreateCallList", listFields({ name: "nul\u0000name" }));
        assert.equal(out.error?.code, 101, JSON.stringify(out));
        assert.match(out.error.msg, /'name'.*NUL/);
        const made = await f.vox("CreateCallList", listFields({ name: "fine" }));
        const append = await f.vox("AppendToCallList", {
          list_name: "fine\u0000",
          file_content: "phone\n+12125554030\n",
        });
        assert.equal(append.error?.code, 101, JSON.stringify(append));
        assert.equal((await f.vox("GetCallLists", { list_id: made.list_id })).result.length, 1);
      } finally {
        await f.close();
      }
    });
  });
}
