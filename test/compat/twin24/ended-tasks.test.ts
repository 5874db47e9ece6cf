// What follows a Twin24 task's end: a HALTED task (its lifetime over) starts again as a FINISHED one does,
// and a call lost with its node or abandoned follows the nearest Twin24 redial rule, so redials turned off
// leave no outcome redialed every half hour (both found by an audit, 2026-12-05).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type TaskBody, toSettings } from "../../../src/api/compat/twin24/translate.ts";
import { redialRuleOf } from "../../../src/api/compat/twin24/views.ts";
import { decideAfterAttempt } from "../../../src/model/redial-policy.ts";
import { manualTask, numbers, redial, started, withFixture } from "./helpers.ts";

const SEC = 1000;
const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const oneCall = { phoneCount: 1, attempts: 1, phoneIndex: 0, phoneAttempts: [1], retryCounts: {} };

test("a HALTED task starts again with /start, its lifetime counted afresh", () =>
  withFixture("always_no_answer", async (f) => {
    const uuid = await started(
      f,
      { cps: 0.4, lifetime: 120 },
      numbers(10).map((phone) => ({ phone })),
    );
    await f.run(600 * SEC);
    const halted = await f.task(uuid);
    assert.equal(halted.status, "HALTED");
    assert.ok((halted.candidates as Record<string, number>).WAITING > 0, "candidates still waiting");
    const before = (await f.attempts(uuid)).length;

    const start = await f.command(uuid, "start");
    assert.equal(start.statusCode, 200, `start: ${start.body}`);
    assert.equal(start.json().status, "PROCESS");
    await f.run(100 * SEC);
    assert.ok((await f.attempts(uuid)).length > before, "it dials again");
    await f.run(600 * SEC);
    assert.equal((await f.task(uuid)).status, "HALTED", "for another 120 s of lifetime");
  }));

test("redials off: a lost or abandoned call is final for its number, as every other outcome is", () => {
  const body = manualTask() as unknown as TaskBody;
  assert.equal(body.redialStrategyOptions.redialStrategyEn, false);
  const settings = toSettings(body, { schedule: null, callerIds: [] });
  for (const outcome of ["busy", "no_answer", "machine", "failed", "lost", "abandoned"] as const) {
    assert.equal(decideAfterAttempt(settings, oneCall, outcome, 0, NOW).final, true, outcome);
  }
});

test("redials on: a lost call follows congestion's rule, an abandoned one answerNoList's", () => {
  const body = manualTask({
    redialStrategyOptions: {
      redialStrategyEn: true,
      congestion: redial(120, 1),
      answerNoList: redial(900, 1),
    },
  }) as unknown as TaskBody;
  const settings = toSettings(body, { schedule: null, callerIds: [] });
  const lost = decideAfterAttempt(settings, oneCall, "lost", 0, NOW);
  assert.equal(lost.final, false);
  assert.equal(!lost.final && lost.nextAt - NOW, 120 * SEC);
  const abandoned = decideAfterAttempt(settings, oneCall, "abandoned", 0, NOW);
  assert.equal(abandoned.final, false);
  // The 72-hour rule for abandoned callees comes on top of the rule's 900 s.
  assert.ok(!abandoned.final && abandoned.nextAt - NOW >= 900 * SEC);
  const again = { ...lost.state, attempts: 2, phoneAttempts: [2] };
  assert.equal(decideAfterAttempt(settings, again, "lost", 0, NOW).final, true, "count 1: one redial");
  assert.equal(redialRuleOf("lost", null), "congestion");
  assert.equal(redialRuleOf("abandoned", null), "answerNoList");
});
