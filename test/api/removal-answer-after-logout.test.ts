// A change that takes a ready agent out of its campaign's queue (a removal, the campaign deleted) answers
// once the agent is logged out: a client reading the agent's state right after the answer sees it logged
// out, not still ready in a queue that no longer holds it (and a login elsewhere is not refused by its
// session). The engine's re-read is slowed here, as a busy PostgreSQL would, so that an answer sent before
// it shows every time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ApiFixture, agentCampaign, apiFixture } from "./helpers.ts";

async function readyAgentWithSlowReread(f: ApiFixture, name: string) {
  const { campaignId, agentIds } = await agentCampaign(f, {
    name,
    settings: { dialMethod: "progressive" },
    contacts: [],
    agents: [`${name}-agent`],
  });
  const [agentId] = agentIds;
  const login = await f.call({ method: "POST", url: `/v1/agents/${agentId}/login`, payload: { campaignId } });
  assert.equal(login.statusCode, 200, login.body);
  const desk = f.engine.agents;
  const reread = desk.membershipChanged.bind(desk);
  desk.membershipChanged = async (accountId: number) => {
    await new Promise((r) => setTimeout(r, 50));
    return reread(accountId);
  };
  return { campaignId, agentId };
}

async function stateRightAfter(f: ApiFixture, agentId: number) {
  return (await f.call({ method: "GET", url: `/v1/agents/${agentId}/state` })).json();
}

test("a removal from the queue answers 204 once the ready agent is logged out", async () => {
  const f = await apiFixture();
  try {
    const { campaignId, agentId } = await readyAgentWithSlowReread(f, "removal");
    const del = await f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}/agents/${agentId}` });
    assert.equal(del.statusCode, 204, del.body);
    const st = await stateRightAfter(f, agentId);
    assert.equal(
      st.state,
      "logged_out",
      `right after the 204 the agent is ${st.state} in campaign ${st.campaign_id}`,
    );
  } finally {
    await f.close();
  }
});

test("deleting the campaign answers 204 once its ready agent is logged out", async () => {
  const f = await apiFixture();
  try {
    const { campaignId, agentId } = await readyAgentWithSlowReread(f, "deleted");
    const del = await f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}` });
    assert.equal(del.statusCode, 204, del.body);
    const st = await stateRightAfter(f, agentId);
    assert.equal(st.state, "logged_out", `right after the 204 the agent is ${st.state}`);
  } finally {
    await f.close();
  }
});
