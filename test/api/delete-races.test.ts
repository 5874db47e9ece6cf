// A parent deleted while a request that checked it exists inserts a child row: the request must answer
// 201/200 or 404, never 500 (the FK refuses the insert after the handler's own existence check passed).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

for (const d of dialects()) {
  describe(`delete vs child insert (${d.name})`, () => {
    let f: ApiFixture;
    let agent: number;
    before(async () => {
      f = await apiFixture(() => d.open());
      agent = (await f.call({ method: "POST", url: "/v1/agents", payload: { name: "a" } })).json().id;
    });
    after(() => f.close());

    async function race(
      label: string,
      mkParent: () => Promise<number>,
      del: (id: number) => Promise<{ statusCode: number }>,
      child: (id: number) => Promise<{ statusCode: number; body: string }>,
    ) {
      const bad: string[] = [];
      for (let round = 0; round < 20; round++) {
        const id = await mkParent();
        const [dr, cr] = await Promise.all([del(id), child(id)]);
        if (![200, 201, 404].includes(cr.statusCode))
          bad.push(`${label} round ${round}: delete ${dr.statusCode}, child ${cr.statusCode} ${cr.body}`);
      }
      return bad;
    }

    test("DELETE /v1/campaigns/:id || POST /v1/campaigns/:id/lists", async () => {
      const bad = await race(
        "lists",
        async () =>
          (await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "c" } })).json().id,
        (id) => f.call({ method: "DELETE", url: `/v1/campaigns/${id}` }),
        (id) => f.call({ method: "POST", url: `/v1/campaigns/${id}/lists`, payload: { name: "l" } }),
      );
      assert.deepEqual(bad, []);
    });

    test("DELETE /v1/campaigns/:id || PUT /v1/campaigns/:id/agents", async () => {
      const bad = await race(
        "agents",
        async () => (await createCampaignViaApi(f, { name: "c" })).id,
        (id) => f.call({ method: "DELETE", url: `/v1/campaigns/${id}` }),
        (id) =>
          f.call({
            method: "PUT",
            url: `/v1/campaigns/${id}/agents`,
            payload: { agents: [{ agentId: agent }] },
          }),
      );
      assert.deepEqual(bad, []);
    });

    test("DELETE /v1/queues/:id || PUT /v1/queues/:id/members", async () => {
      const bad = await race(
        "queue",
        async () => (await f.call({ method: "POST", url: "/v1/queues", payload: { name: "q" } })).json().id,
        (id) => f.call({ method: "DELETE", url: `/v1/queues/${id}` }),
        (id) =>
          f.call({
            method: "PUT",
            url: `/v1/queues/${id}/members`,
            payload: { agents: [{ agentId: agent }] },
          }),
      );
      assert.deepEqual(bad, []);
    });

    test("DELETE /v1/agents/:id || PUT /v1/campaigns/:c/agents naming it", async () => {
      const { id: c } = await createCampaignViaApi(f, { name: "fixed" });
      const bad = await race(
        "agent",
        async () => (await f.call({ method: "POST", url: "/v1/agents", payload: { name: "x" } })).json().id,
        (id) => f.call({ method: "DELETE", url: `/v1/agents/${id}` }),
        (id) =>
          f.call({ method: "PUT", url: `/v1/campaigns/${c}/agents`, payload: { agents: [{ agentId: id }] } }),
      );
      assert.deepEqual(bad, []);
    });

    test("DELETE /v1/campaigns/:id || POST /v1/webhooks {campaignId}", async () => {
      const bad = await race(
        "webhook",
        async () =>
          (await f.call({ method: "POST", url: "/v1/campaigns", payload: { name: "c" } })).json().id,
        (id) => f.call({ method: "DELETE", url: `/v1/campaigns/${id}` }),
        (id) =>
          f.call({
            method: "POST",
            url: "/v1/webhooks",
            payload: { url: "https://hooks.example/w", events: ["campaign.status_changed"], campaignId: id },
          }),
      );
      assert.deepEqual(bad, []);
    });
  });
}
