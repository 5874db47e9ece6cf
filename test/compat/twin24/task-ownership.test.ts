// What a Twin24 task owns: a create the engine refuses to start leaves nothing behind, and a task edit
// keeps in step only the subscriptions its own webhookUrls made, not one made through the native API for
// the same campaign.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { seedBody, twin24Fixture } from "./helpers.ts";

const TASKS = "/cis/api/v1/telephony/autoCall";

test("a task whose start is refused (under 1 USD) is not stored, nor its campaign or subscriptions", async () => {
  const f = await twin24Fixture();
  try {
    const topUp = await f.call({ method: "POST", url: "/v1/balance/top-up", payload: { amountUsd: 0.5 } });
    assert.equal(topUp.statusCode, 200, topUp.body);
    const count = async () => ({
      tasks: Number(
        (await sql<{ n: number }>`SELECT count(*) AS n FROM twin24_tasks`.execute(f.store.db)).rows[0].n,
      ),
      campaigns: (await f.store.db.selectFrom("campaigns").select("id").execute()).length,
      lists: (await f.store.db.selectFrom("lists").select("id").execute()).length,
      webhooks: (await f.store.db.selectFrom("webhooks").select("id").execute()).length,
    });
    const before = await count();
    const res = await f.call({ method: "POST", url: TASKS, payload: seedBody() });
    assert.equal(res.statusCode, 409, res.body);
    assert.deepEqual(await count(), before);
    const list = await f.call({ method: "GET", url: TASKS });
    assert.equal(list.statusCode, 200, list.body);
    assert.equal(JSON.stringify(list.json()).includes("test_autocall"), false, "no task listed");
  } finally {
    await f.close();
  }
});

test("an edit that would start a task under 1 USD is refused whole: the task stays as it was", async () => {
  const f = await twin24Fixture();
  try {
    const body = { ...seedBody(), startType: "manual", startMoment: "", webhookUrls: [] };
    const uuid = await f.createTask(body);
    const { campaignId } = await f.task(uuid);
    const topUp = await f.call({ method: "POST", url: "/v1/balance/top-up", payload: { amountUsd: 0.5 } });
    assert.equal(topUp.statusCode, 200, topUp.body);
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: { ...body, name: "renamed", startType: "time", startMoment: "2023-06-02 10:00", cps: 1.05 },
    });
    assert.equal(put.statusCode, 409, put.body);
    const campaign = (await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}` })).json() as {
      name: string;
      status: string;
      settings: { callsPerSecond: number };
    };
    assert.deepEqual(
      [campaign.name, campaign.status, campaign.settings.callsPerSecond],
      ["test_autocall", "draft", 3],
    );
  } finally {
    await f.close();
  }
});

test("a task edit switches off its own subscriptions it no longer lists, not the campaign's others", async () => {
  const f = await twin24Fixture();
  try {
    const body = { ...seedBody(), startType: "manual", startMoment: "" };
    const uuid = await f.createTask(body);
    const { campaignId } = await f.task(uuid);
    const native = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "https://crm.example.com/hook", campaignId, events: ["attempt.ended"] },
    });
    assert.equal(native.statusCode, 201, native.body);
    const put = await f.call({
      method: "PUT",
      url: `${TASKS}/${uuid}`,
      payload: { ...body, name: "renamed", webhookUrls: null },
    });
    assert.equal(put.statusCode, 200, put.body);
    const hooks = (await f.call({ method: "GET", url: "/v1/webhooks" })).json() as {
      data: { id: number; url: string; active: boolean; campaign_id: number }[];
    };
    const active = Object.fromEntries(
      hooks.data.filter((h) => h.campaign_id === campaignId).map((h) => [h.url, h.active]),
    );
    assert.deepEqual(active, { "https://example.com": false, "https://crm.example.com/hook": true });
  } finally {
    await f.close();
  }
});
