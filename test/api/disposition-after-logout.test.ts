// A logout is accepted in wrap-up (and a restart logs everyone out), but the call's result must not go with
// the session: the last call put through to the agent, ended without a disposition, may still get one,
// by attemptId, logged out or logged in again; not another of its calls, nor another agent's, nor unnamed,
// nor a callback held for itself while logged out.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

describe("a disposition after the agent logged out", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  test("of its last call by attemptId: recorded, logged out or in again; not another call, nor unnamed", async () => {
    const {
      campaignId,
      agentIds: [lo, mo],
    } = await agentCampaign(f, {
      name: "logout in wrap-up",
      settings: { dialMethod: "progressive", wrapUpSec: 600 },
      contacts: [{ phone: "+12125551234" }, { phone: "+12125551235" }, { phone: "+12125551236" }],
      agents: ["Lo", "Mo"],
    });
    assert.equal((await post(`/v1/agents/${lo}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const takeCall = async () => {
      await advanceUntil(() => state(lo) === "on_call");
      assert.equal((await post(`/v1/agents/${lo}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(lo) === "wrap_up", 100, 50);
      const rows = await attempts(campaignId);
      return Number(rows[rows.length - 1].id);
    };
    const first = await takeCall();
    assert.equal((await post(`/v1/agents/${lo}/disposition`, { disposition: "no" })).statusCode, 200);
    assert.equal((await post(`/v1/agents/${lo}/ready`)).statusCode, 200);
    const second = await takeCall();
    assert.equal((await post(`/v1/agents/${lo}/logout`)).statusCode, 200);

    const dispose = (agentId: number, body: Record<string, unknown>) =>
      post(`/v1/agents/${agentId}/disposition`, { disposition: "sale", ...body });
    for (const [who, body] of [
      [lo, {}], // unnamed
      [lo, { attemptId: first }], // not its last call (and disposed already)
      [mo, { attemptId: second }], // another agent's call
    ] as const) {
      const res = await dispose(who, body);
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(errorOf(res).code, "logged_out");
    }
    const personal = await dispose(lo, {
      attemptId: second,
      callbackAt: new Date(f.clock.now() + 3_600_000).toISOString(),
      callbackPersonal: true,
    });
    assert.equal(personal.statusCode, 409, personal.body);

    // Logged in again (a desktop after a restart), the call is still its to set.
    assert.equal((await post(`/v1/agents/${lo}/login`, { campaignId })).statusCode, 200);
    const named = await dispose(lo, { attemptId: second });
    assert.equal(named.statusCode, 200, named.body);
    assert.equal(named.json().attempt_id, second);
    const byId = new Map((await attempts(campaignId)).map((a) => [Number(a.id), a]));
    assert.equal(byId.get(second)?.disposition, "sale");
    assert.equal(byId.get(second)?.disposed_by, lo);
    assert.equal(byId.get(first)?.disposition, "no");
  });
});
