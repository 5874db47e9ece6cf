// PUT /v1/campaigns/:id/agents and PUT /v1/queues/:id/members are "replace the whole membership".
// Two concurrent PUTs with disjoint agent sets must end with ONE of the two sets, never their union.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

for (const d of dialects()) {
  describe(`membership replace race (${d.name})`, () => {
    let f: ApiFixture;
    const agents: number[] = [];
    before(async () => {
      f = await apiFixture(() => d.open());
      for (let i = 0; i < 4; i++) {
        const r = await f.call({ method: "POST", url: "/v1/agents", payload: { name: `a${i}` } });
        agents.push(r.json().id);
      }
    });
    after(() => f.close());

    test("two concurrent PUT /v1/campaigns/:id/agents with disjoint sets -> exactly one set", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 20; round++) {
        const { id } = await createCampaignViaApi(f, { name: `c${round}` });
        const [r1, r2] = await Promise.all([
          f.call({
            method: "PUT",
            url: `/v1/campaigns/${id}/agents`,
            payload: { agents: [{ agentId: agents[0] }, { agentId: agents[1] }] },
          }),
          f.call({
            method: "PUT",
            url: `/v1/campaigns/${id}/agents`,
            payload: { agents: [{ agentId: agents[2] }, { agentId: agents[3] }] },
          }),
        ]);
        assert.equal(r1.statusCode, 200, r1.body);
        assert.equal(r2.statusCode, 200, r2.body);
        const got = (await f.call({ method: "GET", url: `/v1/campaigns/${id}/agents` }))
          .json()
          .data.map((m: { agent_id: number }) => m.agent_id)
          .sort((a: number, b: number) => a - b);
        if (got.length !== 2) bad.push(`round ${round}: members ${JSON.stringify(got)}`);
      }
      assert.deepEqual(bad, []);
    });

    test("two concurrent PUT /v1/queues/:id/members with disjoint sets -> exactly one set", async () => {
      const bad: string[] = [];
      for (let round = 0; round < 20; round++) {
        const q = (await f.call({ method: "POST", url: "/v1/queues", payload: { name: `q${round}` } })).json()
          .id;
        const [r1, r2] = await Promise.all([
          f.call({
            method: "PUT",
            url: `/v1/queues/${q}/members`,
            payload: { agents: [{ agentId: agents[0] }, { agentId: agents[1] }] },
          }),
          f.call({
            method: "PUT",
            url: `/v1/queues/${q}/members`,
            payload: { agents: [{ agentId: agents[2] }, { agentId: agents[3] }] },
          }),
        ]);
        assert.equal(r1.statusCode, 200, r1.body);
        assert.equal(r2.statusCode, 200, r2.body);
        const got = (await f.call({ method: "GET", url: `/v1/queues/${q}/members` }))
          .json()
          .data.map((m: { agent_id: number }) => m.agent_id);
        if (got.length !== 2) bad.push(`round ${round}: members ${JSON.stringify(got)}`);
      }
      assert.deepEqual(bad, []);
    });
  });
}
