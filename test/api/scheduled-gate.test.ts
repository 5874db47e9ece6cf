// A scheduled campaign that cannot dial at its start time is never reported running: one whose account fell
// under 1 USD meanwhile goes scheduled -> stopped for its balance ("Under 1 USD its campaigns do not start");
// it went scheduled -> running -> stopped in one pass, telling webhook consumers it had started.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LOW_BALANCE_REASON, usdToMicros } from "../../src/model/billing.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

const HOUR = 3_600_000;
let f: ApiFixture;
before(async () => {
  f = await apiFixture();
  const hook = await f.call({
    method: "POST",
    url: "/v1/webhooks",
    payload: { url: "https://hooks.example/s", events: ["campaign.status_changed"] },
  });
  assert.equal(hook.statusCode, 201, hook.body);
});
after(() => f.close());

async function statusEvents(id: number): Promise<string[]> {
  const rows = await f.store.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("event_type", "=", "campaign.status_changed")
    .where("order_key", "=", `campaign:${id}`)
    .orderBy("id")
    .execute();
  return rows.map((e) => {
    const d = JSON.parse(e.payload).data as { from: string; to: string };
    return `${d.from}->${d.to}`;
  });
}

test("scheduled, then its account falls under 1 USD: stopped for its balance at its start time, never running", async () => {
  const t0 = f.clock.now();
  await setRates(f.store, f.accountId, { defaultMicrosPerMinute: usdToMicros(0.25), prefixes: [] });
  await topUp(f.store, f.accountId, usdToMicros(5), "some", t0);
  await f.engine.billingChanged(f.accountId);
  const { id, listId } = await createCampaignViaApi(f, {
    name: "sched",
    settings: { startAt: t0 + HOUR, calleeWindow: { from: "00:00", to: "24:00" } },
  });
  await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [{}, {}]);
  const start = await f.call({ method: "POST", url: `/v1/campaigns/${id}/start` });
  assert.equal(start.json().status, "scheduled");
  await topUp(f.store, f.accountId, -usdToMicros(4.5), "spent elsewhere", t0 + 1000);
  await f.engine.billingChanged(f.accountId);
  await f.clock.run({ until: t0 + 2 * HOUR });

  const row = await f.store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const attempts = await f.store.db
    .selectFrom("attempts")
    .select("id")
    .where("campaign_id", "=", id)
    .execute();
  assert.equal(attempts.length, 0);
  assert.equal(row.status, "stopped");
  assert.equal(row.status_reason, LOW_BALANCE_REASON);
  assert.deepEqual(await statusEvents(id), ["draft->scheduled", "scheduled->stopped"]);

  // Topped up, a resume goes on, as for a running campaign stopped for its balance.
  await topUp(f.store, f.accountId, usdToMicros(10), "top-up", f.clock.now());
  await f.engine.billingChanged(f.accountId);
  const resume = await f.call({ method: "POST", url: `/v1/campaigns/${id}/resume` });
  assert.equal(resume.statusCode, 200, resume.body);
  assert.equal(resume.json().status, "running");
});
