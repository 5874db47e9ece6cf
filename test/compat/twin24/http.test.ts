// The Twin24 face over HTTP: the seed's request as sent, every 400 a "required if" rule or a type gives,
// the webhook subscriptions a task makes, and the schedules and caller ids tasks refer to.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { manualTask, seedBody, type Twin24Fixture, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

let f: Twin24Fixture;
before(async () => {
  f = await twin24Fixture();
});
after(async () => {
  await f.close();
});

async function create(
  kind: "schedule" | "gornum" | "pool",
  payload: Record<string, unknown>,
): Promise<string> {
  const res = await f.call({ method: "POST", url: `/cis/api/v1/telephony/${kind}`, payload });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { id: { identity: string } }).id.identity;
}

function errorOf(res: { json(): unknown }) {
  return (res.json() as { error: { code: string; message: string; field?: string } }).error;
}

describe("creating a task", () => {
  test('a webhookUrls entry whose url is left unset ("" or null) is no subscription, not a 400 (twin6)', async () => {
    const res = await f.call({
      method: "POST",
      url: TASKS,
      payload: manualTask({
        name: "unset urls",
        webhookUrls: [
          { url: "", partialResults: false, delay: 0 },
          { url: null, delay: null },
          { url: "https://unset.example/hook", events: null },
        ],
      }),
    });
    assert.equal(res.statusCode, 200, res.body);
    const task = await f.task((res.json() as { id: { identity: string } }).id.identity);
    const hooks = (await f.call({ method: "GET", url: "/v1/webhooks" })).json() as {
      data: { campaign_id: number; url: string; events: string[] }[];
    };
    const mine = hooks.data.filter((h) => h.campaign_id === task.campaignId);
    assert.deepEqual(
      mine.map((h) => h.url),
      ["https://unset.example/hook"],
    );
    assert.ok(mine[0].events.length > 1, "events: null takes every event, as none given does");
  });

  test("a webhookUrls URL's scheme is read in any case, as a string or an entry's url", async () => {
    const res = await f.call({
      method: "POST",
      url: TASKS,
      payload: manualTask({
        name: "scheme case",
        webhookUrls: ["HTTPS://upper.example/hook", { url: "Http://mixed.example/hook" }],
      }),
    });
    assert.equal(res.statusCode, 200, res.body);
    const task = await f.task((res.json() as { id: { identity: string } }).id.identity);
    const hooks = (await f.call({ method: "GET", url: "/v1/webhooks" })).json() as {
      data: { campaign_id: number; url: string }[];
    };
    // Stored in new URL()'s spelling, as /v1/webhooks stores a URL.
    const urls = hooks.data.filter((h) => h.campaign_id === task.campaignId).map((h) => h.url);
    assert.deepEqual(urls.sort(), ["http://mixed.example/hook", "https://upper.example/hook"]);
  });

  test("the seed's request, with its scheduleId and cidData created first", async () => {
    const scheduleId = await create("schedule", {
      name: "weekdays",
      timezone: "Europe/Moscow",
      ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "21:00" }],
    });
    const cidData = await create("gornum", { numbers: ["+74951234567"] });
    const res = await f.call({
      method: "POST",
      url: TASKS,
      payload: { ...seedBody(), scheduleId, cidType: "gornum", cidData },
    });
    assert.equal(res.statusCode, 200, res.body);
    const answer = res.json() as { id: { identity: string } };
    assert.deepEqual(Object.keys(answer), ["id"]);
    assert.match(answer.id.identity, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // startType = time starts it; its startMoment (2023) has passed, so it is dialing at once.
    const task = await f.task(answer.id.identity);
    assert.equal(task.status, "PROCESS");
    const campaign = (await f.call({ method: "GET", url: `/v1/campaigns/${task.campaignId}` })).json() as {
      settings: Record<string, unknown>;
    };
    assert.equal(campaign.settings.callsPerSecond, 3);
    assert.deepEqual(campaign.settings.callerIds, ["+74951234567"]);
    assert.deepEqual(campaign.settings.schedule, {
      zone: "Europe/Moscow",
      ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "21:00" }],
    });

    // webhookUrls became one native subscription of this campaign.
    const hooks = (await f.call({ method: "GET", url: "/v1/webhooks" })).json() as {
      data: {
        campaign_id: number;
        url: string;
        events: string[];
        delay_sec: number;
        partial_results: boolean;
      }[];
    };
    const mine = hooks.data.filter((h) => h.campaign_id === task.campaignId);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].url, "https://example.com/");
    assert.equal(mine[0].delay_sec, 4);
    assert.equal(mine[0].partial_results, true);
    assert.equal(mine[0].events.length, 6);
  });

  test("Twin24's other example: manual start, cps 1, nulls and empty strings for unset fields", async () => {
    const body = manualTask({
      cps: 1,
      lifetime: 600,
      secondExec: "end",
      secondExecData: "",
      cidType: "default",
      cidData: null,
      scheduleId: null,
      phoneNormalization: null,
      normalizationErrorAction: null,
      additionalOptions: {
        detectRobot: false,
        detectRobotMode: null,
        detectRobotGreeting: null,
        providerId: null,
        fz230: false,
      },
    });
    const uuid = await f.createTask(body);
    const task = await f.task(uuid);
    assert.equal(task.status, "BLANK");
    assert.deepEqual(task.candidates, {
      total: 0,
      WAITING: 0,
      CALLING: 0,
      SUCCESS: 0,
      FAILED: 0,
      EXHAUSTED: 0,
      CANCELLED: 0,
      SUPPRESSED: 0,
    });
  });

  const refused: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "secondExecData missing",
      { secondExec: "ch", secondExecData: "" },
      "secondExecData",
      /secondExecData is required when secondExec = ch/,
    ],
    ["cidData missing (gornum)", { cidType: "gornum" }, "cidData", /required when cidType = gornum/],
    ["cidData missing (pool)", { cidType: "pool", cidData: "" }, "cidData", /required when cidType = pool/],
    [
      "startMoment missing",
      { startType: "time", startMoment: null },
      "startMoment",
      /required when startType = time/,
    ],
    [
      "startMoment a day that does not exist",
      { startType: "time", startMoment: "2026-02-30 10:00" },
      "startMoment",
      /existing date and time/,
    ],
    [
      "startMoment a month that does not exist",
      { startType: "time", startMoment: "2026-13-01 10:00" },
      "startMoment",
      /existing date and time/,
    ],
    [
      "startMoment an hour that does not exist",
      { startType: "time", startMoment: "2026-03-01 25:00" },
      "startMoment",
      /existing date and time/,
    ],
    [
      "startMoment minutes that do not exist",
      { startType: "time", startMoment: "2026-03-01 10:75" },
      "startMoment",
      /existing date and time/,
    ],
    [
      "allowCallTimeFrom missing",
      { additionalOptions: { useTr: true, allowCallTimeFrom: null, allowCallTimeTo: 70000 } },
      "additionalOptions.allowCallTimeFrom",
      /required when useTr = true/,
    ],
    [
      "recTrimLeft missing",
      { additionalOptions: { recordCall: true, recTrimLeft: null } },
      "additionalOptions.recTrimLeft",
      /required when recordCall = true/,
    ],
    [
      "detectRobotMode missing",
      { additionalOptions: { detectRobot: true, detectRobotMode: null } },
      "additionalOptions.detectRobotMode",
      /required when detectRobot = true/,
    ],
    [
      "detectRobotGreeting missing",
      { additionalOptions: { detectRobot: true, detectRobotMode: "block", detectRobotGreeting: null } },
      "additionalOptions.detectRobotGreeting",
      /detectRobotGreeting is required when detectRobotMode = block/,
    ],
    [
      "normalizationErrorAction without normalization",
      { normalizationErrorAction: "SET_NORMALIZATION_ERROR_FLAG" },
      "normalizationErrorAction",
      /phoneNormalization = RU/,
    ],
    [
      "a redial rule's count",
      { redialStrategyOptions: { noAnswer: { redial: true, time: 60 } } },
      "redialStrategyOptions.noAnswer.count",
      /required when noAnswer.redial = true/,
    ],
    [
      "a limit's count",
      { redialStrategyOptions: { numberLimit: { redial: true } } },
      "redialStrategyOptions.numberLimit.count",
      /required when numberLimit.redial = true/,
    ],
    ["cps not encodable", { cps: 1.005 }, "cps", /1 \+ N\/100/],
    ["cps a hair above 1 (N would be 0: no limit)", { cps: 1.00000001 }, "cps", /1 \+ N\/100/],
    ["cps a hair below 1 (N would be 0: 1/0)", { cps: 0.999999999 }, "cps", /1 \+ N\/100/],
    ["cps zero", { cps: 0 }, "cps", /greater than 0/],
    ["cps above 1000 calls a second", { cps: 12 }, "cps", /at most 11/],
    ["name missing", { name: undefined }, "name", /name is required/],
    ["defaultExec not robot", { defaultExec: "human" }, "defaultExec", /must be one of "robot"/],
    ["secondExec unknown", { secondExec: "hangup" }, "secondExec", /must be one of/],
    ["cps as text", { cps: "1.03" }, "cps", /must be a number/],
    [
      "fullListMethod other than reject",
      { additionalOptions: { fullListMethod: "accept" } },
      "additionalOptions.fullListMethod",
      /must be one of "reject"/,
    ],
    [
      "fullListTime missing",
      { additionalOptions: { fullListTime: undefined } },
      "additionalOptions.fullListTime",
      /fullListTime is required/,
    ],
    [
      "a redial rule missing",
      { redialStrategyOptions: { congestion: undefined } },
      "redialStrategyOptions.congestion",
      /congestion is required/,
    ],
    ["an unknown field", { priority: 1 }, "priority", /not a known property/],
    [
      "phoneNormalization other than RU",
      { phoneNormalization: "KZ" },
      "phoneNormalization",
      /must be one of/,
    ],
    ["an unknown scheduleId", { scheduleId: "nope" }, "scheduleId", /no schedule nope/],
    ["an unknown gornum", { cidType: "gornum", cidData: "nope" }, "cidData", /no gornum nope/],
    // An entry is a URL or an object: the error says what is wrong with the one given.
    [
      "an unknown webhook event",
      { webhookUrls: [{ url: "https://e.example", events: { FOO: { name: "FOO", value: true } } }] },
      "webhookUrls[0].events",
      /must be one of "CALL_ENDED".*\(got "FOO"\)/,
    ],
    ["a webhook URL not http(s)", { webhookUrls: ["ftp://e.example"] }, "webhookUrls[0]", /an http\(s\) URL/],
    ["a webhookUrls entry of neither kind", { webhookUrls: [5] }, "webhookUrls[0]", /a string or an object/],
    [
      "a webhook option of the wrong type",
      { webhookUrls: [{ url: "https://e.example", delay: "4" }] },
      "webhookUrls[0].delay",
      /must be an integer or null/,
    ],
  ];
  for (const [name, patch, field, message] of refused) {
    test(`400: ${name}`, async () => {
      const body = manualTask(patch);
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete body[k];
      for (const part of ["additionalOptions", "redialStrategyOptions"]) {
        const p = patch[part] as Record<string, unknown> | undefined;
        for (const [k, v] of Object.entries(p ?? {})) {
          if (v === undefined) delete (body[part] as Record<string, unknown>)[k];
        }
      }
      const res = await f.call({ method: "POST", url: TASKS, payload: body });
      assert.equal(res.statusCode, 400, res.body);
      const e = errorOf(res);
      assert.equal(e.code, "invalid_request");
      assert.equal(e.field, field);
      assert.match(e.message, message);
    });
  }

  test("a pool is not a gornum", async () => {
    const pool = await create("pool", { name: "p", numbers: ["+74951230001", "+74951230002"] });
    const res = await f.call({
      method: "POST",
      url: TASKS,
      payload: manualTask({ cidType: "gornum", cidData: pool }),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(errorOf(res).field, "cidData");
    const ok = await f.call({
      method: "POST",
      url: TASKS,
      payload: manualTask({ cidType: "pool", cidData: pool }),
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});

describe("schedules and caller ids", () => {
  test("a schedule reads back; a bad zone or time is a 400", async () => {
    const id = await create("schedule", {
      name: "nights",
      timezone: "Asia/Novosibirsk",
      ranges: [{ days: [6, 7], from: "22:00", to: "02:00" }],
    });
    const res = await f.call({ method: "GET", url: `/cis/api/v1/telephony/schedule/${id}` });
    assert.deepEqual(res.json(), {
      id: { identity: id },
      name: "nights",
      timezone: "Asia/Novosibirsk",
      ranges: [{ days: [6, 7], from: "22:00", to: "02:00" }],
    });
    const badZone = await f.call({
      method: "POST",
      url: "/cis/api/v1/telephony/schedule",
      payload: { name: "x", timezone: "Mars/Base", ranges: [{ days: [1], from: "09:00", to: "10:00" }] },
    });
    assert.equal(badZone.statusCode, 400);
    assert.equal(errorOf(badZone).field, "timezone");
    const badTime = await f.call({
      method: "POST",
      url: "/cis/api/v1/telephony/schedule",
      payload: { name: "x", timezone: "Europe/Moscow", ranges: [{ days: [1], from: "9 am", to: "10:00" }] },
    });
    assert.equal(badTime.statusCode, 400);
  });

  test("a gornum holds one number, normalized; a pool several", async () => {
    const g = await create("gornum", { numbers: ["74951234567"] });
    const read = await f.call({ method: "GET", url: `/cis/api/v1/telephony/gornum/${g}` });
    assert.deepEqual((read.json() as { numbers: string[] }).numbers, ["+74951234567"]);
    const two = await f.call({
      method: "POST",
      url: "/cis/api/v1/telephony/gornum",
      payload: { numbers: ["+74951234567", "+74951234568"] },
    });
    assert.equal(two.statusCode, 400);
    const bad = await f.call({
      method: "POST",
      url: "/cis/api/v1/telephony/pool",
      payload: { numbers: ["123"] },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).field, "numbers[0]");
    assert.equal((await f.call({ method: "GET", url: `/cis/api/v1/telephony/pool/${g}` })).statusCode, 404);
  });
});
