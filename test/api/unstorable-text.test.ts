// Text no store keeps as sent is refused up front, each face in its own error format: a lone UTF-16
// surrogate ("\ud800" is valid JSON; SQLite and PostgreSQL both hand it back as U+FFFD, so two distinct
// external ids read back as one), and a body nested deeper than any field needs (5,000 nested arrays, 10 KB,
// overflowed the stack of the guard's walk: a 500 on every face). NUL has its own test (nul-text.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

const JSON_TYPE = { "content-type": "application/json" };
const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

describe("text that cannot be stored as sent", () => {
  let f: ApiFixture;
  let token: string;
  let campaign: { id: number; listId: number };
  before(async () => {
    f = await apiFixture();
    campaign = await createCampaignViaApi(f, { name: "c" });
    const made = await f.call({
      method: "POST",
      url: `/v1/campaigns/${campaign.id}/tokens`,
      payload: { name: "t" },
    });
    token = made.json().token;
  });
  after(() => f.close());

  const send = (url: string, payload: string, key?: null) =>
    f.call({ method: "POST", url, headers: JSON_TYPE, payload, ...(key === null ? { key } : {}) });

  test("a lone surrogate is a 400 naming the field (native, the JSON contact add); nothing is stored", async () => {
    const name = await send("/v1/campaigns", '{"name":"spring \\ud800"}');
    assert.equal(name.statusCode, 400, name.body);
    assert.equal(name.json().error.field, "body.name");
    assert.match(name.json().error.message, /surrogate/);
    const { id, listId } = campaign;
    const add = await send(
      `/v1/campaigns/${id}/lists/${listId}/contacts`,
      '{"contacts":[{"phone":"+12125550100","external_id":"\\ud800"},{"phone":"+12125550101","external_id":"\\udc00"}]}',
    );
    assert.equal(add.statusCode, 400, add.body);
    assert.equal(add.json().error.field, "body.contacts[0].external_id");
    const stored = await f.call({ method: "GET", url: `/v1/campaigns/${id}/contacts` });
    assert.equal(stored.json().data.length, 0);
    // A whole pair is a character like any other.
    const pair = await send("/v1/campaigns", '{"name":"spring \\ud83c\\udf38"}');
    assert.equal(pair.statusCode, 201, pair.body);
    assert.equal(pair.json().name, "spring \u{1f338}");
  });

  test("a NUL in a query parameter is refused too (JAICP stores the extra ones as the contact's data)", async () => {
    const res = await f.call({
      method: "GET",
      url: `/api/calls/campaign/${token}/addPhone?phone=12125550100&note=a%00b`,
      key: null,
    });
    assert.equal(res.statusCode, 400, res.body);
    const nul = await f.call({ method: "GET", url: "/v1/campaigns?cursor=a%00b" });
    assert.equal(nul.statusCode, 400, nul.body);
    assert.equal(nul.json().error.field, "querystring.cursor");
    const stored = await f.store.db.selectFrom("contacts").select("custom").execute();
    assert.deepEqual(stored, []);
  });

  test("a body nested 5,000 deep is a 4xx on every face, in its own format", async () => {
    const deep = nested(5000);
    const native = await send("/v1/campaigns", `{"name":"x","settings":{"vendor":{"a":${deep}}}}`);
    assert.equal(native.statusCode, 400, native.body);
    assert.match(native.json().error.message, /nested deeper than/);
    for (const [url, body, key] of [
      ["/cis/api/v1/telephony/autoCall", `{"name":${deep}}`, undefined],
      [`/api/calls/campaign/${token}/addPhones`, `[{"phone":"+12125550100","payload":{"a":${deep}}}]`, null],
      ["/api/cm/lists", `{"name":${deep}}`, undefined],
    ] as const) {
      const r = await send(url, body, key);
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
    }
    // Voximplant answers 200 with its own error object: 101 "Invalid arguments", not 2 "Internal error".
    const vox = await send("/platform_api/GetCallLists", `{"name":${deep}}`);
    assert.equal(vox.json().error?.code, 101, vox.body);
  });
});
