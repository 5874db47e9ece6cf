// A PUT with startType "time" on a BLANK task writes the edit, then starts the task in a second step. It
// started it on the status read before the write, so a lifecycle command landing between the two was not
// respected (twin24-12): a /stop there, answered STOPPED, was undone by the edit's start; a /start there
// made the PUT answer 409 although its edit was written. The edit now starts only the draft it wrote
// (engine start onlyFrom draft), and a command that landed since stands. The window is hit
// deterministically by sending the command from engine.campaignEdited, which the route awaits between its
// write and its start.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { manualTask, withFixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

for (const dialect of dialects()) {
  describe(`PUT startType=time racing a lifecycle command [${dialect.name}]`, () => {
    test("a /stop landing while the edit is written leaves the task STOPPED, not started by the edit", () =>
      withFixture(
        "all_human",
        async (f) => {
          const uuid = await f.createTask(manualTask());
          assert.equal((await f.task(uuid)).status, "BLANK");
          const edited = f.engine.campaignEdited.bind(f.engine);
          let stop: { statusCode: number; body: string } | undefined;
          f.engine.campaignEdited = async (id: number) => {
            await edited(id);
            if (!stop) stop = await f.command(uuid, "stop");
          };
          const put = await f.call({
            method: "PUT",
            url: `${TASKS}/${uuid}`,
            payload: manualTask({ startType: "time", startMoment: "2026-01-06 10:00" }),
          });
          assert.equal(stop?.statusCode, 200, stop?.body);
          assert.equal(JSON.parse(stop.body).status, "STOPPED");
          assert.equal(put.statusCode, 200, put.body);
          // The stop was answered STOPPED and came after the edit: the task must still be STOPPED.
          assert.equal((await f.task(uuid)).status, "STOPPED");
        },
        dialect.open,
      ));

    test("a /start landing while the edit is written does not turn the PUT (already written) into a 409", () =>
      withFixture(
        "all_human",
        async (f) => {
          const uuid = await f.createTask(manualTask());
          const edited = f.engine.campaignEdited.bind(f.engine);
          let start: { statusCode: number; body: string } | undefined;
          f.engine.campaignEdited = async (id: number) => {
            await edited(id);
            if (!start) start = await f.command(uuid, "start");
          };
          const put = await f.call({
            method: "PUT",
            url: `${TASKS}/${uuid}`,
            payload: manualTask({ name: "renamed", startType: "time", startMoment: "2026-01-06 10:00" }),
          });
          assert.equal(start?.statusCode, 200, start?.body);
          const task = await f.task(uuid);
          assert.equal(task.name, "renamed", "the edit was written");
          assert.equal(task.status, "READY");
          assert.equal(
            put.statusCode,
            200,
            `the edit landed, yet the PUT answered ${put.statusCode} ${put.body}`,
          );
        },
        dialect.open,
      ));
  });
}
