// A vendor face request that creates a campaign and starts it, killed between the two: what it leaves (a
// draft marked as being created) is shown by no face, started by nobody, and dropped by the next creation an
// hour later, so the client's retry leaves exactly one queue or task and each person is called once.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { insertTask, listTasks } from "../../src/api/compat/twin24/store.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { type CreatingFace, findCampaign, insertCampaign } from "../../src/store/campaigns.ts";
import { insertList } from "../../src/store/lists.ts";
import { dialects } from "../helpers/stores.ts";
import { seedBody, type Twin24Fixture, twin24Fixture } from "./twin24/helpers.ts";

/** The rows a request of `face` had written when it was killed before its start. */
async function cutShort(f: Twin24Fixture, face: CreatingFace, vendor: Record<string, unknown>) {
  const now = f.clock.now();
  const settings = withDefaults({ vendor });
  const row = await insertCampaign(f.store.db, {
    accountId: f.accountId,
    name: "cut short",
    settings,
    now,
    creatingBy: face,
  });
  const list = await insertList(f.store.db, { accountId: f.accountId, campaignId: row.id, name: "l", now });
  return { campaignId: row.id, listId: list.id };
}

for (const dialect of dialects())
  describe(`a creation cut short by a kill [${dialect.name}]`, () => {
    test("Twin24: the task is not shown, cannot be started natively, and goes an hour later", async () => {
      const f = await twin24Fixture({ openStore: dialect.open });
      try {
        const orphan = await cutShort(f, "twin24", { twin24: {} });
        const uuid = "00000000-0000-4000-8000-000000000001";
        await insertTask(f.store.db, {
          uuid,
          account_id: f.accountId,
          campaign_id: orphan.campaignId,
          list_id: orphan.listId,
          created_at: f.clock.now(),
        });
        const read = await f.call({ method: "GET", url: `/cis/api/v1/telephony/autoCall/${uuid}` });
        assert.equal(read.statusCode, 404, read.body);
        assert.deepEqual(await listTasks(f.store.db, f.accountId, { limit: 10 }), []);
        const start = await f.call({ method: "POST", url: `/v1/campaigns/${orphan.campaignId}/start` });
        assert.equal(start.statusCode, 409, start.body);
        assert.equal(start.json().error.code, "invalid_state");

        // The client's retry: a task of its own, started, listed alone.
        const again = await f.createTask({ ...seedBody(), webhookUrls: [] });
        assert.equal((await f.task(again)).status !== undefined, true);
        assert.deepEqual(
          (await listTasks(f.store.db, f.accountId, { limit: 10 })).map((t) => t.task_uuid),
          [again],
        );
        assert.notEqual((await findCampaign(f.store.db, f.accountId, orphan.campaignId))?.status, undefined);

        await f.run(3_601_000);
        await f.createTask({ ...seedBody(), name: "later", webhookUrls: [] });
        assert.equal(await findCampaign(f.store.db, f.accountId, orphan.campaignId), undefined);
      } finally {
        await f.close();
      }
    });

    test("Xcally: the queue is not shown, cannot be started natively, and goes an hour later", async () => {
      const f = await twin24Fixture({ openStore: dialect.open });
      try {
        const orphan = await cutShort(f, "xcally", { xcally: { name: "cut short", type: "outbound" } });
        const read = await f.call({ method: "GET", url: `/api/voice/queues/${orphan.campaignId}` });
        assert.equal(read.statusCode, 404, read.body);
        const start = await f.call({ method: "POST", url: `/v1/campaigns/${orphan.campaignId}/start` });
        assert.equal(start.statusCode, 409, start.body);
        assert.match(start.json().error.message, /still being created/);
        const queue = { name: "cut short", type: "outbound", dialActive: true };
        const made = await f.call({ method: "POST", url: "/api/voice/queues", payload: queue });
        assert.equal(made.statusCode, 201, made.body);
        assert.equal(made.json().dialActive, true);

        await f.run(3_601_000);
        // A queue created inactive is not being created: it stays a visible draft, and drops nothing.
        const inactive = await f.call({
          method: "POST",
          url: "/api/voice/queues",
          payload: { ...queue, name: "inactive", dialActive: false },
        });
        assert.equal(inactive.statusCode, 201, inactive.body);
        assert.notEqual(await findCampaign(f.store.db, f.accountId, orphan.campaignId), undefined);
        const later = await f.call({
          method: "POST",
          url: "/api/voice/queues",
          payload: { ...queue, name: "later" },
        });
        assert.equal(later.statusCode, 201, later.body);
        assert.equal(await findCampaign(f.store.db, f.accountId, orphan.campaignId), undefined);
        const shown = await f.call({ method: "GET", url: `/api/voice/queues/${inactive.json().id}` });
        assert.equal(shown.json().status, "draft");
      } finally {
        await f.close();
      }
    });
  });
