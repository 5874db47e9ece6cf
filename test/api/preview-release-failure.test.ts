// A preview's give-back (a skip, a logout, a membership change) whose store write fails: the agent was left
// "reserved" for good with no call behind it (releaseReserved forgot the call before the write, and made the
// agent ready only after it): skip and dial answered "no previewed contact", ready and pause "reserved",
// and only a logout got it out (agents9). The preview now stays with its agent, so the skip can be retried.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("a failed give-back of a preview", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state } = agentShorthands(() => f);

  test("leaves the agent neither reserved with nothing nor unable to recover without logging out", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview skip fail",
      settings: { dialMethod: "preview", wrapUpSec: 5 },
      contacts: [{ phone: "+14155557401" }, { phone: "+14155557402" }],
      agents: ["Dee"],
    });
    const [dee] = agentIds;
    assert.equal((await post(`/v1/agents/${dee}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const next = await post(`/v1/agents/${dee}/preview/next`);
    assert.equal(next.statusCode, 200, next.body);
    assert.equal(state(dee), "reserved");

    // One transient database failure on the give-back's write.
    const dispatch = f.engine.dispatch as unknown as { release: (...a: unknown[]) => Promise<unknown> };
    const real = dispatch.release.bind(dispatch);
    let failures = 1;
    dispatch.release = async (...a: unknown[]) => {
      if (failures-- > 0) throw new Error("database is locked");
      return real(...a);
    };
    const skip = await post(`/v1/agents/${dee}/preview/skip`);
    assert.equal(skip.statusCode, 500, skip.body);

    // After the failure the agent must be able to go on: retry the skip (preview still there), or be ready.
    const s = state(dee);
    const heldCall = f.engine.board.get(dee)?.callId ?? null;
    const stillPreviewed = heldCall !== null && f.engine.dispatcher.liveCalls.has(heldCall);
    const retry = await post(`/v1/agents/${dee}/preview/skip`);
    const ready = await post(`/v1/agents/${dee}/ready`);
    assert.ok(
      s === "reserved" && stillPreviewed && retry.statusCode === 200 && ready.statusCode !== 409,
      `agent left ${s} holding call ${heldCall} (in liveCalls: ${stillPreviewed}); retry skip: ${retry.statusCode} ${retry.body}; ready: ${ready.statusCode} ${ready.body}`,
    );
  });
});
