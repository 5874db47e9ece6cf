// A logout (or a queue change) arriving while a preview's give-back writes: it found no preview (the call is
// out of liveCalls during the write), logged the agent out at once, and when the write then failed the call
// was put back with nobody behind it: counted in the campaign's inFlight and claimed in the store for good
// (review35 of 8ef7b89). The logout now joins the give-back under way, and fails with it; tried again, it
// gives the preview back and logs out.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("a logout during a preview give-back that then fails", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state } = agentShorthands(() => f);

  test("leaves no live call behind a logged-out agent", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview skip logout race",
      settings: { dialMethod: "preview", wrapUpSec: 5 },
      contacts: [{ phone: "+14155557501" }, { phone: "+14155557502" }],
      agents: ["Dee"],
    });
    const [dee] = agentIds;
    assert.equal((await post(`/v1/agents/${dee}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const next = await post(`/v1/agents/${dee}/preview/next`);
    assert.equal(next.statusCode, 200, next.body);
    assert.equal(state(dee), "reserved");
    const callId = f.engine.board.get(dee)?.callId as string;

    // The skip's write is slow, then fails (a database struggling); later writes go through.
    const dispatch = f.engine.dispatch as unknown as { release: (...a: unknown[]) => Promise<unknown> };
    const real = dispatch.release.bind(dispatch);
    let failNext = true;
    let fail!: () => void;
    dispatch.release = (...a: unknown[]) => {
      if (failNext) {
        failNext = false;
        return new Promise((_, reject) => {
          fail = () => reject(new Error("database is locked"));
        });
      }
      return real(...a);
    };
    const skip = post(`/v1/agents/${dee}/preview/skip`);
    await new Promise((r) => setTimeout(r, 50));
    const logout = post(`/v1/agents/${dee}/logout`);
    await new Promise((r) => setTimeout(r, 50));
    fail();
    const [skipped, loggedOut] = await Promise.all([skip, logout]);
    assert.equal(skipped.statusCode, 500, skipped.body);
    assert.equal(
      loggedOut.statusCode,
      500,
      `the logout fails with the give-back it joined: ${loggedOut.body}`,
    );
    assert.equal(state(dee), "reserved", "the preview is still the agent's");
    assert.ok(f.engine.dispatcher.liveCalls.has(callId));

    const again = await post(`/v1/agents/${dee}/logout`);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(state(dee), "logged_out");
    assert.equal(f.engine.dispatcher.liveCalls.has(callId), false);
    assert.equal(f.engine.dispatcher.campaigns.get(campaignId)?.inFlight, 0);
  });
});
