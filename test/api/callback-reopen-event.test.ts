// A callback disposition brings a contact that had settled (succeeded) back to pending: subscribers of
// contact.status_changed hear "succeeded -> pending" (not final), written with the change, before the
// callback's call settles it again (they used to hear two final results with nothing between).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type ApiFixture,
  agentShorthands,
  apiFixture,
  createCampaignViaApi,
  insertContacts,
} from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());
const { post, state, advanceUntil } = agentShorthands(() => f);

test("a callback that reopens a settled contact reports the contact's status change", async () => {
  const { id: campaignId, listId } = await createCampaignViaApi(f, {
    name: "callbacks",
    settings: {
      dialMethod: "progressive",
      scenario: "all_human",
      calleeWindow: { from: "00:00", to: "24:00" },
      maxAttemptsPerContact: 1,
      maxAttemptsPerPhone: 1,
      wrapUpSec: 5,
    },
  });
  const [contactId] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
    { phones: JSON.stringify(["+14155553001"]), custom: JSON.stringify({ name: "Bea" }) },
  ]);
  const hook = await post("/v1/webhooks", {
    url: "http://127.0.0.1:9/crm",
    events: ["contact.status_changed", "contact.retry_scheduled", "contact.succeeded"],
    campaignId,
  });
  assert.equal(hook.statusCode, 201, hook.body);
  const agent = (await post("/v1/agents", { name: "Cal" })).json() as { id: number };
  await f.call({
    method: "PUT",
    url: `/v1/campaigns/${campaignId}/agents`,
    payload: { agents: [{ agentId: agent.id, penalty: 0 }] },
  });
  assert.equal((await post(`/v1/agents/${agent.id}/login`, { campaignId })).statusCode, 200);
  assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
  await advanceUntil(() => state(agent.id) === "on_call");
  assert.equal((await post(`/v1/agents/${agent.id}/hangup`)).statusCode, 200);
  await advanceUntil(() => state(agent.id) === "wrap_up", 100, 50);
  await f.engine.dispatcher.flush();

  const contact = () =>
    f.store.db.selectFrom("contacts").selectAll().where("id", "=", contactId).executeTakeFirstOrThrow();
  const events = async () =>
    (
      await f.store.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("webhook_id", "=", hook.json().id)
        .orderBy("id")
        .execute()
    ).map((r) => {
      const p = JSON.parse(r.payload);
      return `${p.type}${p.data.to ? `:${p.data.from}->${p.data.to}` : ""}`;
    });
  const settledAs = (await contact()).status;
  assert.equal(settledAs, "succeeded");
  const before = await events();

  const at = new Date(f.clock.now() + 2 * 3_600_000).toISOString();
  const ok = await post(`/v1/agents/${agent.id}/disposition`, { disposition: "call back", callbackAt: at });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((await contact()).status, "pending", "the callback reopened the contact");
  const afterCallback = await events();
  // The callback's call, answered and hung up: the contact settles a second time.
  await f.clock.run({ until: Date.parse(at) - 60_000 });
  await advanceUntil(() => state(agent.id) === "on_call");
  assert.equal((await post(`/v1/agents/${agent.id}/hangup`)).statusCode, 200);
  await advanceUntil(() => state(agent.id) !== "on_call", 100, 50);
  await f.engine.dispatcher.flush();
  const all = await events();
  assert.deepEqual(afterCallback.slice(before.length), ["contact.status_changed:succeeded->pending"]);
  assert.deepEqual(all, [
    "contact.status_changed:in_progress->succeeded",
    "contact.succeeded",
    "contact.status_changed:succeeded->pending",
    "contact.status_changed:in_progress->succeeded",
    "contact.succeeded",
  ]);
  const reopened = await f.store.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("webhook_id", "=", hook.json().id)
    .orderBy("id")
    .execute();
  const data = JSON.parse(reopened[2].payload).data;
  assert.deepEqual([data.contact.status, data.contact.reason], ["pending", "callback"]);
});
