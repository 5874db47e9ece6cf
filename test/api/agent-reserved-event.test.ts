// The `state` event announcing "reserved" (a preview offer, or a personal callback being dialed) carries the
// attempt, as GET /state does: the desk sets the agent's call before it moves the agent to reserved.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentEvent } from "../../src/engine/agents/board.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("reserved state event", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post } = agentShorthands(() => f);

  test("preview: the state event for 'reserved' names the offered attempt", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "pv",
      settings: { dialMethod: "preview" },
      contacts: [{ phone: "+14155558001" }],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    await post(`/v1/agents/${ann}/login`, { campaignId });
    await post(`/v1/campaigns/${campaignId}/start`);
    const events: AgentEvent[] = [];
    const stop = f.engine.agents.watch(ann, (e) => events.push(e));
    const next = await post(`/v1/agents/${ann}/preview/next`);
    stop();
    const offered = next.json().contact.attempt_id;
    const reserved = events.find((e) => e.type === "state" && e.agent.state === "reserved");
    const st = (await f.call({ method: "GET", url: `/v1/agents/${ann}/state` })).json();
    assert.ok(reserved && reserved.type === "state");
    assert.equal(reserved.agent.attemptId, offered);
    assert.equal(st.attempt_id, offered);
  });
});
