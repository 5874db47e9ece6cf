// Twin24 tasks dialing on the virtual clock, created and driven over HTTP: cps in both encodings, the two
// call strategies, caller ids (default / gornum / pool), redial rules and limits, fullListTime, useTr in
// the callee's own time, startMoment, lifetime → HALTED, and what reaches the driver.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gaps, manualTask, numbers, redial, started, T0, withFixture } from "./helpers.ts";

const A = "+79161110001";
const B = "+79161110002";
const SEC = 1000;

describe("cps", () => {
  test("1.03 places 3 calls a second, evenly spaced", () =>
    withFixture("all_human", async (f) => {
      const uuid = await started(
        f,
        { cps: 1.03 },
        numbers(9).map((p) => ({ phone: p })),
      );
      await f.run(10 * SEC);
      const starts = (await f.attempts(uuid)).map((a) => a.started_at);
      assert.equal(starts.length, 9);
      assert.equal(starts[0], T0);
      for (const g of gaps(starts)) assert.ok(g >= 333 && g <= 334, `gap ${g}`);
    }));

  test("0.4 places one call every 60 s", () =>
    withFixture("all_human", async (f) => {
      const uuid = await started(
        f,
        { cps: 0.4 },
        numbers(3).map((p) => ({ phone: p })),
      );
      await f.run(59 * SEC);
      assert.equal((await f.attempts(uuid)).length, 1);
      await f.run(100 * SEC);
      const starts = (await f.attempts(uuid)).map((a) => a.started_at);
      assert.deepEqual(gaps(starts), [60 * SEC, 60 * SEC]);
    }));
});

describe("call strategy on a candidate with two numbers (busy redialled once after 60 s)", () => {
  const redialBusy = {
    redialStrategyOptions: { redialStrategyEn: true, busy: redial(60, 1) },
  };
  test("STEP_2_STEP: every attempt on the first number, then on the next", () =>
    withFixture("always_busy", async (f) => {
      const uuid = await started(f, { ...redialBusy, callStrategy: "STEP_2_STEP" }, [{ phone: [A, B] }]);
      await f.run(600 * SEC);
      const attempts = await f.attempts(uuid);
      assert.deepEqual(
        attempts.map((a) => a.phone),
        [A, A, B, B],
      );
      // The redial waits its 60 s; moving on to the next number does not.
      assert.ok(attempts[1].started_at - (attempts[0].ended_at as number) >= 60 * SEC);
      assert.ok(attempts[2].started_at - (attempts[1].ended_at as number) < 2 * SEC);
    }));

  test("PARALLEL: the next number at once, then back round after the redial time", () =>
    withFixture("always_busy", async (f) => {
      const uuid = await started(f, { ...redialBusy, callStrategy: "PARALLEL" }, [{ phone: [A, B] }]);
      await f.run(600 * SEC);
      const attempts = await f.attempts(uuid);
      assert.deepEqual(
        attempts.map((a) => a.phone),
        [A, B, A, B],
      );
      assert.ok(attempts[1].started_at - (attempts[0].ended_at as number) < 2 * SEC);
      assert.ok(attempts[2].started_at - (attempts[1].ended_at as number) >= 60 * SEC);
    }));
});

describe("a declined call (SIP 603) on the first of two numbers", () => {
  for (const callStrategy of ["STEP_2_STEP", "PARALLEL"]) {
    test(`${callStrategy}: that number is not called again, the next one still is`, () =>
      withFixture({ outcomes: { human: 1 }, overrides: { [A]: "rejected" } }, async (f) => {
        const uuid = await started(f, { callStrategy, cps: 1.05 }, [{ phone: [A, B] }]);
        await f.run(600 * SEC);
        assert.deepEqual(
          (await f.attempts(uuid)).map((a) => [a.phone, a.outcome]),
          [
            [A, "rejected"],
            [B, "human"],
          ],
        );
        const c = await f.store.db.selectFrom("contacts").select("status").executeTakeFirstOrThrow();
        assert.equal(c.status, "succeeded");
      }));
  }
});

describe("caller id", () => {
  test("pool: the numbers take turns; gornum: always its number; default: the trunk's (none given)", () =>
    withFixture("all_human", async (f) => {
      const poolRes = await f.call({
        method: "POST",
        url: "/cis/api/v1/telephony/pool",
        payload: { name: "outbound", numbers: ["+74950000001", "+74950000002", "+74950000003"] },
      });
      const pool = (poolRes.json() as { id: { identity: string } }).id.identity;
      const gornumRes = await f.call({
        method: "POST",
        url: "/cis/api/v1/telephony/gornum",
        payload: { numbers: ["+74959999999"] },
      });
      const gornum = (gornumRes.json() as { id: { identity: string } }).id.identity;

      const pooled = await started(
        f,
        { cps: 1.02, cidType: "pool", cidData: pool },
        numbers(6).map((p) => ({ phone: p })),
      );
      const single = await started(
        f,
        { cps: 1.02, cidType: "gornum", cidData: gornum },
        numbers(3, 79163330000).map((p) => ({ phone: p })),
      );
      const plain = await started(f, { cps: 1.02 }, [{ phone: "+79164440000" }]);
      await f.run(20 * SEC);
      assert.deepEqual(
        (await f.attempts(pooled)).map((a) => a.caller_id),
        ["+74950000001", "+74950000002", "+74950000003", "+74950000001", "+74950000002", "+74950000003"],
      );
      assert.deepEqual(
        (await f.attempts(single)).map((a) => a.caller_id),
        ["+74959999999", "+74959999999", "+74959999999"],
      );
      assert.deepEqual(
        (await f.attempts(plain)).map((a) => a.caller_id),
        [null],
      );
    }));
});

describe("redial rules and limits", () => {
  test("numberLimit and candidateLimit stop the redials of a busy candidate", () =>
    withFixture("always_busy", async (f) => {
      const uuid = await started(
        f,
        {
          redialStrategyOptions: {
            redialStrategyEn: true,
            busy: redial(10, 5),
            numberLimit: { redial: true, count: 2 },
            candidateLimit: { redial: true, count: 3 },
          },
        },
        [{ phone: [A, B] }],
      );
      await f.run(600 * SEC);
      assert.deepEqual(
        (await f.attempts(uuid)).map((a) => a.phone),
        [A, A, B],
      );
      const task = await f.task(uuid);
      assert.equal((task.candidates as Record<string, number>).EXHAUSTED, 1);
    }));

  test("a rule's count: busy redialled twice per number, 30 s apart", () =>
    withFixture("always_busy", async (f) => {
      const uuid = await started(
        f,
        { redialStrategyOptions: { redialStrategyEn: true, busy: redial(30, 2) } },
        [{ phone: A }],
      );
      await f.run(600 * SEC);
      const attempts = await f.attempts(uuid);
      assert.equal(attempts.length, 3);
      for (let i = 1; i < attempts.length; i++) {
        const waited = attempts[i].started_at - (attempts[i - 1].ended_at as number);
        assert.ok(waited >= 30 * SEC && waited < 31 * SEC, `waited ${waited}`);
      }
    }));

  test("redialStrategyEn = false: each number is called once, whatever the rules say", () =>
    withFixture("always_busy", async (f) => {
      const uuid = await started(
        f,
        { redialStrategyOptions: { redialStrategyEn: false, busy: redial(10, 5) } },
        [{ phone: [A, B] }],
      );
      await f.run(600 * SEC);
      assert.deepEqual(
        (await f.attempts(uuid)).map((a) => a.phone),
        [A, B],
      );
      const res = await f.call({ method: "GET", url: `/cis/api/v1/telephony/autoCall/${uuid}/candidates` });
      const [c] = (
        res.json() as { data: { status: string; calls: { status: string; redialRule: string }[] }[] }
      ).data;
      assert.equal(c.status, "FAILED");
      assert.deepEqual(
        c.calls.map((x) => [x.status, x.redialRule]),
        [
          ["BUSY", "busy"],
          ["BUSY", "busy"],
        ],
      );
    }));

  test("fullListTime: an answer shorter than it is answerNoList and redialled; a longer one is a success", () =>
    withFixture({ base: "all_human", talkSec: 5 }, async (f) => {
      const options = { redialStrategyEn: true, answerNoList: redial(30, 1) };
      const short = await started(
        f,
        { additionalOptions: { fullListTime: 10 }, redialStrategyOptions: options },
        [{ phone: A }],
      );
      const long = await started(
        f,
        { additionalOptions: { fullListTime: 3 }, redialStrategyOptions: options },
        [{ phone: B }],
      );
      await f.run(600 * SEC);
      const shortCalls = await f.attempts(short);
      assert.deepEqual(
        shortCalls.map((a) => [a.outcome, a.success]),
        [
          ["human", 0],
          ["human", 0],
        ],
      );
      assert.deepEqual(
        (await f.attempts(long)).map((a) => [a.outcome, a.success]),
        [["human", 1]],
      );
      assert.equal((await f.task(long)).status, "FINISHED");
    }));
});

/** A pass a minute for the tests that idle through the night to a window's opening. */
const MINUTE_PASSES = { maintenanceMs: 60_000 };

describe("time", () => {
  test("useTr: allowCallTimeFrom/To in each callee's own time", () =>
    withFixture(
      "all_human",
      async (f) => {
        // 09:00–18:00 local. At T0 (12:00 UTC) it is 15:00 at UTC+3 and 19:00 at UTC+7.
        const uuid = await started(
          f,
          {
            cps: 1.01,
            additionalOptions: { useTr: true, allowCallTimeFrom: 32_400, allowCallTimeTo: 64_799 },
          },
          [
            { phone: A, timezone: 10_800 },
            { phone: B, timezone: 25_200 },
          ],
        );
        await f.run(16 * 3600 * SEC);
        const byPhone = new Map((await f.attempts(uuid)).map((a) => [a.phone, a.started_at]));
        assert.equal(byPhone.get(A), T0);
        const opens = Date.UTC(2026, 0, 6, 2, 0, 0);
        const b = byPhone.get(B) as number;
        assert.ok(b >= opens && b < opens + SEC, new Date(b).toISOString());
      },
      undefined,
      MINUTE_PASSES,
    ));

  test("scheduleId: calls only in the schedule's hours, in its zone", () =>
    withFixture(
      "all_human",
      async (f) => {
        const res = await f.call({
          method: "POST",
          url: "/cis/api/v1/telephony/schedule",
          payload: {
            name: "tuesdays",
            timezone: "Asia/Yekaterinburg",
            ranges: [{ days: [2], from: "09:00", to: "12:00" }],
          },
        });
        const scheduleId = (res.json() as { id: { identity: string } }).id.identity;
        // T0 is a Monday; the first call waits for Tuesday 09:00 at UTC+5, 04:00 UTC.
        const uuid = await started(f, { scheduleId }, [{ phone: A }]);
        await f.run(24 * 3600 * SEC);
        const [attempt] = await f.attempts(uuid);
        assert.equal(attempt.started_at, Date.UTC(2026, 0, 6, 4, 0, 0));
      },
      undefined,
      MINUTE_PASSES,
    ));

  test("startType = time: READY until startMoment (Moscow time), then dialing", () =>
    withFixture("all_human", async (f) => {
      const uuid = await f.createTask(manualTask({ startType: "time", startMoment: "2026-01-05 16:00" }));
      assert.equal((await f.task(uuid)).status, "READY");
      await f.addCandidates(uuid, [{ phone: A }]);
      await f.run(59 * 60 * SEC);
      assert.equal((await f.attempts(uuid)).length, 0);
      await f.run(2 * 60 * SEC);
      const [attempt] = await f.attempts(uuid);
      const at = Date.UTC(2026, 0, 5, 13, 0, 0);
      assert.ok(attempt.started_at >= at && attempt.started_at < at + SEC);
      assert.notEqual((await f.task(uuid)).status, "READY");
    }));

  test("lifetime: the task is HALTED when it runs out", () =>
    withFixture("always_no_answer", async (f) => {
      const uuid = await started(
        f,
        { cps: 0.4, lifetime: 120 },
        numbers(10).map((p) => ({ phone: p })),
      );
      await f.run(600 * SEC);
      const task = await f.task(uuid);
      assert.equal(task.status, "HALTED");
      assert.equal(task.haltAt, new Date(T0 + 120 * SEC).toISOString());
      const starts = (await f.attempts(uuid)).map((a) => a.started_at);
      assert.ok(starts.length >= 2 && starts.length <= 3, `${starts.length} calls`);
      assert.ok(starts.every((t) => t <= T0 + 120 * SEC));
    }));
});
