// maxConcurrent is the trunk-side cap for agent dials too: a preview campaign hands out no more contacts
// than it may have calls at once (a card on an agent's screen holds its place, as a claimed dial does in
// a pass), and answers 409 concurrency_saturated until one ends. Simulated agents previewing for ten
// minutes never have more calls up than the cap.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

describe("a preview campaign's maxConcurrent", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const { post, state, advanceUntil } = agentShorthands(() => f);

  test("a third agent gets no card while two calls are up or on screens; one ending lets it", async () => {
    const { campaignId, agentIds: agents } = await agentCampaign(f, {
      name: "preview cap",
      settings: { dialMethod: "preview", maxConcurrent: 2, wrapUpSec: 1 },
      contacts: [{ phone: "+14155554101" }, { phone: "+14155554102" }, { phone: "+14155554103" }],
      agents: ["Ann", "Bob", "Cy"],
    });
    const [ann, bob, cy] = agents;
    for (const id of agents)
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    assert.equal((await post(`/v1/agents/${ann}/preview/next`)).statusCode, 200);
    assert.equal((await post(`/v1/agents/${bob}/preview/next`)).statusCode, 200);
    const third = await post(`/v1/agents/${cy}/preview/next`);
    assert.equal(third.statusCode, 409, third.body);
    assert.equal(errorOf(third).code, "concurrency_saturated");
    // Ann dials and hangs up: her line is free again, and Cy gets a card.
    assert.equal((await post(`/v1/agents/${ann}/preview/dial`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call", 500, 200);
    assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    const later = await post(`/v1/agents/${cy}/preview/next`);
    assert.equal(later.statusCode, 200, later.body);
  });

  test("agents asking at the same moment, with a claim that takes a while, get one card between them", async () => {
    const { campaignId, agentIds: agents } = await agentCampaign(f, {
      name: "preview cap race",
      settings: { dialMethod: "preview", maxConcurrent: 1, wrapUpSec: 1 },
      contacts: [{ phone: "+14155554201" }, { phone: "+14155554202" }, { phone: "+14155554203" }],
      agents: ["Di", "Ed", "Flo"],
    });
    for (const id of agents) {
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    }
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    // A claim that takes a few ms, as a PostgreSQL round trip does (SQLite answers within the same tick).
    const dispatch = (
      f.engine.dispatcher as unknown as { o: { dispatch: { claim: (r: unknown) => Promise<unknown> } } }
    ).o.dispatch;
    const claim = dispatch.claim.bind(dispatch);
    dispatch.claim = async (r: unknown) => {
      await new Promise((ok) => setTimeout(ok, 5));
      return claim(r);
    };
    try {
      const answers = await Promise.all(agents.map((id) => post(`/v1/agents/${id}/preview/next`)));
      const codes = answers.map((a) => a.statusCode).sort();
      assert.deepEqual(codes, [200, 409, 409], "one card; the others told the lines are taken");
    } finally {
      dispatch.claim = claim;
    }
  });
});

test("simulated preview agents never have more calls up than maxConcurrent", async () => {
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 14, 0, 0),
    seed: 1,
    scenario: { outcomes: { human: 1 }, ringSec: 5, talkSec: 3600 },
    maintenanceMs: 60_000,
  });
  try {
    const id = await h.campaign(
      { dialMethod: "preview", maxConcurrent: 1, wrapUpSec: 5, maxAttemptsPerContact: 1 },
      Array.from({ length: 30 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
    );
    const agents = await queueAgents(h, id, 3);
    await simulatedAgents(h, { talkSec: 60, wrapSec: 2, previewSec: 1, seed: 1 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    let peak = 0;
    for (let s = 0; s < 600; s++) {
      await h.clock.run({ until: h.clock.now() + 1000, stop: () => false });
      const up = [...h.engine.dispatcher.liveCalls.values()].filter((c) => c.originated).length;
      peak = Math.max(peak, up);
    }
    assert.equal(peak, 1, `calls up at once: ${peak}, maxConcurrent 1`);
    assert.ok((await h.attempts(id)).length >= 5, "the agents kept calling, one at a time");
  } finally {
    await h.close();
  }
});
