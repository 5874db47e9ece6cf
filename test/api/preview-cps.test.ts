// Calls per second hold for dials an agent places: two agents of a preview campaign limited to one call
// every 5 s who both dial at once get their calls 5 s apart, not together. (A robot campaign's spacing is
// tested in test/engine; here the dial waits for the slot its claim took.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("a preview campaign's calls per second", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const { post, state, advanceUntil } = agentShorthands(() => f);

  test("two agents dialing at once are dialed one slot apart, and a skip in the wait dials nothing", async () => {
    const { campaignId, agentIds: agents } = await agentCampaign(f, {
      name: "preview cps",
      settings: { dialMethod: "preview", callsPerSecond: 0.2 },
      contacts: [{ phone: "+14155554001" }, { phone: "+14155554002" }, { phone: "+14155554003" }],
      agents: ["Ann", "Bob", "Cy"],
    });
    for (const id of agents) {
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    }
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    for (const id of agents) {
      const next = await post(`/v1/agents/${id}/preview/next`);
      assert.equal(next.statusCode, 200, next.body);
      assert.ok(next.json().contact, "each agent is offered a contact");
    }
    const dialed = () => f.engine.dispatcher.stats.originated;
    const before = dialed();
    for (const id of agents.slice(0, 2)) {
      assert.equal((await post(`/v1/agents/${id}/preview/dial`)).statusCode, 200);
    }
    assert.equal(dialed(), before + 1, "the first dial goes at once, the second waits for its slot");
    await f.clock.run({ until: f.clock.now() + 4_000 });
    assert.equal(dialed(), before + 1, "still within 5 s of the first");
    // Cy dials too, then thinks better of it while the dial waits: nothing is dialed for it.
    assert.equal((await post(`/v1/agents/${agents[2]}/preview/dial`)).statusCode, 200);
    const skip = await post(`/v1/agents/${agents[2]}/preview/skip`);
    assert.equal(skip.statusCode, 200, skip.body);
    assert.equal(state(agents[2]), "ready");
    await advanceUntil(() => dialed() === before + 2, 500, 10);
    await f.clock.run({ until: f.clock.now() + 20_000 });
    assert.equal(dialed(), before + 2, "the skipped dial never went out");
    for (const id of agents) await post(`/v1/agents/${id}/logout`);
  });

  test("previews taken at different times and dialed together are dialed one slot apart", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview cps later",
      settings: { dialMethod: "preview", callsPerSecond: 0.2 },
      contacts: [{ phone: "+14155554011" }, { phone: "+14155554012" }],
      agents: ["Dee", "Eli"],
    });
    for (const id of agentIds) {
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    }
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const dialed = () => f.engine.dispatcher.stats.originated;
    assert.ok((await post(`/v1/agents/${agentIds[0]}/preview/next`)).json().contact);
    await f.clock.run({ until: f.clock.now() + 10_000 });
    assert.ok((await post(`/v1/agents/${agentIds[1]}/preview/next`)).json().contact);
    await f.clock.run({ until: f.clock.now() + 60_000 });
    const before = dialed();
    for (const id of agentIds) {
      assert.equal((await post(`/v1/agents/${id}/preview/dial`)).statusCode, 200);
    }
    assert.equal(dialed(), before + 1, "the second waits for the next slot");
    await advanceUntil(() => dialed() === before + 2, 500, 12);
  });
});
