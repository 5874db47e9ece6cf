// The Twin24 face on each store (SQLite always, PostgreSQL when OUTDIAL_TEST_PG_URL is set): its own
// tables (migration 003) hold tasks, schedules and pools; a task dials its candidates and reads back.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { manualTask, redial, twin24Fixture } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`Twin24 face on ${dialect.name}`, () => {
    test("schedule, pool, task, candidates, start, results", async () => {
      const f = await twin24Fixture({ scenario: "always_busy", openStore: dialect.open });
      try {
        const made = async (kind: string, payload: Record<string, unknown>) => {
          const res = await f.call({ method: "POST", url: `/cis/api/v1/telephony/${kind}`, payload });
          assert.equal(res.statusCode, 200, res.body);
          return (res.json() as { id: { identity: string } }).id.identity;
        };
        const scheduleId = await made("schedule", {
          name: "always",
          timezone: "Europe/Moscow",
          ranges: [{ days: [1, 2, 3, 4, 5, 6, 7], from: "00:00", to: "24:00" }],
        });
        const pool = await made("pool", { numbers: ["+74950000001", "+74950000002"] });
        const uuid = await f.createTask(
          manualTask({
            scheduleId,
            cidType: "pool",
            cidData: pool,
            redialStrategyOptions: { redialStrategyEn: true, busy: redial(30, 1) },
          }),
        );
        await f.addCandidates(uuid, [{ phone: ["+79161110001", "+79161110002"], variables: { n: 1 } }]);
        assert.equal((await f.command(uuid, "start")).statusCode, 200);
        await f.run(600_000);
        const attempts = await f.attempts(uuid);
        assert.deepEqual(
          attempts.map((a) => [a.phone, a.caller_id]),
          [
            ["+79161110001", "+74950000001"],
            ["+79161110001", "+74950000002"],
            ["+79161110002", "+74950000001"],
            ["+79161110002", "+74950000002"],
          ],
        );
        const task = await f.task(uuid);
        assert.equal(task.status, "FINISHED");
        assert.equal((task.candidates as Record<string, number>).EXHAUSTED, 1);
      } finally {
        await f.close();
      }
    });

    test("a NUL character in a text field is a 400 naming the field, and nothing is stored", async () => {
      const f = await twin24Fixture({ openStore: dialect.open });
      try {
        const pool = await f.call({
          method: "POST",
          url: "/cis/api/v1/telephony/pool",
          payload: { name: "p\u0000", numbers: ["+74950000001"] },
        });
        assert.equal(pool.statusCode, 400, pool.body);
        assert.deepEqual(pool.json().error.field, "name");
        const task = await f.call({
          method: "POST",
          url: "/cis/api/v1/telephony/autoCall",
          payload: manualTask({ taskComment: "a\u0000b" }),
        });
        assert.equal(task.statusCode, 400, task.body);
        assert.equal(task.json().error.field, "taskComment");
        const uuid = await f.createTask(manualTask());
        const cand = await f.call({
          method: "POST",
          url: `/cis/api/v1/telephony/autoCall/${uuid}/candidates`,
          payload: { batch: [{ phone: "+79161110001", variables: { name: "A\u0000" } }] },
        });
        assert.equal(cand.statusCode, 400, cand.body);
        assert.equal(cand.json().error.field, "batch[0].variables.name");
        assert.equal((await f.store.db.selectFrom("contacts").select("id").execute()).length, 0);
      } finally {
        await f.close();
      }
    });
  });
}
