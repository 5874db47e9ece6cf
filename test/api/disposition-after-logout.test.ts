// A logout is accepted in wrap-up (and a restart logs everyone out), but the call's result must not go with
// the session: a logged-out agent may still set the disposition of an ended call put through to it, named
// by attemptId; not of another agent's call, nor without naming it, nor a callback held for itself.
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

  test("of its own ended call by attemptId: recorded; without attemptId, or another's call: refused", async () => {
    const {
      campaignId,
      agentIds: [lo, mo],
    } = await agentCampaign(f, {
      name: "logout in wrap-up",
      settings: { dialMethod: "progressive", wrapUpSec: 600 },
      contacts: [{ phone: "+12125551234" }],
      agents: ["Lo", "Mo"],
    });
    assert.equal((await post(`/v1/agents/${lo}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(lo) === "on_call");
    assert.equal((await post(`/v1/agents/${lo}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(lo) === "wrap_up", 100, 50);
    const [call] = await attempts(campaignId);
    assert.equal((await post(`/v1/agents/${lo}/logout`)).statusCode, 200);

    const unnamed = await post(`/v1/agents/${lo}/disposition`, { disposition: "sale" });
    assert.equal(unnamed.statusCode, 409, unnamed.body);
    assert.equal(errorOf(unnamed).code, "logged_out");
    const notMo = await post(`/v1/agents/${mo}/disposition`, {
      disposition: "sale",
      attemptId: Number(call.id),
    });
    assert.equal(notMo.statusCode, 409, notMo.body);
    assert.equal(errorOf(notMo).code, "logged_out");
    const personal = await post(`/v1/agents/${lo}/disposition`, {
      disposition: "call back",
      attemptId: Number(call.id),
      callbackAt: new Date(f.clock.now() + 3_600_000).toISOString(),
      callbackPersonal: true,
    });
    assert.equal(personal.statusCode, 409, personal.body);

    const named = await post(`/v1/agents/${lo}/disposition`, {
      disposition: "sale",
      attemptId: Number(call.id),
    });
    assert.equal(named.statusCode, 200, named.body);
    assert.equal(named.json().attempt_id, Number(call.id));
    const [after] = await attempts(campaignId);
    assert.equal(after.disposition, "sale");
    assert.equal(after.disposed_by, lo);
  });
});
