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
    assert.deepEqual(active, { "https://example.com/": false, "https://crm.example.com/hook": true });
  } finally {
    await f.close();
  }
});

test("a PUT leaves a subscription an operator paused through /v1 paused; one a PUT dropped comes back when listed again", async () => {
  const f = await twin24Fixture();
  try {
    const body = { ...seedBody(), startType: "manual", startMoment: "" };
    const uuid = await f.createTask(body);
    const { campaignId } = await f.task(uuid);
    const hookOf = async () => {
      const hooks = (await f.call({ method: "GET", url: "/v1/webhooks" })).json() as {
        data: { id: number; url: string; active: boolean; campaign_id: number }[];
      };
      const own = hooks.data.filter((h) => h.campaign_id === campaignId);
      assert.equal(own.length, 1, JSON.stringify(own));
      return own[0];
    };
    const hook = await hookOf();
    const paused = await f.call({
      method: "PATCH",
      url: `/v1/webhooks/${hook.id}`,
      payload: { active: false },
    });
    assert.equal(paused.statusCode, 200, paused.body);
    const put = (payload: Record<string, unknown>) =>
      f.call({ method: "PUT", url: `${TASKS}/${uuid}`, payload: { ...body, ...payload } });
    // A rename repeating the same webhookUrls: the operator's pause holds (receiver in maintenance, say).
    assert.equal((await put({ name: "renamed" })).statusCode, 200);
    assert.deepEqual([(await hookOf()).active, (await hookOf()).id], [false, hook.id]);
    // Active, dropped by one PUT and listed again by the next: the client asked for it, so it is active again.
    await f.call({ method: "PATCH", url: `/v1/webhooks/${hook.id}`, payload: { active: true } });
    assert.equal((await put({ name: "renamed", webhookUrls: null })).statusCode, 200);
    assert.equal((await hookOf()).active, false);
    assert.equal((await put({ name: "renamed again" })).statusCode, 200);
    assert.deepEqual([(await hookOf()).active, (await hookOf()).id], [true, hook.id]);
    // Paused through /v1, then dropped and listed again: the operator's pause holds (review34).
    await f.call({ method: "PATCH", url: `/v1/webhooks/${hook.id}`, payload: { active: false } });
    assert.equal((await put({ name: "renamed", webhookUrls: null })).statusCode, 200);
    assert.equal((await put({ name: "renamed again" })).statusCode, 200);
    assert.equal((await hookOf()).active, false);
  } finally {
    await f.close();
  }
});
