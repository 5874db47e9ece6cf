// The Twin24 → core translation as pure functions: cps encodings, every "Yes, if …" rule of the seed, the
// settings a task becomes, webhook plans and number normalization.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizeNumber, prepareCandidates, zoneOf } from "../../../src/api/compat/twin24/candidates.ts";
import {
  decodeCps,
  findRuleProblem,
  parseStartMoment,
  type TaskBody,
  toSettings,
  webhookPlans,
} from "../../../src/api/compat/twin24/translate.ts";
import { listablePhone } from "../../../src/api/native/dnc-input.ts";
import { manualTask, redial, seedBody } from "./helpers.ts";

const seed = () =>
  ({ ...seedBody(), cidType: "gornum", cidData: "n-1", scheduleId: "s-1" }) as unknown as TaskBody;
const body = (patch: Record<string, unknown>) => manualTask(patch) as unknown as TaskBody;

describe("cps", () => {
  test("1 + N/100 is N calls per second", () => {
    assert.equal(decodeCps(1.03), 3);
    assert.equal(decodeCps(1.01), 1);
    assert.equal(decodeCps(1.5), 50);
    assert.equal(decodeCps(2), 100);
    assert.equal(decodeCps(11), 1000);
  });
  test("1 - N/100 is one call every N seconds", () => {
    assert.equal(decodeCps(0.4), 1 / 60);
    assert.equal(decodeCps(0.9), 1 / 10);
    assert.equal(decodeCps(0.99), 1);
    assert.equal(decodeCps(0.01), 1 / 99);
  });
  test("1.0 is one call per second", () => {
    assert.equal(decodeCps(1), 1);
  });
  test("values outside the encoding are refused with the reason", () => {
    for (const bad of [0, -0.5, 1.035, 0.995, 11.01]) {
      assert.equal(typeof decodeCps(bad), "string", `cps ${bad}`);
    }
    assert.match(decodeCps(1.035) as string, /whole N/);
    assert.match(decodeCps(11.01) as string, /at most 11/);
    assert.match(decodeCps(0) as string, /greater than 0/);
  });
  test("a hair above 0 is N = 100, i.e. cps 0: refused, not read as one call every 100 s (twin24-13)", () => {
    for (const bad of [1e-9, 1e-12]) {
      assert.match(String(decodeCps(bad)), /at least 0\.01/, `cps ${bad}`);
    }
  });
});

describe("conditional rules", () => {
  test("the seed's own body passes", () => {
    assert.equal(findRuleProblem(seed()), null);
  });
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "secondExec = ch",
      { secondExec: "ch", secondExecData: "" },
      "secondExecData",
      /required when secondExec = ch/,
    ],
    ["cidType = gornum", { cidType: "gornum", cidData: null }, "cidData", /required when cidType = gornum/],
    ["cidType = pool", { cidType: "pool" }, "cidData", /required when cidType = pool/],
    [
      "startType = time",
      { startType: "time", startMoment: "" },
      "startMoment",
      /required when startType = time/,
    ],
    [
      "startMoment format",
      { startType: "time", startMoment: "2023-06-02T10:00" },
      "startMoment",
      /YYYY-MM-DD HH:MM/,
    ],
    [
      "useTr = true (from)",
      { additionalOptions: { useTr: true, allowCallTimeFrom: null } },
      "additionalOptions.allowCallTimeFrom",
      /required when useTr = true/,
    ],
    [
      "useTr = true (to)",
      { additionalOptions: { useTr: true, allowCallTimeFrom: 0, allowCallTimeTo: null } },
      "additionalOptions.allowCallTimeTo",
      /required when useTr = true/,
    ],
    [
      "recordCall = true",
      { additionalOptions: { recordCall: true, recTrimLeft: null } },
      "additionalOptions.recTrimLeft",
      /required when recordCall = true/,
    ],
    [
      "detectRobot = true",
      { additionalOptions: { detectRobot: true, detectRobotMode: null } },
      "additionalOptions.detectRobotMode",
      /required when detectRobot = true/,
    ],
    [
      "detectRobotMode = block",
      { additionalOptions: { detectRobot: true, detectRobotMode: "block", detectRobotGreeting: "" } },
      "additionalOptions.detectRobotGreeting",
      /required when detectRobotMode = block/,
    ],
    [
      "normalizationErrorAction without normalization",
      { normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" },
      "normalizationErrorAction",
      /phoneNormalization = RU/,
    ],
    [
      "candidateLimit.redial = true",
      { redialStrategyOptions: { candidateLimit: { redial: true } } },
      "redialStrategyOptions.candidateLimit.count",
      /required when candidateLimit.redial = true/,
    ],
    [
      "numberLimit.redial = true with count 0",
      { redialStrategyOptions: { numberLimit: { redial: true, count: 0 } } },
      "redialStrategyOptions.numberLimit.count",
      /at least 1/,
    ],
    [
      "busy.redial = true (time)",
      { redialStrategyOptions: { busy: { redial: true, count: 1 } } },
      "redialStrategyOptions.busy.time",
      /required when busy.redial = true/,
    ],
    [
      "answerNoList.redial = true (count)",
      { redialStrategyOptions: { answerNoList: { redial: true, time: 5 } } },
      "redialStrategyOptions.answerNoList.count",
      /required when answerNoList.redial = true/,
    ],
    ["cps encoding", { cps: 1.035 }, "cps", /whole N/],
  ];
  for (const [name, patch, field, message] of cases) {
    test(name, () => {
      const problem = findRuleProblem(body(patch));
      assert.ok(problem, "expected a problem");
      assert.equal(problem.field, field);
      assert.match(problem.message, message);
    });
  }
  test("fields required only under a condition are free without it", () => {
    const ok = body({
      secondExec: "end",
      secondExecData: "",
      startType: "manual",
      startMoment: null,
      additionalOptions: {
        useTr: false,
        allowCallTimeFrom: null,
        allowCallTimeTo: null,
        recordCall: false,
        recTrimLeft: null,
        detectRobot: true,
        detectRobotMode: "back",
        detectRobotGreeting: null,
      },
      redialStrategyOptions: { busy: { redial: false }, candidateLimit: { redial: false } },
    });
    assert.equal(findRuleProblem(ok), null);
  });
});

describe("settings", () => {
  test("the seed's task", () => {
    const s = toSettings(seed(), {
      schedule: {
        zone: "Asia/Yekaterinburg",
        ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }],
      },
      callerIds: ["+74951234567"],
    });
    assert.equal(s.callsPerSecond, 3);
    assert.equal(s.multiNumber, "sequential");
    assert.deepEqual(s.callerIds, ["+74951234567"]);
    assert.equal(s.callerIdMode, "fixed");
    assert.deepEqual(s.amd, { enabled: true, mode: "background" });
    assert.deepEqual(s.record, { enabled: true, trimLeftSec: 0 });
    assert.deepEqual(s.bot, {
      scriptId: "228cc4fa-92f2-4709-94e3-7344a96a5903",
      onTransfer: "forward",
      transferTo: "48a77bd7-8762-4e0f-a277-4ef77e36c41b",
    });
    assert.equal(s.successMinTalkSec, 0);
    // startMoment is read in the schedule's zone (UTC+5): 10:00 there is 05:00 UTC.
    assert.equal(s.startAt, Date.UTC(2023, 5, 2, 5, 0));
    assert.equal(s.schedule?.zone, "Asia/Yekaterinburg");
    // redialStrategyEn = false: every outcome is final for its number, and no contact limit beyond that.
    for (const key of ["busy", "no_answer", "machine", "failed", "unsuccessful"] as const) {
      assert.deepEqual(s.retry[key], { intervalSec: 0, maxRetries: 0 }, key);
    }
    assert.equal(s.maxAttemptsPerContact, 100);
    assert.equal(s.maxAttemptsPerPhone, null);
    assert.equal(s.calleeWindow, null);
    assert.equal(s.lifetimeSec, null);
    const kept = s.vendor.twin24 as Record<string, unknown>;
    assert.equal(kept.taskComment, "API test call task");
    assert.equal(kept.sendReportAfterFinish, true);
    assert.equal(kept.checkPhone, true);
    assert.equal(kept.scheduleId, "s-1");
    assert.equal(kept.cps, 1.03);
  });

  test("without a schedule startMoment is Moscow time; lifetime, PARALLEL, pool, blocking AMD, end", () => {
    const s = toSettings(
      body({
        startType: "time",
        startMoment: "2026-01-05 16:00",
        lifetime: 600,
        callStrategy: "PARALLEL",
        cidType: "pool",
        cidData: "p",
        secondExec: "end",
        additionalOptions: {
          detectRobot: true,
          detectRobotMode: "block",
          detectRobotGreeting: "g-1",
          recordCall: false,
        },
      }),
      { schedule: null, callerIds: ["+1", "+2"] },
    );
    assert.equal(s.startAt, Date.UTC(2026, 0, 5, 13, 0));
    assert.equal(s.lifetimeSec, 600);
    assert.equal(s.multiNumber, "parallel");
    assert.equal(s.callerIdMode, "rotate");
    assert.deepEqual(s.amd, { enabled: true, mode: "blocking", greeting: "g-1" });
    assert.equal(s.record, null);
    assert.deepEqual(s.bot, {
      scriptId: "228cc4fa-92f2-4709-94e3-7344a96a5903",
      onTransfer: "end",
      transferTo: null,
    });
  });

  test("redial rules per outcome, with the candidate and number limits", () => {
    const s = toSettings(
      body({
        redialStrategyOptions: {
          redialStrategyEn: true,
          candidateLimit: { redial: true, count: 4 },
          numberLimit: { redial: true, count: 2 },
          busy: redial(300, 2),
          noAnswer: redial(600, 3),
          answerMash: { redial: false, time: 5, count: 5 },
          congestion: redial(60, 1),
          answerNoList: redial(3600, 1),
        },
      }),
      { schedule: null, callerIds: [] },
    );
    assert.deepEqual(s.retry, {
      busy: { intervalSec: 300, maxRetries: 2 },
      no_answer: { intervalSec: 600, maxRetries: 3 },
      machine: { intervalSec: 0, maxRetries: 0 },
      failed: { intervalSec: 60, maxRetries: 1 },
      unsuccessful: { intervalSec: 3600, maxRetries: 1 },
      // No Twin24 rule: a declined number is not called again, the candidate's other numbers still are.
      rejected: { intervalSec: 0, maxRetries: 0 },
      // No Twin24 rule either: the nearest one's (congestion's, answerNoList's).
      lost: { intervalSec: 60, maxRetries: 1 },
      abandoned: { intervalSec: 3600, maxRetries: 1 },
    });
    assert.equal(s.rejectedIsFinal, false);
    assert.equal(s.maxAttemptsPerContact, 4);
    assert.equal(s.maxAttemptsPerPhone, 2);
  });

  test("useTr: allowCallTimeFrom/To become the callee-local window, To being the last second allowed", () => {
    const on = toSettings(
      body({ additionalOptions: { useTr: true, allowCallTimeFrom: 32_400, allowCallTimeTo: 75_599 } }),
      { schedule: null, callerIds: [] },
    );
    assert.deepEqual(on.calleeWindow, { from: "09:00:00", to: "21:00:00" });
    const off = toSettings(
      body({ additionalOptions: { useTr: false, allowCallTimeFrom: 32_400, allowCallTimeTo: 75_599 } }),
      { schedule: null, callerIds: [] },
    );
    assert.equal(off.calleeWindow, null);
    const wholeDay = toSettings(body({ additionalOptions: { useTr: true } }), {
      schedule: null,
      callerIds: [],
    });
    assert.equal(wholeDay.calleeWindow, null);
  });

  test("an edit onto stored settings: the body's fields follow it, every other setting stays", () => {
    const refs = { schedule: null, callerIds: [] };
    const created = toSettings(
      body({ additionalOptions: { detectRobot: true, detectRobotMode: "back" } }),
      refs,
    );
    const stored = {
      ...created,
      phoneCaps: { per7d: 2 },
      minGapSec: 600,
      maxConcurrent: 3,
      rejectedIsFinal: true,
      retry: { ...created.retry, rejected: { intervalSec: 30, maxRetries: 2 } },
      amd: { enabled: true, mode: "background" as const, params: { totalAnalysisTime: 4000 } },
      vendor: { ...created.vendor, xcally: { name: "q" } },
    };
    const edited = toSettings(body({ cps: 1.07, lifetime: 300 }), refs, stored);
    assert.deepEqual(edited.phoneCaps, { per7d: 2 });
    assert.equal(edited.minGapSec, 600);
    assert.equal(edited.maxConcurrent, 3);
    assert.equal(edited.rejectedIsFinal, true);
    assert.deepEqual(edited.retry.rejected, { intervalSec: 30, maxRetries: 2 });
    assert.deepEqual(edited.vendor.xcally, { name: "q" });
    assert.equal((edited.vendor.twin24 as { cps: number }).cps, 1.07);
    assert.equal(edited.callsPerSecond, 7);
    assert.equal(edited.lifetimeSec, 300);
    // detectRobot false (manualTask's) turns AMD off, its tuning with it.
    assert.equal(edited.amd, null);
    const withAmd = toSettings(
      body({ additionalOptions: { detectRobot: true, detectRobotMode: "back" } }),
      refs,
      stored,
    );
    assert.deepEqual(withAmd.amd, { enabled: true, mode: "background", params: { totalAnalysisTime: 4000 } });
  });

  test("fullListTime is the success threshold", () => {
    const s = toSettings(body({ additionalOptions: { fullListTime: 25 } }), {
      schedule: null,
      callerIds: [],
    });
    assert.equal(s.successMinTalkSec, 25);
  });

  test("startMoment parsing", () => {
    assert.equal(parseStartMoment("2026-01-05 16:00", "Europe/Moscow"), Date.UTC(2026, 0, 5, 13, 0));
    assert.equal(parseStartMoment("2026-02-30 16:00", "Europe/Moscow"), null);
    assert.equal(parseStartMoment("tomorrow", "Europe/Moscow"), null);
    assert.equal(parseStartMoment("2026-01-05 16:00:30", "Europe/Moscow"), Date.UTC(2026, 0, 5, 13, 0, 30));
  });

  test("a startMoment the zone goes through twice is the later instant, whatever the season today", () => {
    // Sydney leaves daylight saving on 2026-04-05 at 03:00 (+11 → +10); Berlin on 2026-10-25 (+2 → +1).
    // One of the two is in daylight saving on any real date, so a reading by today's offset fails one.
    assert.equal(parseStartMoment("2026-04-05 02:30", "Australia/Sydney"), Date.UTC(2026, 3, 4, 16, 30));
    assert.equal(parseStartMoment("2026-10-25 02:30", "Europe/Berlin"), Date.UTC(2026, 9, 25, 1, 30));
  });
});

describe("webhookUrls", () => {
  test("the seed's entry: its six events, delay and partial results", () => {
    const [plan, ...rest] = webhookPlans(seedBody().webhookUrls as TaskBody["webhookUrls"]);
    assert.equal(rest.length, 0);
    assert.deepEqual(plan, {
      url: "https://example.com/", // as new URL() spells it, as /v1/webhooks stores a URL
      events: [
        "attempt.ended",
        "contact.status_changed",
        "attempt.transferred",
        "contact.retry_scheduled",
        "contact.succeeded",
        "campaign.status_changed",
      ],
      delaySec: 4,
      partialResults: true,
    });
  });
  test("partialResults false and no delay", () => {
    const [plan] = webhookPlans([{ url: "https://a.example", partialResults: false }]);
    assert.deepEqual([plan.partialResults, plan.delaySec, plan.events.length], [false, 0, 6]);
  });
  test("value false leaves an event out; no event left is no subscription; a bare URL takes all", () => {
    const plans = webhookPlans([
      {
        url: "https://a.example",
        events: { CALL_ENDED: { value: true }, CANDIDATE_CHANGED: { value: false } },
      },
      { url: "https://b.example", events: { CALL_REDIRECTED: { value: true } } },
      "https://c.example",
    ]);
    assert.deepEqual(
      plans.map((p) => [p.url, p.events.length, p.partialResults]),
      [
        ["https://a.example/", 1, true],
        ["https://b.example/", 1, true],
        ["https://c.example/", 6, true],
      ],
    );
  });
});

describe("numbers", () => {
  const ru = { phoneNormalization: "RU", checkPhone: true } as const;
  test("phoneNormalization RU takes 8…, 9… (10 digits), +7… and 7…", () => {
    for (const raw of ["8 916 123-45-67", "9161234567", "+7 (916) 123 45 67", "79161234567"]) {
      assert.deepEqual(
        normalizeNumber(raw, { ...ru, normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" }),
        {
          keep: "+79161234567",
          flagged: false,
        },
      );
    }
  });
  test("a number kept flagged is the text an import keeps and a do-not-call entry lists (control characters dropped)", () => {
    const raw = " 12\u0007345\t";
    const flagged = { ...ru, normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" } as const;
    assert.deepEqual(normalizeNumber(raw, flagged), { keep: "12345", flagged: true });
    assert.deepEqual(
      normalizeNumber(raw, {
        phoneNormalization: null,
        checkPhone: false,
        normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR",
      }),
      { keep: "12345", flagged: true },
    );
    const listed = listablePhone(raw);
    assert.ok(typeof listed !== "string");
    assert.equal(listed.phone, "12345");
    // Nothing but control characters is no number to keep.
    assert.equal(normalizeNumber("\u0001\u0002", flagged).keep, null);
  });
  test("IGNORE_NORMALIZATION_ERROR leaves the number out; SET_NORMALIZATION_ERROR_FLAG keeps it flagged", () => {
    const ignored = normalizeNumber("12345", {
      ...ru,
      normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR",
    });
    assert.equal(ignored.keep, null);
    assert.deepEqual(
      normalizeNumber(" 12345 ", { ...ru, normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" }),
      {
        keep: "12345",
        flagged: true,
      },
    );
  });
  test("without normalization numbers are international; checkPhone decides about the invalid ones", () => {
    const off = { phoneNormalization: null, normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" } as const;
    assert.deepEqual(normalizeNumber("79876543210", { ...off, checkPhone: true }), {
      keep: "+79876543210",
      flagged: false,
    });
    assert.equal(normalizeNumber("89161234567", { ...off, checkPhone: true }).keep, null);
    assert.deepEqual(normalizeNumber("89161234567", { ...off, checkPhone: false }), {
      keep: "89161234567",
      flagged: true,
    });
    // Also a number at home (Moscow after its trunk 8, Manhattan without +1): not dialed in Vietnam or New
    // Zealand; the reason names both readings.
    for (const [raw, home, abroad] of [
      ["84951234567", "+74951234567", "+84951234567"],
      ["6462345678", "+16462345678", "+6462345678"],
    ]) {
      const out = normalizeNumber(raw, { ...off, checkPhone: true });
      assert.equal(out.keep, null, raw);
      assert.ok(!out.keep && out.reason.includes(home) && out.reason.includes(abroad), JSON.stringify(out));
    }
    assert.deepEqual(normalizeNumber("+84951234567", { ...off, checkPhone: true }), {
      keep: "+84951234567",
      flagged: false,
    });
  });
  test("a candidate keeps its good numbers in order; one with none left is reported", () => {
    const prepared = prepareCandidates(
      [
        { phone: ["89161234567", "123", "9031234567"], variables: { Name: "Ann", vip: true, gone: null } },
        { phone: "555", clientExternalId: "x", timezone: 25200 },
      ],
      { ...ru, normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" },
    );
    assert.deepEqual(prepared.contacts[0], {
      phones: ["+79161234567", "+79031234567"],
      custom: { Name: "Ann", vip: true },
    });
    assert.equal(prepared.contacts[1], null);
    assert.deepEqual(
      prepared.issues.map((i) => [i.row, i.field, i.code]),
      [
        [1, "phone[1]", "normalization_error"],
        [2, "phone[0]", "normalization_error"],
        [2, "phone", "no_number"],
      ],
    );
    assert.equal(zoneOf(25200), "+07:00");
    assert.equal(zoneOf(-12600), "-03:30");
  });
});
