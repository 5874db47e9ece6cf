// The seed, on `lifetime`: "Task lifetime in seconds. After this time expires, the task is set to HALTED
// status." A task PAUSED when its lifetime ran out was never set to HALTED (the engine halted running
// campaigns only): it read PAUSED for good with a haltAt in the past, and neither /resume nor /start
// brought it back (both 409 "ended … change its lifetime first"), while a HALTED task is started again by
// /start with its lifetime counted afresh (twin24-12). A paused campaign is now halted at its halt time;
// one paused before its start time has not begun, and keeps waiting for its resume.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { manualTask, numbers, started, withFixture } from "./helpers.ts";

const SEC = 1000;

for (const dialect of dialects()) {
  describe(`a paused task and its lifetime [${dialect.name}]`, () => {
    test("paused when its lifetime runs out, it is HALTED, and /start brings it back as a HALTED one", () =>
      withFixture(
        "always_busy",
        async (f) => {
          const uuid = await started(
            f,
            { lifetime: 60, cps: 0.4 },
            numbers(5).map((phone) => ({ phone })),
          );
          await f.run(10 * SEC);
          assert.equal((await f.command(uuid, "pause")).json().status, "PAUSED");
          await f.run(40 * SEC);
          assert.equal((await f.task(uuid)).status, "PAUSED", "halted before its lifetime ran out");
          await f.run(80 * SEC); // the lifetime ran out 60 s ago
          const task = await f.task(uuid);
          assert.ok(Date.parse(task.haltAt as string) < f.clock.now(), "its lifetime is over");
          assert.equal(task.status, "HALTED", `lifetime over, yet ${task.status} (haltAt ${task.haltAt})`);
          const start = await f.command(uuid, "start");
          assert.equal(start.statusCode, 200, start.body);
          assert.equal(start.json().status, "PROCESS");
        },
        dialect.open,
      ));

    test("paused before its start time, it has not begun: past that start time plus its lifetime it stays PAUSED", () =>
      withFixture(
        "always_busy",
        async (f) => {
          const uuid = await f.createTask(
            manualTask({ startType: "time", startMoment: "2026-01-05 15:05", lifetime: 60 }),
          );
          assert.equal((await f.task(uuid)).status, "READY");
          assert.equal((await f.command(uuid, "pause")).json().status, "PAUSED");
          await f.run(15 * 60 * SEC);
          assert.equal((await f.task(uuid)).status, "PAUSED");
          const resume = await f.command(uuid, "resume");
          assert.equal(resume.statusCode, 200, resume.body);
        },
        dialect.open,
      ));
  });
}
