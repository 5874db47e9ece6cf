// An agent renamed (PATCH /v1/agents/{id}) while logged in kept its old name in its live state (GET
// /v1/agents/{id}/state, the desktop's and the wallboard's state events) until it logged out and in again,
// while GET /v1/agents/{id} showed the new one: the board took the name at login and the change the PATCH
// tells the engine of refreshed only penalties and places. It now refreshes the name too, and tells the
// desktop and the wallboards with a state event.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentEvent } from "../../src/engine/agents/board.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("an agent renamed while logged in", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state } = agentShorthands(() => f);

  test("shows the new name in its live state and in a state event, staying logged in as it was", async () => {
    const {
      campaignId,
      agentIds: [bob],
    } = await agentCampaign(f, {
      name: "rename",
      settings: { dialMethod: "progressive" },
      contacts: [],
      agents: ["Bob"],
    });
    const login = await post(`/v1/agents/${bob}/login`, { campaignId });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().name, "Bob");
    const seen: AgentEvent[] = [];
    const unsubscribe = f.engine.agents.subscribeAccount(f.accountId, (e) => seen.push(e));
    try {
      const patch = await f.call({ method: "PATCH", url: `/v1/agents/${bob}`, payload: { name: "Robert" } });
      assert.equal(patch.statusCode, 200, patch.body);
      assert.equal(patch.json().name, "Robert");
    } finally {
      unsubscribe();
    }
    const live = await f.call({ method: "GET", url: `/v1/agents/${bob}/state` });
    assert.equal(live.statusCode, 200, live.body);
    assert.equal(live.json().name, "Robert", `the live state still names the agent ${live.json().name}`);
    assert.equal(live.json().state, "ready");
    assert.equal(state(bob), "ready");
    const named = seen.flatMap((e) => (e.type === "state" ? [e.agent] : []));
    assert.deepEqual(
      named.map((s) => [s.agentId, s.name, s.state]),
      [[bob, "Robert", "ready"]],
      "one state event, naming the agent anew",
    );
  });
});
