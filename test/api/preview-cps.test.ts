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

  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

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

  test("an attempt starts when it is dialed, not when its preview began", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview start times",
      settings: { dialMethod: "preview", callsPerSecond: 0.2 },
      contacts: [{ phone: "+14155554021" }, { phone: "+14155554022" }],
      agents: ["Fay", "Gus"],
    });
    for (const id of agentIds) {
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    }
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const offered: number[] = [];
    for (const id of agentIds) {
      const next = (await post(`/v1/agents/${id}/preview/next`)).json();
      offered.push(next.contact.contact_id);
    }
    const previewedAt = f.clock.now();
    await f.clock.run({ until: previewedAt + 45_000 });
    const dialAt = f.clock.now();
    for (const id of agentIds) {
      assert.equal((await post(`/v1/agents/${id}/preview/dial`)).statusCode, 200);
    }
    let rows = await attempts(campaignId);
    for (let i = 0; i < 900 && !(rows.length === 2 && rows.every((r) => r.ended_at !== null)); i++) {
      await f.clock.run({ until: f.clock.now() + 1_000 });
      rows = await attempts(campaignId);
    }
    assert.equal(rows.length, 2);
    const starts = rows.map((r) => Number(r.started_at)).sort((a, b) => a - b);
    // The first goes out at the dial, the second in the next slot 5 s on; nothing at the preview.
    assert.deepEqual(starts, [dialAt, dialAt + 5_000]);
    for (const r of rows) {
      assert.notEqual(r.ended_at, null, "the calls are over");
      const contact = (await f.call({ method: "GET", url: `/v1/contacts/${r.contact_id}` })).json();
      assert.equal(contact.last_attempt_at, new Date(Number(r.started_at)).toISOString());
      assert.ok(Number(r.started_at) <= Number(r.answered_at ?? r.ended_at));
    }
    assert.deepEqual(rows.map((r) => Number(r.contact_id)).sort(), [...offered].sort());
    for (const id of agentIds) await post(`/v1/agents/${id}/logout`);
  });
});
