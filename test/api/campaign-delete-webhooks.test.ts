// A campaign's delete takes its own webhooks with it: not while they have events to deliver (its last
// results, its completion), which were dropped without a word (hooks6). An account-wide webhook is not
// the campaign's and keeps its events whatever happens.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`deleting a campaign whose webhooks hold events [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const webhook = async (body: Record<string, unknown>) => {
      const r = await f.call({ method: "POST", url: "/v1/webhooks", payload: body });
      assert.equal(r.statusCode, 201, r.body);
      return (r.json() as { id: number }).id;
    };
    const pending = async (hook: number) =>
      (
        await f.store.db
          .selectFrom("webhook_deliveries")
          .select("id")
          .where("webhook_id", "=", hook)
          .where("status", "=", "pending")
          .execute()
      ).length;

    test("is a 409 until they are delivered or the webhooks deleted; the account's keep theirs", async () => {
      const { id } = await createCampaignViaApi(f);
      // An hour's delay: the events of the start and the stop are still to go when the delete comes.
      const common = { url: "https://example.com/h", events: ["campaign.status_changed"], delaySec: 3600 };
      const own = await webhook({ ...common, campaignId: id });
      const wide = await webhook(common);
      for (const action of ["start", "stop"]) {
        const r = await f.call({ method: "POST", url: `/v1/campaigns/${id}/${action}` });
        assert.ok(r.statusCode < 300, `${action}: ${r.statusCode} ${r.body}`);
      }
      const held = await pending(own);
      assert.ok(held > 0, "the status changes wait in the campaign's webhook's outbox");

      const refused = await f.call({ method: "DELETE", url: `/v1/campaigns/${id}` });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error.code, "deliveries_pending");
      assert.equal(await pending(own), held, "nothing dropped");
      assert.equal((await f.call({ method: "GET", url: `/v1/campaigns/${id}` })).statusCode, 200);

      // Deleting the webhook drops its events on purpose; then the campaign goes.
      assert.equal((await f.call({ method: "DELETE", url: `/v1/webhooks/${own}` })).statusCode, 204);
      const gone = await f.call({ method: "DELETE", url: `/v1/campaigns/${id}` });
      assert.equal(gone.statusCode, 204, gone.body);
      assert.equal(await pending(wide), held, "the account-wide webhook keeps the campaign's events");
    });

    test("a deactivated webhook's events, which never go, do not hold the campaign", async () => {
      const { id } = await createCampaignViaApi(f);
      const own = await webhook({
        url: "https://example.com/h",
        events: ["campaign.status_changed"],
        delaySec: 3600,
        campaignId: id,
      });
      for (const action of ["start", "stop"])
        await f.call({ method: "POST", url: `/v1/campaigns/${id}/${action}` });
      assert.ok((await pending(own)) > 0);
      const off = await f.call({ method: "PATCH", url: `/v1/webhooks/${own}`, payload: { active: false } });
      assert.equal(off.statusCode, 200, off.body);
      const gone = await f.call({ method: "DELETE", url: `/v1/campaigns/${id}` });
      assert.equal(gone.statusCode, 204, gone.body);
    });
  });
}
