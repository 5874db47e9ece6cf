// Deleting an agent that is on a call (or reserved, or in wrap-up) would leave it unable to hang up, end its
// wrap-up or set the call's disposition, since every desktop command needs the agent: the delete is refused
// (409 agent_busy) until the agent has finished; then it goes through and the agent is logged out.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("deleting a busy agent", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil } = agentShorthands(() => f);

  test("is refused on a call and in wrap-up; the agent hangs up and disposes, then the delete goes through", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "busy",
      settings: {
        dialMethod: "progressive",
        wrapUpSec: 30,
        scenario: JSON.stringify({
          outcomes: { human: 1 },
          talkSec: { kind: "fixed", value: 3600 },
          ringSec: { kind: "fixed", value: 3 },
        }),
      },
      contacts: [{ phone: "+14155559002" }],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    await post(`/v1/agents/${ann}/login`, { campaignId });
    await post(`/v1/campaigns/${campaignId}/start`);
    await advanceUntil(() => state(ann) === "on_call");
    const remove = () => f.call({ method: "DELETE", url: `/v1/agents/${ann}` });
    const onCall = await remove();
    assert.equal(onCall.statusCode, 409, onCall.body);
    assert.equal(onCall.json().error.code, "agent_busy");
    assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    assert.equal((await remove()).statusCode, 409, "in wrap-up");
    assert.equal((await post(`/v1/agents/${ann}/disposition`, { disposition: "sale" })).statusCode, 200);
    assert.equal((await post(`/v1/agents/${ann}/ready`)).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/pause`)).statusCode, 200);
    assert.equal((await remove()).statusCode, 204);
    await advanceUntil(() => state(ann) === "logged_out", 100, 50);
  });
});
