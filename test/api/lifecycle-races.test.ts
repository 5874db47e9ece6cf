// Lifecycle commands racing each other and edits: each write lands only on the campaign as it was read, and
// a command that lost the race is decided again, so concurrent requests act as if sent one after the other.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

for (const d of dialects()) {
  describe(`lifecycle races (${d.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => d.open());
    });
    after(() => f.close());

    test("pause || stop on a running campaign: both 200, final status must be stopped (no serial order gives paused)", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 20; round++) {
        const { id, listId } = await createCampaignViaApi(f, {
          name: `c${round}`,
          settings: { startAt: Date.UTC(2027, 0, 1) },
        });
        await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}]);
        const s = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
        assert.equal(s.statusCode, 200, s.body);
        const [p, st] = await Promise.all([
          f.call({ method: "POST", url: `/v1/campaigns/${id}/pause` }),
          f.call({ method: "POST", url: `/v1/campaigns/${id}/stop` }),
        ]);
        const row = await f.store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        if (p.statusCode === 200 && st.statusCode === 200 && row.status !== "stopped")
          bad.push(
            `round ${round}: pause ${p.json().status}, stop ${st.json().status}, stored ${row.status}`,
          );
      }
      assert.deepEqual(bad, []);
    });

    test("PATCH lifetimeSec || start of a draft: halt_at must follow the stored lifetime", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 20; round++) {
        const { id, listId } = await createCampaignViaApi(f, {
          name: `h${round}`,
          settings: { lifetimeSec: 3600 },
        });
        await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}]);
        const [pa, st] = await Promise.all([
          f.call({
            method: "PATCH",
            url: `/v1/campaigns/${id}`,
            payload: { settings: { lifetimeSec: 86400 } },
          }),
          f.call({ method: "POST", url: `/v1/campaigns/${id}/start` }),
        ]);
        assert.equal(pa.statusCode, 200, pa.body);
        assert.equal(st.statusCode, 200, st.body);
        const row = await f.store.db
          .selectFrom("campaigns")
          .selectAll()
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        const lifetime = JSON.parse(row.settings).lifetimeSec;
        const expected = row.started_at! + lifetime * 1000;
        if (row.halt_at !== expected)
          bad.push(
            `round ${round}: settings.lifetimeSec=${lifetime} but halt_at-started_at=${(row.halt_at! - row.started_at!) / 1000}s`,
          );
      }
      assert.deepEqual(bad, []);
    });
    test("two concurrent POST /start of a draft: one 200 and one 409, one campaign.status_changed event", async () => {
      const hook = await f.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url: "https://hooks.example/s", events: ["campaign.status_changed"] },
      });
      assert.equal(hook.statusCode, 201, hook.body);
      const bad: string[] = [];
      for (let round = 0; round < 20; round++) {
        const { id, listId } = await createCampaignViaApi(f, { name: `d${round}` });
        await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}]);
        const [a, b] = await Promise.all([
          f.call({ method: "POST", url: `/v1/campaigns/${id}/start` }),
          f.call({ method: "POST", url: `/v1/campaigns/${id}/start` }),
        ]);
        const events = await f.store.db
          .selectFrom("webhook_deliveries")
          .select("payload")
          .where("event_type", "=", "campaign.status_changed")
          .where("order_key", "=", `campaign:${id}`)
          .execute();
        if (events.length !== 1)
          bad.push(
            `round ${round}: start ${a.statusCode}/${b.statusCode}, ${events.length} status events: ${events.map((e) => JSON.stringify(JSON.parse(e.payload).data)).join(" ")}`,
          );
      }
      assert.deepEqual(bad, []);
    });
  });
}
