// A login naming a campaign that is not the account's answered 404 not_found without `field`, as does one
// for an unknown agent: the desktop could not tell which of the two ids was wrong, where the native API
// names the body field of every other id it cannot find (body.agents[i].agentId, body.userId). The
// campaign's refusal now names body.campaignId.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

describe("an agent's login to a campaign that is not the account's", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state } = agentShorthands(() => f);

  test("is a 404 naming body.campaignId, unknown or another account's; an unknown agent's is not", async () => {
    const {
      campaignId: ours,
      agentIds: [cy],
    } = await agentCampaign(f, {
      name: "ours",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Cy"],
    });
    const other = await f.newAccount("other");
    const theirs = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      key: other.key,
      payload: { name: "theirs", settings: { dialMethod: "progressive" } },
    });
    assert.equal(theirs.statusCode, 201, theirs.body);
    for (const campaignId of [999999, theirs.json().id as number]) {
      const r = await post(`/v1/agents/${cy}/login`, { campaignId });
      assert.equal(r.statusCode, 404, r.body);
      assert.equal(errorOf(r).code, "not_found");
      assert.equal(errorOf(r).field, "body.campaignId", r.body);
      assert.equal(state(cy), "logged_out");
    }
    const unknownAgent = await post("/v1/agents/999999/login", { campaignId: ours });
    assert.equal(unknownAgent.statusCode, 404, unknownAgent.body);
    assert.notEqual(errorOf(unknownAgent).field, "body.campaignId");
    assert.equal((await post(`/v1/agents/${cy}/login`, { campaignId: ours })).statusCode, 200);
  });
});
