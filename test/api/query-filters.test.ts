// Query filters the schema accepts must be read or refused by name: a leap-second date-time (the schema's
// date-time takes 23:59:60, JavaScript cannot read it) in updated_since / since / until is a 400 naming the
// field, as in the reports (it went to the database as NaN: a 500 on PostgreSQL, an empty page on SQLite);
// an external_id filter takes every id a contact may have (up to 1,000 bytes; it stopped at 200); attempts'
// since at or after their until is a 400 (it was an empty 200, a mistake read as "no calls then").
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

const LEAP = "2016-12-31T23:59:60Z";

for (const dialect of dialects()) {
  describe(`filters [${dialect.name}]`, () => {
    let f: ApiFixture;
    let campaignId: number;
    let listId: number;
    before(async () => {
      f = await apiFixture(dialect.open);
      const c = await createCampaignViaApi(f, { name: "p" });
      campaignId = c.id;
      listId = c.listId;
      const at = { accountId: f.accountId, campaignId, listId };
      const [id] = await insertContacts(f.store, at, [{ updated_at: Date.UTC(2026, 0, 1) }]);
      await insertAttempt(f.store, {
        accountId: f.accountId,
        campaignId,
        contactId: id,
        seq: 1,
        startedAt: Date.UTC(2026, 0, 1),
      });
    });
    after(() => f.close());

    for (const [name, url] of [
      ["contacts updated_since", () => `/v1/campaigns/${campaignId}/contacts?updated_since=${LEAP}`],
      ["attempts since", () => `/v1/campaigns/${campaignId}/attempts?since=${LEAP}`],
      ["attempts until", () => `/v1/campaigns/${campaignId}/attempts?until=${LEAP}`],
    ] as const) {
      test(`${name} = leap second: 400 naming the field (as the report does)`, async () => {
        const res = await f.call({ method: "GET", url: url() });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.field, /^querystring\.(updated_since|since|until)$/);
      });
    }

    test("attempts since at or after until: 400 naming until, not an empty page; since before until finds the attempt", async () => {
      const attempts = (q: string) =>
        f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/attempts?${q}` });
      for (const q of [
        "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
        "since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
      ]) {
        const res = await attempts(q);
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
        assert.equal(res.json().error.field, "querystring.until");
        assert.match(res.json().error.message, /until must be after since/);
      }
      const found = await attempts("since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00.001Z");
      assert.equal(found.statusCode, 200, found.body);
      assert.equal(found.json().data.length, 1);
    });

    test("a stored 300-character external_id can be searched for", async () => {
      const ext = "x".repeat(300);
      const add = await f.call({
        method: "POST",
        url: `/v1/campaigns/${campaignId}/lists/${listId}/contacts`,
        payload: { contacts: [{ phone: "+12125550123", external_id: ext }] },
      });
      assert.equal(add.json().inserted, 1, add.body);
      const res = await f.call({
        method: "GET",
        url: `/v1/campaigns/${campaignId}/contacts?external_id=${ext}`,
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().data.length, 1);
    });
  });
}
