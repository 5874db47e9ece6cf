// A preview agent's dial whose calls-per-second slot falls at or past the campaign's halt is not placed
// (917aa36); it was reported as "the contact's calling hours closed" (window_closed) with the hours open all
// day (review35). It is refused as campaign_ending.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

describe("a preview dial whose slot falls at or past the campaign's halt", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post } = agentShorthands(() => f);

  test("is not refused as closed calling hours", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview halt",
      settings: { dialMethod: "preview", callsPerSecond: 0.1, lifetimeSec: 5 },
      contacts: [{ phone: "+14155557601" }, { phone: "+14155557602" }],
      agents: ["Ann", "Bob"],
    });
    const [ann, bob] = agentIds;
    for (const id of agentIds)
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    const start = await post(`/v1/campaigns/${campaignId}/start`);
    assert.equal(start.statusCode, 200, start.body);
    assert.equal((await post(`/v1/agents/${ann}/preview/next`)).statusCode, 200);
    assert.equal((await post(`/v1/agents/${bob}/preview/next`)).statusCode, 200);
    // Ann's dial takes the slot now; Bob's next slot is 10 s on, past the 5 s lifetime.
    const first = await post(`/v1/agents/${ann}/preview/dial`);
    assert.equal(first.statusCode, 200, first.body);
    const second = await post(`/v1/agents/${bob}/preview/dial`);
    assert.notEqual(second.statusCode, 200, `sanity: Bob's dial past the halt was placed: ${second.body}`);
    assert.equal(errorOf(second).code, "campaign_ending", `Bob told: ${second.body}`);
  });
});
