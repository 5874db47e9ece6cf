// An agent usually picks a call's result while still talking. That disposition must count once the call
// ends: the agent's next call then displaces it as "the last call" (LiveAgent.lastDisposed). It was only
// marked when the disposed call was already the agent's last call, which during the call it never is, so
// once the call ended it read as undisposed. Then, in preview, the result of a next call nobody answered,
// sent without attemptId, overwrote the earlier call's sale (and told subscribers a second
// attempt.disposed); in progressive, a result for the next call within its first 10 s was refused 409
// disposition_ambiguous, as if the call before still had none.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("a disposition set during the call", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);
  const scenario = (ringSec: number) =>
    JSON.stringify({
      outcomes: { human: 1 },
      talkSec: { kind: "fixed", value: 3600 },
      ringSec: { kind: "fixed", value: ringSec },
    });

  test("preview: the result of a next call nobody answered does not overwrite it", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview, disposed while talking",
      settings: { scenario: scenario(20), dialMethod: "preview", wrapUpSec: 5 },
      contacts: [{ phone: "+14155557201" }, { phone: "+14155557202" }],
      agents: ["Bea"],
    });
    const [bea] = agentIds;
    const hook = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "https://example.com/h", campaignId, events: ["attempt.disposed"] },
    });
    assert.equal(hook.statusCode, 201, hook.body);
    assert.equal((await post(`/v1/agents/${bea}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);

    const first = (await post(`/v1/agents/${bea}/preview/next`)).json().contact.attempt_id as number;
    assert.equal((await post(`/v1/agents/${bea}/preview/dial`)).statusCode, 200);
    await advanceUntil(() => state(bea) === "on_call", 500, 200);
    const sale = await post(`/v1/agents/${bea}/disposition`, { disposition: "sale" });
    assert.equal(sale.statusCode, 200, sale.body);
    assert.equal(sale.json().attempt_id, first);
    assert.equal((await post(`/v1/agents/${bea}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(bea) === "ready", 1000, 20);

    // The next one rings 20 s; after 3 s Bea hangs up and records that nobody answered.
    const second = (await post(`/v1/agents/${bea}/preview/next`)).json().contact.attempt_id as number;
    assert.equal((await post(`/v1/agents/${bea}/preview/dial`)).statusCode, 200);
    const live = () => f.engine.dispatcher.liveCalls.get(String(second));
    await advanceUntil(() => live()?.originated === true, 200, 50);
    await f.clock.run({ until: f.clock.now() + 3000 });
    assert.equal(state(bea), "reserved");
    assert.equal((await post(`/v1/agents/${bea}/hangup`)).statusCode, 200);
    await advanceUntil(() => live() === undefined, 200, 50);
    const noAnswer = await post(`/v1/agents/${bea}/disposition`, { disposition: "no_answer" });
    assert.equal(noAnswer.statusCode, 200, noAnswer.body);
    assert.equal(noAnswer.json().attempt_id, second);

    await f.engine.dispatcher.flush();
    const rows = await attempts(campaignId);
    assert.deepEqual(
      rows.map((a) => [Number(a.id), a.disposition]),
      [
        [first, "sale"],
        [second, "no_answer"],
      ],
    );
    const told = await f.store.db
      .selectFrom("webhook_deliveries")
      .select("payload")
      .where("webhook_id", "=", hook.json().id)
      .orderBy("id")
      .execute();
    assert.deepEqual(
      told.map((r) => JSON.parse(r.payload).data.disposition),
      ["sale", "no_answer"],
    );
  });

  test("progressive: the next call's result without attemptId is not refused as ambiguous", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "progressive, disposed while talking",
      settings: { scenario: scenario(3), dialMethod: "progressive", wrapUpSec: 0 },
      contacts: [{ phone: "+14155557301" }, { phone: "+14155557302" }],
      agents: ["Cy"],
    });
    const [cy] = agentIds;
    const callOf = () => Number(f.engine.board.get(cy)?.callId);
    assert.equal((await post(`/v1/agents/${cy}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(cy) === "on_call", 500, 200);
    const first = callOf();
    const sale = await post(`/v1/agents/${cy}/disposition`, { disposition: "sale" });
    assert.equal(sale.statusCode, 200, sale.body);
    assert.equal(sale.json().attempt_id, first);
    assert.equal((await post(`/v1/agents/${cy}/hangup`)).statusCode, 200);

    // No wrap-up: the next person is put through a few seconds later, well within the 10 s in which a
    // result without attemptId may be meant for the call before (when that one has none).
    await advanceUntil(() => state(cy) === "on_call" && callOf() !== first, 500, 200);
    const second = callOf();
    const interested = await post(`/v1/agents/${cy}/disposition`, { disposition: "interested" });
    assert.equal(interested.statusCode, 200, interested.body);
    assert.equal(interested.json().attempt_id, second);
    assert.equal(f.engine.board.get(cy)?.lastAttemptId, first);
  });
});
