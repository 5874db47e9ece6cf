// Callbacks and the preview desk end to end over the API: a call that earned a callback earns no second
// one once it was made (a re-sent disposition reopened a sale for a third call: 409 callback_made now);
// two agents asking for the only preview at once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentEvent } from "../../src/engine/agents/board.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("agents-3", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);
  const contactRow = (id: number) =>
    f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  test("a callback set again from the same call after it was made does not grant another call", async () => {
    const {
      campaignId,
      contactIds: [contactId],
      agentIds: [ann, bob],
    } = await agentCampaign(f, {
      name: "again",
      settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 5 },
      contacts: [{ phone: "+14155553201" }],
      agents: ["Ann again", "Bob again"],
    });
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    await post(`/v1/agents/${ann}/hangup`);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    const first = (await attempts(campaignId))[0];
    const at = new Date(f.clock.now() + 60_000).toISOString();
    const cb = await post(`/v1/agents/${ann}/disposition`, { disposition: "call back", callbackAt: at });
    assert.equal(cb.statusCode, 200, cb.body);
    // Ann pauses; Bob makes the callback call.
    assert.equal((await post(`/v1/agents/${ann}/pause`, { reason: "coffee" })).statusCode, 200);
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    await advanceUntil(() => state(bob) === "on_call", 1000, 200);
    await post(`/v1/agents/${bob}/hangup`);
    await advanceUntil(() => state(bob) === "wrap_up", 100, 50);
    await f.engine.dispatcher.flush();
    const sale = await post(`/v1/agents/${bob}/disposition`, { disposition: "sale" });
    assert.equal(sale.statusCode, 200, sale.body);
    assert.equal((await contactRow(contactId)).status, "succeeded");
    assert.equal((await attempts(campaignId)).length, 2);
    // Ann's desktop re-sends her callback of call 1 (a retry, or a second desktop): one call, one callback.
    const again = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: new Date(f.clock.now() + 60_000).toISOString(),
      attemptId: Number(first.id),
    });
    await post(`/v1/agents/${bob}/ready`);
    await f.clock.run({ until: f.clock.now() + 5 * 60_000 });
    await f.engine.dispatcher.flush();
    const all = await attempts(campaignId);
    assert.equal(
      all.length,
      2,
      `call 1's callback was already made; re-sent (answer ${again.statusCode}), it made call ${all.length} under maxAttemptsPerContact=1`,
    );
  });

  test("two agents asking for the next preview at once: one gets the only contact, the other is ready", async () => {
    const {
      campaignId,
      contactIds: [contactId],
      agentIds: [ann, bob],
    } = await agentCampaign(f, {
      name: "race",
      settings: { dialMethod: "preview", maxAttemptsPerContact: 1 },
      contacts: [{ phone: "+14155553202" }],
      agents: ["Ann race", "Bob race"],
    });
    const events: AgentEvent[] = [];
    const s1 = f.engine.board.subscribe(ann, (e) => events.push(e));
    const s2 = f.engine.board.subscribe(bob, (e) => events.push(e));
    for (const id of [ann, bob])
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const [a, b] = await Promise.all([
      post(`/v1/agents/${ann}/preview/next`),
      post(`/v1/agents/${bob}/preview/next`),
    ]);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(b.statusCode, 200, b.body);
    const got = [a.json().contact, b.json().contact].filter((c) => c);
    assert.equal(got.length, 1, `${a.body} / ${b.body}`);
    const winner = a.json().contact ? ann : bob;
    const loser = winner === ann ? bob : ann;
    assert.equal(state(winner), "reserved");
    assert.equal(state(loser), "ready");
    assert.equal(events.filter((e) => e.type === "offer").length, 1);
    // Skip: the winner is ready again and its desktop hears it.
    const skip = await post(`/v1/agents/${winner}/preview/skip`);
    assert.equal(skip.statusCode, 200, skip.body);
    assert.equal(state(winner), "ready");
    const last = events.filter((e) => e.type === "state").at(-1) as Extract<AgentEvent, { type: "state" }>;
    assert.equal((last.agent as { state: string }).state, "ready");
    assert.equal((await contactRow(contactId)).status, "pending");
    s1();
    s2();
  });
});
