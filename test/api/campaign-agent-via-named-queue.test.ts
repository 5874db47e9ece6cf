// An agent who serves a campaign through the named queue its settings give (settings.queueId) is listed by
// GET /v1/campaigns/{id}/agents, so taking it out through the campaign must not answer the bare 404 "not in
// the queue" the listing just contradicted (audit agents12): DELETE answers 409 agent_via_named_queue naming
// that queue and where its members are changed. Each entry of the listing says where its membership comes
// from (`own`: the campaign's own queue, which DELETE changes; `via_queue_id`: the named queue), an agent in
// both keeping serving through the queue after DELETE takes it out of the campaign's own.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, errorOf } from "./helpers.ts";

interface Listed {
  agent_id: number;
  own: boolean;
  via_queue_id: number | null;
}

for (const dialect of dialects()) {
  describe(`removing an agent who serves a campaign through its named queue [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const call = async (method: "POST" | "PUT", url: string, payload: object) => {
      const res = await f.call({ method, url, payload });
      assert.ok(res.statusCode === 200 || res.statusCode === 201, `${method} ${url}: ${res.body}`);
      return res.json() as { id: number };
    };
    const remove = (campaignId: number, agentId: number) =>
      f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}/agents/${agentId}` });
    const listed = async (campaignId: number): Promise<Listed[]> => {
      const res = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/agents` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { data: Listed[] }).data.map(({ agent_id, own, via_queue_id }) => ({
        agent_id,
        own,
        via_queue_id,
      }));
    };

    test("409 agent_via_named_queue names the queue; the listing says where each membership comes from", async () => {
      const queue = await call("POST", "/v1/queues", { name: "sales" });
      const [ann, bob, cy, dan] = await Promise.all(
        ["Ann", "Bob", "Cy", "Dan"].map(async (name) => (await call("POST", "/v1/agents", { name })).id),
      );
      const { id: campaignId } = await createCampaignViaApi(f, {
        name: "via queue",
        settings: { dialMethod: "progressive", queueId: queue.id },
      });
      // Ann in the campaign's own queue, Bob in the named queue, Cy in both; Dan in neither.
      await call("PUT", `/v1/campaigns/${campaignId}/agents`, {
        agents: [
          { agentId: ann, penalty: 0 },
          { agentId: cy, penalty: 2 },
        ],
      });
      await call("PUT", `/v1/queues/${queue.id}/members`, {
        agents: [
          { agentId: bob, penalty: 1 },
          { agentId: cy, penalty: 3 },
        ],
      });
      assert.deepEqual(await listed(campaignId), [
        { agent_id: ann, own: true, via_queue_id: null },
        { agent_id: bob, own: false, via_queue_id: queue.id },
        { agent_id: cy, own: true, via_queue_id: queue.id },
      ]);

      const refused = await remove(campaignId, bob);
      assert.equal(refused.statusCode, 409, refused.body);
      const error = errorOf(refused);
      assert.equal(error.code, "agent_via_named_queue");
      assert.match(error.message, new RegExp(`named queue ${queue.id}\\b`));
      assert.match(error.message, new RegExp(`PUT /v1/queues/${queue.id}/members`));

      // Cy leaves the campaign's own queue and goes on serving through the named one, where it is changed.
      assert.equal((await remove(campaignId, cy)).statusCode, 204);
      assert.equal((await remove(campaignId, ann)).statusCode, 204);
      assert.deepEqual(await listed(campaignId), [
        { agent_id: bob, own: false, via_queue_id: queue.id },
        { agent_id: cy, own: false, via_queue_id: queue.id },
      ]);
      assert.equal(errorOf(await remove(campaignId, cy)).code, "agent_via_named_queue");

      // Neither in the campaign nor in its queue: still the 404 of before.
      const absent = await remove(campaignId, dan);
      assert.equal(absent.statusCode, 404, absent.body);
      assert.equal(errorOf(absent).message, `agent ${dan} is not in campaign ${campaignId}'s queue`);

      await call("PUT", `/v1/queues/${queue.id}/members`, { agents: [] });
      assert.deepEqual(await listed(campaignId), []);
    });
  });
}
