import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

function rangeWith(over: Record<string, unknown>) {
  return {
    schedule: { zone: "Europe/Moscow", ranges: [{ days: [1, 2, 3], from: "09:00", to: "18:00", ...over }] },
  };
}

/** Bad campaign settings and the field each must be blamed on. */
const BAD_SETTINGS: { name: string; settings: Record<string, unknown>; field: string; mentions: RegExp }[] = [
  {
    name: "an AMD parameter beyond 10 minutes",
    settings: { amd: { enabled: true, mode: "background", params: { totalAnalysisTime: 1e300 } } },
    field: "body.settings.amd.params.totalAnalysisTime",
    mentions: /at most 600000/,
  },
  {
    name: "a negative AMD parameter",
    settings: { amd: { enabled: true, mode: "background", params: { greeting: -5 } } },
    field: "body.settings.amd.params.greeting",
    mentions: /at least 0/,
  },
  {
    name: "a sim scenario name that does not exist",
    settings: { scenario: "alway_busy" },
    field: "body.settings.scenario",
    mentions: /unknown name "alway_busy"/,
  },
  {
    name: "an inline sim scenario that is not JSON",
    settings: { scenario: "{outcomes: 1" },
    field: "body.settings.scenario",
    mentions: /not valid JSON/,
  },
  {
    name: "negative priority",
    settings: { priority: -1 },
    field: "body.settings.priority",
    mentions: /at least 0/,
  },
  {
    name: "priority above 2^31",
    settings: { priority: 2 ** 31 + 1 },
    field: "body.settings.priority",
    mentions: /at most 2147483648/,
  },
  {
    name: "fractional priority",
    settings: { priority: 1.5 },
    field: "body.settings.priority",
    mentions: /an integer/,
  },
  {
    name: "negative calls per second",
    settings: { callsPerSecond: -0.5 },
    field: "body.settings.callsPerSecond",
    mentions: /greater than 0/,
  },
  {
    name: "zero calls per second",
    settings: { callsPerSecond: 0 },
    field: "body.settings.callsPerSecond",
    mentions: /greater than 0/,
  },
  {
    name: "too many concurrent calls",
    settings: { maxConcurrent: 10_001 },
    field: "body.settings.maxConcurrent",
    mentions: /at most 10000/,
  },
  {
    name: "weekday 8",
    settings: rangeWith({ days: [1, 8] }),
    field: "body.settings.schedule.ranges[0].days[1]",
    mentions: /at most 7/,
  },
  {
    name: "weekday 0",
    settings: rangeWith({ days: [0] }),
    field: "body.settings.schedule.ranges[0].days[0]",
    mentions: /at least 1/,
  },
  {
    name: "time without a colon",
    settings: rangeWith({ from: "9am" }),
    field: "body.settings.schedule.ranges[0].from",
    mentions: /HH:mm/,
  },
  {
    name: "hour 25",
    settings: { calleeWindow: { from: "09:00", to: "25:00" } },
    field: "body.settings.calleeWindow.to",
    mentions: /HH:mm/,
  },
  {
    name: "24:00 as a start",
    settings: rangeWith({ from: "24:00" }),
    field: "body.settings.schedule.ranges[0].from",
    mentions: /24:00/,
  },
  {
    name: "unknown multiNumber",
    settings: { multiNumber: "round_robin" },
    field: "body.settings.multiNumber",
    mentions: /"sequential", "parallel"/,
  },
  {
    name: "unknown default zone",
    settings: { defaultZone: "Mars/Olympus_Mons" },
    field: "body.settings.defaultZone",
    mentions: /IANA time zone/,
  },
  {
    name: "server-local zone name",
    settings: { defaultZone: "local" },
    field: "body.settings.defaultZone",
    mentions: /IANA time zone/,
  },
  {
    name: "unknown schedule zone",
    settings: { schedule: { zone: "Europe/Atlantis", ranges: [{ days: [1], from: "09:00", to: "17:00" }] } },
    field: "body.settings.schedule.zone",
    mentions: /Europe\/Atlantis/,
  },
  {
    name: "unknown property",
    settings: { maxConcurency: 5 },
    field: "body.settings.maxConcurency",
    mentions: /not a known property/,
  },
  {
    name: "unknown retry key",
    settings: { retry: { voicemail: { intervalSec: 60, maxRetries: 1 } } },
    field: "body.settings.retry.voicemail",
    mentions: /not a known property/,
  },
  {
    name: "negative retry interval",
    settings: { retry: { busy: { intervalSec: -1, maxRetries: 1 } } },
    field: "body.settings.retry.busy.intervalSec",
    mentions: /at least 0/,
  },
  {
    name: "retry rule without maxRetries",
    settings: { retry: { busy: { intervalSec: 60 } } },
    field: "body.settings.retry.busy.maxRetries",
    mentions: /is required/,
  },
  {
    name: "attempts per contact above 100",
    settings: { maxAttemptsPerContact: 101 },
    field: "body.settings.maxAttemptsPerContact",
    mentions: /at most 100/,
  },
  {
    name: "an end time after the year 9999",
    settings: { endAt: 1e17 },
    field: "body.settings.endAt",
    mentions: /at most 253402300799999/,
  },
  {
    name: "end before start",
    settings: { startAt: 2000, endAt: 1000 },
    field: "body.settings.endAt",
    mentions: /later than/,
  },
  {
    name: "a time spec that never opens (the 31st of February)",
    settings: { timeSpec: "*,*,31,feb" },
    field: "body.settings.timeSpec",
    mentions: /never open/,
  },
  {
    name: "a Monday schedule under a time spec of Sundays",
    settings: {
      timeSpec: "*,sun,*,*",
      schedule: { zone: "UTC", ranges: [{ days: [1], from: "09:00", to: "10:00" }] },
    },
    field: "body.settings.timeSpec",
    mentions: /never open/,
  },
  {
    name: "under one call a day (the next slot would be past any date)",
    settings: { callsPerSecond: 1e-13 },
    field: "body.settings.callsPerSecond",
    mentions: /one call a day/,
  },
];

describe("validation errors", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  for (const c of BAD_SETTINGS) {
    test(`${c.name} → 400 invalid_request on ${c.field}`, async () => {
      const res = await f.call({
        method: "POST",
        url: "/v1/campaigns",
        payload: { name: "bad", settings: c.settings },
      });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json() as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ["error"]);
      const error = body.error as { code: string; message: string; field: string };
      assert.equal(error.code, "invalid_request");
      assert.equal(error.field, c.field);
      assert.match(error.message, c.mentions);
      assert.ok(error.message.includes(c.field), `message names the field: ${error.message}`);
    });
  }

  test("a time spec open only on the 29th of February opens at some time: accepted", async () => {
    const res = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      payload: { name: "leap day", settings: { timeSpec: "09:00-18:00,*,29,feb" } },
    });
    assert.equal(res.statusCode, 201, res.body);
  });

  test("nothing is stored for a refused campaign", async () => {
    const rows = await f.store.db.selectFrom("campaigns").select("id").where("name", "=", "bad").execute();
    assert.equal(rows.length, 0);
  });

  test("valid settings at the edges are accepted", async () => {
    const res = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      payload: {
        name: "edges",
        settings: {
          priority: 2 ** 31,
          callsPerSecond: 0.2,
          maxConcurrent: 10_000,
          schedule: { zone: "America/New_York", ranges: [{ days: [1, 7], from: "22:00", to: "24:00" }] },
          calleeWindow: { from: "09:00:30", to: "21:00" },
          retry: {
            busy: { intervalSec: 0, maxRetries: 0 },
            unsuccessful: { intervalSec: 600, maxRetries: 2 },
          },
          multiNumber: "parallel",
          scenario: JSON.stringify({ outcomes: { human: 1, busy: 1 } }),
          defaultZone: null,
        },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().settings.defaultZone, null, "no zone chosen for contacts of unknown zone");
  });

  test("a missing name, an unknown top-level property and a wrong type", async () => {
    const cases = [
      { payload: { settings: {} }, field: "body.name" },
      { payload: { name: "x", colour: "red" }, field: "body.colour" },
      { payload: { name: 42 }, field: "body.name" },
    ];
    for (const c of cases) {
      const res = await f.call({ method: "POST", url: "/v1/campaigns", payload: c.payload });
      assert.equal(res.statusCode, 400);
      assert.equal((res.json() as { error: { field: string } }).error.field, c.field);
    }
  });

  test("a misspelt field of a JSON contact is a 400 naming it, and nothing of the request is written", async () => {
    const { id, listId } = await createCampaignViaApi(f, { name: "bulk" });
    const res = await f.call({
      method: "POST",
      url: `/v1/campaigns/${id}/lists/${listId}/contacts`,
      payload: { contacts: [{ phone: "+79161234570" }, { phone: "+79161234571", externalId: "crm-7" }] },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal((res.json() as { error: { field: string } }).error.field, "body.contacts[1].externalId");
    const stored = await f.store.db
      .selectFrom("contacts")
      .select("id")
      .where("campaign_id", "=", id)
      .execute();
    assert.equal(stored.length, 0);
  });

  test("query strings are validated with the same shape", async () => {
    const cases = [
      { url: "/v1/campaigns?limit=0", field: "querystring.limit" },
      { url: "/v1/campaigns?limit=1001", field: "querystring.limit" },
      { url: "/v1/campaigns?status=running,sleeping", field: "querystring.status" },
      { url: "/v1/campaigns?cursor=garbage", field: "querystring.cursor" },
      { url: "/v1/campaigns?cursor=Yzo1&offset=3", field: "querystring.offset" },
      { url: "/v1/campaigns?sort=name", field: "querystring.sort" },
      { url: "/v1/campaigns/abc", field: "params.id" },
      // Beyond what a database id or a JavaScript number holds exactly.
      { url: "/v1/campaigns/100000000000000000000", field: "params.id" },
      { url: "/v1/campaigns?offset=100000000000000000000", field: "querystring.offset" },
      { url: "/v1/agents?after_id=9223372036854775808", field: "querystring.after_id" },
      // Read as Infinity, which passes Ajv's integer bounds: a 400, not a 500 from the database.
      { url: "/v1/campaigns?limit=1e400", field: "querystring.limit" },
      { url: "/v1/campaigns?offset=-1e400", field: "querystring.offset" },
      { url: "/v1/campaigns/1e400", field: "params.id" },
      { url: "/v1/campaigns/1/attempts?after_id=1e400", field: "querystring.after_id" },
      { url: "/v1/balance/transactions?limit=1e400", field: "querystring.limit" },
      // A vendor face names its query parameters as the client sent them.
      { url: "/api/cm/lists?offset=1e400", field: "offset" },
    ];
    for (const c of cases) {
      const res = await f.call({ method: "GET", url: c.url });
      assert.equal(res.statusCode, 400, c.url);
      const error = (res.json() as { error: { code: string; field: string } }).error;
      assert.deepEqual([error.code, error.field], ["invalid_request", c.field], c.url);
    }
  });

  test("a number JSON reads as Infinity (1e400) is a 400 naming it", async () => {
    const res = await f.call({
      method: "PATCH",
      url: "/v1/campaigns/1",
      headers: { "content-type": "application/json" },
      payload:
        '{"settings":{"amd":{"enabled":true,"mode":"background","params":{"totalAnalysisTime":1e400}}}}',
    });
    assert.equal(res.statusCode, 400, res.body);
    const error = (res.json() as { error: { field: string; message: string } }).error;
    assert.equal(error.field, "body.settings.amd.params.totalAnalysisTime");
    assert.match(error.message, /must be a number \(got Infinity\)/);
  });

  test("billing: a top-up under one micro-USD and a prefix given two rates are 400s, not 0 USD or a 500", async () => {
    const topUp = await f.call({
      method: "POST",
      url: "/v1/balance/top-up",
      payload: { amountUsd: 0.0000001 },
    });
    assert.equal(topUp.statusCode, 400, topUp.body);
    assert.equal(topUp.json().error.field, "body.amountUsd");
    const rates = await f.call({
      method: "PUT",
      url: "/v1/balance/rates",
      payload: {
        defaultPerMinuteUsd: 0.01,
        rates: [
          { prefix: "1", perMinuteUsd: 0.01 },
          { prefix: "1", perMinuteUsd: 0.02 },
        ],
      },
    });
    assert.equal(rates.statusCode, 400, rates.body);
    assert.equal(rates.json().error.field, "body.rates[1].prefix");
    const balance = (await f.call({ method: "GET", url: "/v1/balance" })).json();
    assert.equal(balance.metered, false, "nothing was written");
  });

  test("PATCH validates the merged settings", async () => {
    const { id } = await createCampaignViaApi(f, { name: "p", settings: { startAt: 5000 } });
    const res = await f.call({
      method: "PATCH",
      url: `/v1/campaigns/${id}`,
      payload: { settings: { endAt: 4000 } },
    });
    assert.equal(res.statusCode, 400);
    assert.equal((res.json() as { error: { field: string } }).error.field, "body.settings.endAt");
    const empty = await f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: {} });
    assert.equal(empty.statusCode, 400);
  });

  test("malformed JSON, an oversized body and an unknown route keep the error shape", async () => {
    const malformed = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      payload: "{not json",
      headers: { "content-type": "application/json" },
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal((malformed.json() as { error: { code: string } }).error.code, "invalid_request");

    const big = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      payload: JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(big.statusCode, 413);
    assert.equal((big.json() as { error: { code: string } }).error.code, "payload_too_large");
    // It names the limit (Fastify's own message named none: import12).
    assert.match((big.json() as { error: { message: string } }).error.message, /limit of 1 MiB/);

    const missing = await f.call({ method: "GET", url: "/v1/nothing-here" });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(Object.keys((missing.json() as { error: object }).error), ["code", "message"]);

    // What the router itself refuses: a malformed escape, a path parameter over its length.
    const badEscape = await f.call({ method: "GET", url: "/v1/campaigns/%ZZ" });
    assert.equal(badEscape.statusCode, 400);
    assert.equal((badEscape.json() as { error: { code: string } }).error.code, "invalid_request");
    const long = await f.call({ method: "GET", url: `/v1/campaigns/${"1".repeat(120)}` });
    assert.equal(long.statusCode, 414);
    assert.equal((long.json() as { error: { code: string } }).error.code, "uri_too_long");
  });
});

for (const dialect of dialects()) {
  describe(`ids in a body beyond what a database column holds [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    test("a userId, queueId or campaign_id past the largest id is a 400 naming it, not a 500 from PostgreSQL", async () => {
      const agent = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "ann" } });
      assert.equal(agent.statusCode, 201, agent.body);
      const { id: campaignId } = await createCampaignViaApi(f);
      const cases: { method: "GET" | "POST" | "PATCH"; url: string; payload?: object; field: string }[] = [
        { method: "POST", url: "/v1/agents", payload: { name: "bob", userId: 1e20 }, field: "body.userId" },
        {
          method: "PATCH",
          url: `/v1/agents/${agent.json().id}`,
          payload: { userId: 1e20 },
          field: "body.userId",
        },
        {
          method: "POST",
          url: "/v1/campaigns",
          payload: { name: "q", settings: { queueId: 1e20 } },
          field: "body.settings.queueId",
        },
        {
          method: "PATCH",
          url: `/v1/campaigns/${campaignId}`,
          payload: { settings: { queueId: 1e20 } },
          field: "body.settings.queueId",
        },
      ];
      const big = "100000000000000000000";
      for (const url of [`/v1/dnc?campaign_id=${big}`, `/v1/dnc/+12125550100?campaign_id=${big}`]) {
        cases.push({ method: "GET", url, field: "querystring.campaign_id" });
      }
      cases.push({
        method: "POST",
        url: "/v1/dnc",
        payload: { numbers: ["+12125550100"], campaign_id: 1e20 },
        field: "body.campaign_id",
      });
      for (const c of cases) {
        const res = await f.call(c);
        assert.equal(res.statusCode, 400, `${c.method} ${c.url}: ${res.body}`);
        const error = (res.json() as { error: { code: string; field?: string } }).error;
        assert.deepEqual([error.code, error.field], ["invalid_request", c.field]);
      }
    });
  });
}
