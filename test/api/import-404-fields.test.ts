// The /v1 contact add and import routes answered a missing campaign or list with field "campaignId" or
// "listId", the import's own names (import-setup.ts, shared with the vendor faces), where every /v1 route
// names an input by its part of the request (src/api/README.md: params.id, querystring.limit, body.…). A
// client mapping `field` back to its input found no "campaignId" anywhere: it is the path parameter. Now the
// native routes name params.campaignId and params.listId. The codes stay campaign_not_found and
// list_not_found (more telling than not_found, and what clients already match on); another account's
// campaign is answered exactly like a missing one.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

describe("/v1 contact add and import: a missing target names its path parameter", () => {
  let f: ApiFixture;
  let a: { id: number; listId: number };
  let b: { id: number; listId: number };
  before(async () => {
    f = await apiFixture();
    a = await createCampaignViaApi(f, { name: "a" });
    b = await createCampaignViaApi(f, { name: "b" });
  });
  after(() => f.close());

  const calls = {
    add: (cid: number, lid: number, key?: string) =>
      f.call({
        method: "POST",
        url: `/v1/campaigns/${cid}/lists/${lid}/contacts`,
        payload: { contacts: [{ phone: "+12025550100" }] },
        key,
      }),
    import: (cid: number, lid: number, key?: string) =>
      f.call({
        method: "POST",
        url: `/v1/campaigns/${cid}/lists/${lid}/import`,
        headers: { "content-type": "text/csv" },
        payload: "phone\n+12025550100\n",
        key,
      }),
  };

  for (const [route, call] of Object.entries(calls)) {
    test(`${route}: another account's campaign, and a missing one, name params.campaignId`, async () => {
      const other = await f.newAccount(`other-${route}`);
      for (const res of [await call(a.id, a.listId, other.key), await call(999_999, a.listId)]) {
        assert.equal(res.statusCode, 404, res.body);
        const err = errorOf(res);
        assert.deepEqual([err.code, err.field], ["campaign_not_found", "params.campaignId"]);
      }
    });

    test(`${route}: a list of another campaign names params.listId`, async () => {
      const res = await call(a.id, b.listId);
      assert.equal(res.statusCode, 404, res.body);
      const err = errorOf(res);
      assert.deepEqual([err.code, err.field], ["list_not_found", "params.listId"]);
    });
  }

  test("nothing was stored by the refused calls", async () => {
    const n = await f.store.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  });
});
