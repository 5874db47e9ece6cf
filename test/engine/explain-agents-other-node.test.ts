// On a cluster every node dials an agent campaign for the agents logged in to it there. With the agents
// logged in on node B only, node A explained the campaign as blocked ("no agent of the campaign's queue is
// logged in", from its own last pass), GET /v1/agents showed them logged out and the dashboard "none logged
// in", while B dialed it. Now explain adds the non-blocking other_node note naming B and reports no
// no_agents, and the agents read logged_in_elsewhere; a single node, a node whose heartbeat lapsed, or an
// agent outside the campaign's queue changes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { agentCampaign, apiFixture } from "../api/helpers.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

type Reason = { code: string; message: string };
type AgentState = { id?: number; agent_id?: number; name: string; state: string; state_since: string | null };

for (const dialect of dialects()) {
  test(`[${dialect.name}] an agent campaign dialed by another node for its agents is not explained as without agents`, async () => {
    const f = await apiFixture(() => dialect.open());
    const c = await agentCampaign(f, {
      name: "Sales desk",
      settings: { dialMethod: "progressive", maxConcurrent: 5 },
      contacts: Array.from({ length: 30 }, (_, i) => ({ phone: `+1415555${4100 + i}` })),
      agents: ["Bob"],
    });
    const other = await agentCampaign(f, {
      name: "Renewals",
      settings: { dialMethod: "progressive", maxConcurrent: 5 },
      contacts: [{ phone: "+14155559000" }],
      agents: ["Ann"],
    });
    const [bob] = c.agentIds;
    const [ann] = other.agentIds;
    const b = engineNode(f.store, f.clock, "node-b", 2, 60_000, "all_human");
    const explain = async () => {
      const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.campaignId}/explain` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { dialing: boolean; reasons: Reason[] };
    };
    const agentStates = async () => {
      const res = await f.call({ method: "GET", url: "/v1/agents" });
      assert.equal(res.statusCode, 200, res.body);
      return new Map((res.json().data as AgentState[]).map((a) => [a.id, a.state]));
    };
    try {
      await b.engine.run();
      // Ann, of another campaign's queue only, logs in on B: the campaign still has no agent anywhere.
      await b.engine.agents.login(f.accountId, ann, other.campaignId);
      const start = await f.call({ method: "POST", url: `/v1/campaigns/${c.campaignId}/start` });
      assert.equal(start.statusCode, 200, start.body);
      await f.clock.run({ until: f.clock.now() + 5_000 });
      const alone = await explain();
      assert.deepEqual(
        alone.reasons.map((r) => r.code),
        ["no_agents"],
        "single-node answer unchanged while no agent of its queue is logged in anywhere",
      );
      assert.equal(alone.dialing, false);

      await b.engine.agents.login(f.accountId, bob, c.campaignId);
      await f.clock.run({ until: f.clock.now() + 30_000 });
      assert.ok(b.dialedAt.length > 0, "node B dials the campaign for Bob");

      const why = await explain();
      assert.deepEqual(
        why.reasons.map((r) => r.code),
        ["other_node"],
        JSON.stringify(why.reasons),
      );
      assert.match(why.reasons[0].message, /logged in on node node-b/);
      assert.match(why.reasons[0].message, /this node's \(api-test\)/);
      assert.equal(why.dialing, true);

      const states = await agentStates();
      assert.equal(states.get(bob), "logged_in_elsewhere");
      assert.equal(states.get(ann), "logged_in_elsewhere");
      const queue = await f.call({ method: "GET", url: `/v1/campaigns/${c.campaignId}/agents` });
      const member = (queue.json().data as AgentState[]).find((a) => a.agent_id === bob);
      assert.equal(member?.state, "logged_in_elsewhere");
      assert.notEqual(member?.state_since, null, "since its login there");
      const one = (await f.call({ method: "GET", url: `/v1/agents/${bob}` })).json() as AgentState;
      assert.equal(one.state, "logged_in_elsewhere");

      // Node B's heartbeat lapses (a node gone): its sessions are no logins.
      await f.store.db
        .updateTable("node_heartbeats")
        .set({ alive_until: f.clock.now() - 1 })
        .where("node_id", "=", "node-b")
        .execute();
      const lapsed = await explain();
      assert.deepEqual(
        lapsed.reasons.map((r) => r.code),
        ["no_agents"],
        JSON.stringify(lapsed.reasons),
      );
      assert.equal((await agentStates()).get(bob), "logged_out");
    } finally {
      await b.engine.shutdown();
      await f.close();
    }
  });
}
