// CreateCallList's `start_at` and `is_cancelled`, which the official client (@voximplant/apiclient-nodejs
// 4.x) sends: "when the call list should start, as a Unix timestamp in seconds (UTC)" and "whether to create
// the call list in the cancelled state". The face read neither and started every list at once, so a list
// asked to begin tomorrow, or created cancelled, dialed every task now. Now start_at is the campaign's
// startAt (the engine's start schedules it: In progress and active, no call before then) and is_cancelled
// creates the list stopped (Canceled, not active, nothing dialed) until RecoverCallList. Both are checked
// (101 naming the parameter), and CreateManualCallList, whose tasks StartNextCallTask releases, refuses them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { listFields, T0, type VoxFixture, voxFixture } from "./helpers.ts";

const HOUR = 3600_000;

const listOf = async (f: VoxFixture, id: number) =>
  (await f.vox("GetCallLists", { list_id: id })).result[0] as { status: string; is_active: boolean };

for (const dialect of dialects()) {
  describe(`CreateCallList start_at and is_cancelled [${dialect.name}]`, () => {
    test("start_at two hours ahead: scheduled, In progress and active, no call before then, dialed after", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const startAt = Math.floor((T0 + 2 * HOUR) / 1000);
        const out = await f.vox("CreateCallList", listFields({ start_at: startAt }));
        assert.equal(out.result, true, JSON.stringify(out));
        const row = await f.store.db
          .selectFrom("campaigns")
          .select(["status", "started_at"])
          .where("id", "=", out.list_id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          { ...row, started_at: Number(row.started_at) },
          {
            status: "scheduled",
            started_at: startAt * 1000,
          },
        );
        const list = await listOf(f, out.list_id);
        assert.equal(list.status, "In progress");
        assert.equal(list.is_active, true);
        await f.run(2 * HOUR - 60_000);
        assert.equal((await f.attempts(out.list_id)).length, 0, "a call before start_at");
        await f.run(HOUR);
        assert.equal((await f.attempts(out.list_id)).length, 2);
      } finally {
        await f.close();
      }
    });

    test("is_cancelled=true: created Canceled and inactive, nothing dialed until RecoverCallList", async () => {
      const f = await voxFixture({ scenario: "all_human", store: dialect.open });
      try {
        const out = await f.vox("CreateCallList", listFields({ is_cancelled: "true" }));
        assert.equal(out.result, true, JSON.stringify(out));
        assert.equal(out.count, 2);
        const list = await listOf(f, out.list_id);
        assert.equal(list.status, "Canceled");
        assert.equal(list.is_active, false);
        await f.run(HOUR);
        assert.equal((await f.attempts(out.list_id)).length, 0, "a call of a list created cancelled");

        const recovered = await f.vox("RecoverCallList", { list_id: out.list_id });
        assert.deepEqual(recovered, { result: true, count_recovery: 2 });
        await f.run(HOUR);
        assert.equal((await f.attempts(out.list_id)).length, 2);
        // is_cancelled=false is a list started as before.
        const plain = await f.vox("CreateCallList", listFields({ name: "plain", is_cancelled: "false" }));
        assert.equal((await listOf(f, plain.list_id)).status, "In progress");
      } finally {
        await f.close();
      }
    });
  });
}

test("a start_at that is no Unix time, an is_cancelled that is no boolean, and either for a manual list are 101 naming it", async () => {
  const f = await voxFixture();
  try {
    const refusals: [string, Record<string, string | number>, RegExp][] = [
      ["CreateCallList", { start_at: "2026-01-06 09:00:00" }, /'start_at' parameter must be an integer/],
      ["CreateCallList", { start_at: 1.5 }, /'start_at' parameter must be an integer/],
      ["CreateCallList", { start_at: -1 }, /'start_at' parameter must be at least 0/],
      ["CreateCallList", { start_at: 253_402_300_800 }, /'start_at' parameter must be at most/],
      ["CreateCallList", { is_cancelled: "maybe" }, /'is_cancelled' parameter must be true or false/],
      [
        "CreateManualCallList",
        { start_at: 1_767_614_400 },
        /'start_at' parameter is not one of CreateManualCallList's/,
      ],
      [
        "CreateManualCallList",
        { is_cancelled: "true" },
        /'is_cancelled' parameter is not one of CreateManualCallList's/,
      ],
    ];
    for (const [cmd, patch, msg] of refusals) {
      const out = await f.vox(cmd, listFields(patch));
      assert.equal(out.error?.code, 101, `${cmd} ${JSON.stringify(patch)}: ${JSON.stringify(out)}`);
      assert.match(out.error.msg, msg);
    }
    assert.equal((await f.vox("GetCallLists", {})).total_count, 0, "a refused list was stored");
  } finally {
    await f.close();
  }
});
