// An agent logs in while a supervisor takes it out of the campaign's queue. Whichever way it interleaves,
// the agent must not end up logged in (taking calls) in a campaign whose queue no longer holds it: the login
// reads the queue again once the agent is on the board (a removal committed later finds it there).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, apiFixture } from "./helpers.ts";

for (const dc of dialects())
  describe(`login racing removal from the queue (${dc.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => dc.open());
    });
    after(() => f.close());
    const queueHoldsAnyone = async (campaignId: number) =>
      (
        await f.store.db
          .selectFrom("campaign_agents")
          .select("agent_id")
          .where("campaign_id", "=", campaignId)
          .execute()
      ).length > 0;

    test("desk level: login || removeCampaignAgent + membershipChanged, microtask offsets 0..300", async () => {
      const { removeCampaignAgent } = await import("../../src/store/agents.ts");
      const bad: string[] = [];
      for (let k = 0; k < 300; k += 3) {
        const { campaignId, agentIds } = await agentCampaign(f, {
          name: `m${k}`,
          settings: { dialMethod: "progressive" },
          contacts: [],
          agents: [`M${k}`],
        });
        const [a] = agentIds;
        const login = f.engine.agents.login(f.accountId, a, campaignId).catch((e) => e);
        for (let i = 0; i < k; i++)
          await (dc.name === "postgres" ? new Promise((r) => setImmediate(r)) : Promise.resolve());
        const del = (async () => {
          await removeCampaignAgent(f.store.db, f.accountId, campaignId, a);
          await f.engine.agents.membershipChanged(f.accountId);
        })();
        const [l] = await Promise.all([login, del]);
        const inQueue = await queueHoldsAnyone(campaignId);
        const live = f.engine.board.get(a);
        if (live && !inQueue)
          bad.push(
            `offset ${k}: login -> ${l?.state ?? l?.code}; agent ${live.state} in campaign ${campaignId}, not in its queue`,
          );
        if (live) f.engine.board.logout(live);
      }
      assert.deepEqual(bad, []);
    });

    test("concurrent POST login and DELETE /campaigns/:id/agents/:agentId (various offsets)", async () => {
      const bad: string[] = [];
      for (let k = 0; k < 25; k++) {
        const { campaignId, agentIds } = await agentCampaign(f, {
          name: `r${k}`,
          settings: { dialMethod: "progressive" },
          contacts: [],
          agents: [`A${k}`],
        });
        const [a] = agentIds;
        const login = f.call({ method: "POST", url: `/v1/agents/${a}/login`, payload: { campaignId } });
        for (let i = 0; i < k; i++) await new Promise((r) => setImmediate(r));
        const del = f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}/agents/${a}` });
        const [l, d] = await Promise.all([login, del]);
        // The removal's answer comes once membershipChanged has run: read at once.
        const inQueue = await queueHoldsAnyone(campaignId);
        const live = f.engine.board.get(a);
        if (live && !inQueue)
          bad.push(
            `offset ${k}: login ${l.statusCode}, delete ${d.statusCode}; agent ${live.state} in campaign ${campaignId}, not in its queue`,
          );
        if (live) f.engine.board.logout(live);
      }
      assert.deepEqual(bad, []);
    });
  });
