// A report's `to` defaults to now. A `from` after now with no `to` was refused as "to must be after from"
// with field querystring.to, a parameter the caller never sent (audit reports12). Both reports that read
// the period (/report and /agent-report) now name querystring.from and say that `to` defaulted to now; a
// `to` the caller did send before its `from` is still the one named.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

const ROUTES = ["report", "agent-report"];

describe("report period with `to` left to default", () => {
  let f: ApiFixture;
  let campaignId: number;
  before(async () => {
    f = await apiFixture();
    campaignId = (await createCampaignViaApi(f, { name: "period" })).id;
  });
  after(() => f.close());

  const get = (route: string, query: string) =>
    f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/${route}?${query}` });

  test("a `from` at or after now, with no `to`, is refused naming `from`", async () => {
    const now = new Date(f.clock.now()).toISOString();
    const tomorrow = new Date(f.clock.now() + 86_400_000).toISOString();
    for (const route of ROUTES)
      for (const from of [tomorrow, now]) {
        const res = await get(route, `from=${from}`);
        assert.equal(res.statusCode, 400, `${route} ${from}: ${res.body}`);
        assert.deepEqual(
          { field: errorOf(res).field, message: errorOf(res).message },
          { field: "querystring.from", message: "from must be before now (to defaults to now)" },
          `${route} ${from}`,
        );
      }
  });

  test("a `to` sent before its `from` is still the one named", async () => {
    for (const route of ROUTES) {
      const res = await get(route, "from=2026-01-05T11:00:00Z&to=2026-01-05T10:00:00Z");
      assert.equal(res.statusCode, 400, `${route}: ${res.body}`);
      assert.equal(errorOf(res).field, "querystring.to", route);
    }
  });

  test("a `from` before now, with no `to`, is a period up to now", async () => {
    for (const route of ROUTES) {
      const res = await get(route, "from=2026-01-05T11:00:00Z");
      assert.equal(res.statusCode, 200, `${route}: ${res.body}`);
    }
  });
});
