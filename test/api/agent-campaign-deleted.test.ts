// A campaign deleted while an agent is logged in to it: its queue goes with it, and the agent is logged out
// as one taken out of the queue would be, instead of staying "ready" in a campaign that no longer exists.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("campaign deleted under a logged-in agent", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state } = agentShorthands(() => f);
  test("the agent is logged out like one taken out of the queue", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "gone",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}` })).statusCode, 204);
    // Answered once the agent is logged out: read at once, not after a wait.
    const st = (await f.call({ method: "GET", url: `/v1/agents/${ann}/state` })).json();
    assert.equal(st.state, "logged_out");
    assert.equal(state(ann), "logged_out");
  });
});
