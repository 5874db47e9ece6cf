// Twin24 tasks on the virtual clock, over HTTP: pause / resume / start again, and what reaches the driver
// with each call (recording, robot detection and its greeting, the bot and its transfer).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { numbers, started, withFixture } from "./helpers.ts";

const A = "+79161110001";
const B = "+79161110002";
const SEC = 1000;

describe("lifecycle", () => {
  test("a FINISHED task given new candidates starts again", () =>
    withFixture("all_human", async (f) => {
      const uuid = await started(f, {}, [{ phone: A }]);
      await f.run(3600 * SEC);
      assert.equal((await f.task(uuid)).status, "FINISHED");
      await f.addCandidates(uuid, [{ phone: B }]);
      const res = await f.command(uuid, "start");
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { status: string }).status, "PROCESS");
      await f.run(3600 * SEC);
      assert.deepEqual(
        (await f.attempts(uuid)).map((a) => a.phone),
        [A, B],
      );
      assert.equal((await f.task(uuid)).status, "FINISHED");
    }));

  test("pause and resume", () =>
    withFixture("all_human", async (f) => {
      const uuid = await started(
        f,
        { cps: 0.4 },
        numbers(3).map((p) => ({ phone: p })),
      );
      await f.run(10 * SEC);
      assert.equal(((await f.command(uuid, "pause")).json() as { status: string }).status, "PAUSED");
      await f.run(300 * SEC);
      assert.equal((await f.attempts(uuid)).length, 1);
      assert.equal(((await f.command(uuid, "resume")).json() as { status: string }).status, "PROCESS");
      await f.run(300 * SEC);
      assert.equal((await f.attempts(uuid)).length, 3);
    }));
});

describe("what the driver is given", () => {
  test("recording with its trim, blocking detection with its greeting, the bot and its transfer channel", () =>
    withFixture("all_human", async (f) => {
      const uuid = await started(
        f,
        {
          defaultExecData: "bot-7",
          secondExec: "ch",
          secondExecData: "channel-9",
          additionalOptions: {
            recordCall: true,
            recTrimLeft: 2,
            detectRobot: true,
            detectRobotMode: "block",
            detectRobotGreeting: "greeting-3",
          },
        },
        [{ phone: A, variables: { Name: "Ann" } }],
      );
      await f.run(3600 * SEC);
      const [req] = f.originated;
      assert.equal(req.to, A);
      assert.deepEqual(req.record, { enabled: true, trimLeftSec: 2 });
      assert.deepEqual(req.amd, { enabled: true, mode: "blocking", greeting: "greeting-3" });
      assert.deepEqual(req.bot, { scriptId: "bot-7", onTransfer: "forward", transferTo: "channel-9" });
      assert.deepEqual(req.data, { Name: "Ann" });
      const res = await f.call({ method: "GET", url: `/cis/api/v1/telephony/autoCall/${uuid}/candidates` });
      const [c] = (res.json() as { data: { calls: { recording: Record<string, unknown> | null }[] }[] }).data;
      const rec = c.calls[0].recording as Record<string, unknown>;
      assert.equal(rec.trimLeftSec, 2);
      assert.match(String(rec.url), /^sim:\/\/recordings\//);
    }));

  test("background detection and secondExec = ignore", () =>
    withFixture("all_human", async (f) => {
      await started(
        f,
        {
          secondExec: "ignore",
          secondExecData: null,
          additionalOptions: { recordCall: false, detectRobot: true, detectRobotMode: "back" },
        },
        [{ phone: A }],
      );
      await f.run(600 * SEC);
      const [req] = f.originated;
      assert.deepEqual(req.amd, { enabled: true, mode: "background" });
      assert.equal(req.record, null);
      assert.equal(req.bot?.onTransfer, "ignore");
    }));
});
