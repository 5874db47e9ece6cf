// A disposition typed in wrap-up may arrive just after the wrap-up ran out and the next waiting person was
// put through. Without attemptId it is then ambiguous: it is refused (409 disposition_ambiguous, naming
// both calls) rather than filed on the new call; with attemptId it goes where it was meant. Once the call
// before has its disposition, or the new call has lasted a while, a disposition without attemptId is the
// new call's, as before. So too while the agent's next call (a preview's) rings: a late result is not
// filed on a call nobody has answered, nor on it once it ended unanswered.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("disposition racing the wrap-up timer", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  test("without attemptId it is refused as ambiguous; with it, it lands on the call in wrap-up", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "race",
      settings: {
        scenario: JSON.stringify({
          outcomes: { human: 1 },
          talkSec: { kind: "fixed", value: 3600 },
          ringSec: { kind: "fixed", value: 3 },
        }),
        dialMethod: "power",
        powerRatio: 2,
        abandonAfterSec: 60,
        wrapUpSec: 40,
        maxConcurrent: 2,
      },
      contacts: [{ phone: "+14155557001" }, { phone: "+14155557002" }],
      agents: ["Ann"],
    });
    const [ann] = agentIds;
    await post(`/v1/agents/${ann}/login`, { campaignId });
    await post(`/v1/campaigns/${campaignId}/start`);
    await advanceUntil(() => state(ann) === "on_call", 100, 600);
    const first = Number(f.engine.board.get(ann)?.callId);
    await post(`/v1/agents/${ann}/hangup`);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    // The second line's person waits for Ann (abandonAfterSec 60) and is put through as wrap-up runs out.
    await advanceUntil(
      () => [...f.engine.dispatcher.liveCalls.values()].some((c) => c.waitingSince !== null),
      100,
      300,
    );
    await f.clock.run({ until: (f.engine.board.get(ann)?.since ?? 0) + 40_000 });
    assert.equal(state(ann), "on_call");
    const second = Number(f.engine.board.get(ann)?.callId);
    assert.notEqual(second, first);

    const guessed = await post(`/v1/agents/${ann}/disposition`, { disposition: "sale" });
    assert.equal(guessed.statusCode, 409, guessed.body);
    assert.equal(guessed.json().error.code, "disposition_ambiguous");
    assert.match(guessed.json().error.message, new RegExp(`call ${second} .*call ${first}`));

    const named = await post(`/v1/agents/${ann}/disposition`, { disposition: "sale", attemptId: first });
    assert.equal(named.statusCode, 200, named.body);
    assert.equal(named.json().attempt_id, first);
    // The call before has its disposition now: one without attemptId is the current call's.
    const current = await post(`/v1/agents/${ann}/disposition`, { disposition: "interested" });
    assert.equal(current.statusCode, 200, current.body);
    assert.equal(current.json().attempt_id, second);
    await f.engine.dispatcher.flush();
    const rows = await attempts(campaignId);
    assert.deepEqual(
      rows
        .filter((a) => a.disposition !== null)
        .map((a) => [Number(a.id), a.disposition])
        .sort(),
      [
        [first, "sale"],
        [second, "interested"],
      ].sort(),
    );
  });

  test("a result sent while the agent's next preview call rings is refused as ambiguous, not filed on it", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "preview ring",
      settings: {
        scenario: JSON.stringify({
          outcomes: { human: 1 },
          talkSec: { kind: "fixed", value: 3600 },
          ringSec: { kind: "fixed", value: 20 },
        }),
        dialMethod: "preview",
        wrapUpSec: 5,
      },
      contacts: [{ phone: "+14155557101" }, { phone: "+14155557102" }],
      agents: ["Bea"],
    });
    const [bea] = agentIds;
    assert.equal((await post(`/v1/agents/${bea}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const next1 = await post(`/v1/agents/${bea}/preview/next`);
    assert.equal(next1.statusCode, 200, next1.body);
    const first = next1.json().contact.attempt_id as number;
    assert.equal((await post(`/v1/agents/${bea}/preview/dial`)).statusCode, 200);
    await advanceUntil(() => state(bea) === "on_call", 500, 200);
    assert.equal((await post(`/v1/agents/${bea}/hangup`)).statusCode, 200);
    // The wrap-up runs out before Bea has typed the result; she previews and dials the next person.
    await advanceUntil(() => state(bea) === "ready", 1000, 20);
    const next2 = await post(`/v1/agents/${bea}/preview/next`);
    assert.equal(next2.statusCode, 200, next2.body);
    const second = next2.json().contact.attempt_id as number;
    assert.equal((await post(`/v1/agents/${bea}/preview/dial`)).statusCode, 200);
    await advanceUntil(() => f.engine.dispatcher.liveCalls.get(String(second))?.originated === true, 200, 50);
    await f.clock.run({ until: f.clock.now() + 3000 });
    assert.equal(state(bea), "reserved", "the second call rings");

    const late = await post(`/v1/agents/${bea}/disposition`, { disposition: "sale" });
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().error.code, "disposition_ambiguous");
    assert.match(late.json().error.message, new RegExp(`dialing call ${second} .*call ${first}`));
    // Bea hangs up the ringing call: nobody was reached on it, so a result without attemptId is still the
    // first call's, not the unanswered one's.
    assert.equal((await post(`/v1/agents/${bea}/hangup`)).statusCode, 200);
    await advanceUntil(() => !f.engine.dispatcher.liveCalls.has(String(second)), 200, 50);
    const after = await post(`/v1/agents/${bea}/disposition`, { disposition: "sale" });
    assert.equal(after.statusCode, 200, after.body);
    assert.equal(after.json().attempt_id, first);
  });
});
