// A multipart upload's options go in the query string, as for a raw body: a form field beside the `file`
// part (curl -F phone_policy=reject -F file=@people.csv) is a 400 `unexpected_form_field` naming it, and
// nothing is stored. It was passed over, and the import ran with the defaults the caller meant to change:
// phone_policy=reject, all or nothing, got a 200 that stored the valid rows and skipped the bad one. A
// field after the file part is refused as well (it comes only once the rows are read), and so is one sent
// to the do-not-call import, which takes its file the same way.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "../api/helpers.ts";

const BOUNDARY = "----fields";
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (csv: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`;
const END = `--${BOUNDARY}--\r\n`;
const CSV = "phone,name\n+12125550100,Ann\nnot a phone,Bob\n+12125550101,Cid\n";

describe("a multipart form field beside the file", () => {
  let f: ApiFixture;
  let url: string;
  let campaignId: number;
  before(async () => {
    f = await apiFixture();
    const c = await createCampaignViaApi(f, { name: "form" });
    campaignId = c.id;
    url = `/v1/campaigns/${c.id}/lists/${c.listId}/import`;
  });
  after(() => f.close());
  beforeEach(() => f.store.db.deleteFrom("dnc_numbers").execute());

  const post = (to: string, payload: string) =>
    f.call({
      method: "POST",
      url: to,
      headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      payload,
    });
  const stored = async () =>
    (await f.store.db.selectFrom("contacts").select("id").where("campaign_id", "=", campaignId).execute())
      .length;

  for (const [where, body] of [
    ["before the file", field("phone_policy", "reject") + file(CSV) + END],
    ["after the file", file(CSV) + field("phone_policy", "reject") + END],
  ]) {
    test(`${where}: a 400 naming it, pointing to the query string, and nothing stored`, async () => {
      const res = await post(url, body);
      assert.equal(res.statusCode, 400, res.body);
      const { error } = res.json();
      assert.deepEqual([error.code, error.field], ["unexpected_form_field", "phone_policy"]);
      assert.match(error.message, /query string/);
      assert.equal(await stored(), 0);
    });
  }

  test("the same option in the query string is read", async () => {
    const res = await post(`${url}?phone_policy=reject`, file(CSV) + END);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, "invalid_phone");
    const ok = await post(`${url}?phone_policy=reject`, file("phone\n+12125550199\n") + END);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().inserted, 1);
  });

  test("the do-not-call import refuses one too", async () => {
    const res = await post(
      "/v1/dnc/import",
      field("reason", "complaint") + file("phone\n+12125550100\n") + END,
    );
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual([res.json().error.code, res.json().error.field], ["unexpected_form_field", "reason"]);
    assert.equal((await f.store.db.selectFrom("dnc_numbers").select("phone").execute()).length, 0);
  });
});
