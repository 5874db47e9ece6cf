// A preview's give-back (a skip, a logout, a membership change) whose store write fails: the agent was left
// "reserved" for good with no call behind it (releaseReserved forgot the call before the write, and made the
// agent ready only after it): skip and dial answered "no previewed contact", ready and pause "reserved",
// and only a logout got it out (agents9). The preview now stays with its agent, so the skip can be retried.
// A logout (or a queue change) arriving while that write runs found no preview, logged the agent out at
// once, and when the write then failed the call was put back with nobody behind it: counted in the
// campaign's inFlight and claimed in the store for good (review35 of 8ef7b89). The logout now joins the
// give-back under way, and fails with it; tried again, it gives the preview back and logs out.
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

  /** A preview campaign of two contacts whose one agent, Dee, is previewing the first. */
  async function deePreviewing(name: string, phones: string[]) {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name,
      settings: { dialMethod: "preview", wrapUpSec: 5 },
      contacts: phones.map((phone) => ({ phone })),
      agents: ["Dee"],
    });
    const [dee] = agentIds;
    assert.equal((await post(`/v1/agents/${dee}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const next = await post(`/v1/agents/${dee}/preview/next`);
    assert.equal(next.statusCode, 200, next.body);
    assert.equal(state(dee), "reserved");
    return { campaignId, dee };
  }

  test("leaves the agent neither reserved with nothing nor unable to recover without logging out", async () => {
    const { dee } = await deePreviewing("preview skip fail", ["+14155557401", "+14155557402"]);

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

  test("with a logout during it, leaves no live call behind a logged-out agent", async () => {
    const { campaignId, dee } = await deePreviewing("preview skip logout race", [
      "+14155557501",
      "+14155557502",
    ]);
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
