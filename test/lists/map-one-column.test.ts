// A map.<field> value is a comma-separated list of columns, but only map.phone and map.custom take several.
// The route used to split every value at its commas and keep the first name for the one-column fields
// (external_id, time_zone, daily_from, daily_to, start_at, priority), so map.external_id=Client,ID (meant as
// the column "Client, ID", or two columns by mistake) imported the "Client" column as every contact's
// external_id: 200, and the second contact skipped as duplicate_external_id. Now such a value is a 400
// invalid_option naming map.<field> with nothing stored, and a column whose name holds a comma is named in
// double quotes ("" for a quote inside), for every map.<field> alike.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "../api/helpers.ts";

describe("map.<field>: one column for a one-column field, a quoted name for a comma", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  /** Imports `csv` into a new campaign's list with `query`; returns the answer and the stored contacts. */
  async function importInto(query: string, csv: string) {
    const c = await createCampaignViaApi(f, { name: "c" });
    const res = await f.call({
      method: "POST",
      url: `/v1/campaigns/${c.id}/lists/${c.listId}/import?${query}`,
      headers: { "content-type": "text/csv" },
      payload: csv,
    });
    const stored = await f.store.db
      .selectFrom("contacts")
      .select(["phone", "external_id", "phones"])
      .where("campaign_id", "=", c.id)
      .orderBy("id")
      .execute();
    return { res, stored };
  }

  const csv = 'phone,Client,ID,"Client, ID"\n+14155550100,Acme,1,crm-1\n+14155550101,Acme,2,crm-2\n';

  for (const field of ["external_id", "time_zone", "daily_from", "daily_to", "start_at", "priority"]) {
    test(`map.${field} naming two columns is a 400 naming map.${field}, nothing stored`, async () => {
      const { res, stored } = await importInto(`map.phone=phone&map.${field}=Client,ID`, csv);
      assert.equal(res.statusCode, 400, res.body);
      const err = errorOf(res);
      assert.deepEqual([err.code, err.field], ["invalid_option", `map.${field}`]);
      assert.match(err.message, /double quotes/, "the hint says how to name a column with a comma");
      assert.deepEqual(stored, []);
    });
  }

  test('a quoted name maps the column "Client, ID"; bare names still split', async () => {
    const { res, stored } = await importInto('map.phone=phone&map.external_id="Client, ID"', csv);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      stored.map((r) => r.external_id),
      ["crm-1", "crm-2"],
    );
    const phones = await importInto(
      'map.phone="Home, main",Mobile&map.custom=" Note ""x"" ",Name',
      'Mobile,"Home, main"," Note ""x""",Name\n+14155550102,+14155550103,n,Ann\n',
    );
    assert.equal(phones.res.statusCode, 200, phones.res.body);
    assert.deepEqual(JSON.parse(phones.stored[0].phones), ["+14155550103", "+14155550102"]);
  });

  test("an unclosed quote or text after a closing quote is a 400 naming the option", async () => {
    for (const value of ['"Client, ID', '"Client"x', 'phone,"Client']) {
      const { res, stored } = await importInto(
        `map.phone=phone&map.custom=${encodeURIComponent(value)}`,
        csv,
      );
      assert.equal(res.statusCode, 400, `${value}: ${res.body}`);
      assert.deepEqual([errorOf(res).code, errorOf(res).field], ["invalid_option", "map.custom"], value);
      assert.deepEqual(stored, []);
    }
  });
});
