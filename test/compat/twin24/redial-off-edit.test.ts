// A PUT that turns redials off (redialStrategyEn false) or lowers a count on a running task: a redial
// scheduled under the old rule was placed all the same (twin8). It is not made now.
import assert from "node:assert/strict";
import { test } from "node:test";
import { manualTask, redial, started, withFixture } from "./helpers.ts";

const P = "/cis/api/v1/telephony/autoCall";
const SEC = 1000;

test("redials switched off by a PUT: a redial already scheduled is not placed", () =>
  withFixture("always_busy", async (f) => {
    const uuid = await started(
      f,
      { redialStrategyOptions: { redialStrategyEn: true, busy: redial(3600, 3) } },
      [{ phone: "+79163330001" }],
    );
    await f.run(60 * SEC);
    assert.equal((await f.attempts(uuid)).length, 1, "first call, busy; a redial is due in an hour");
    const off = manualTask({ redialStrategyOptions: { redialStrategyEn: false } });
    const res = await f.call({ method: "PUT", url: `${P}/${uuid}`, payload: off });
    assert.equal(res.statusCode, 200, res.body);
    await f.run(4 * 3600 * SEC);
    const phones = (await f.attempts(uuid)).map((a) => a.phone);
    assert.deepEqual(phones, ["+79163330001"], "redials are off: the number is not called again");
  }));

test("a busy count lowered to 0 by a PUT: the pending redial is not placed", () =>
  withFixture("always_busy", async (f) => {
    const uuid = await started(
      f,
      { redialStrategyOptions: { redialStrategyEn: true, busy: redial(3600, 3) } },
      [{ phone: "+79163330002" }],
    );
    await f.run(60 * SEC);
    const zero = manualTask({ redialStrategyOptions: { redialStrategyEn: true, busy: redial(3600, 0) } });
    const res = await f.call({ method: "PUT", url: `${P}/${uuid}`, payload: zero });
    assert.equal(res.statusCode, 200, res.body);
    await f.run(4 * 3600 * SEC);
    assert.equal((await f.attempts(uuid)).length, 1, "busy.count 0: no redial");
  }));
