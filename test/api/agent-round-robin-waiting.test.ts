// round_robin remembers where it left off (README, Dialing for agents): the memory is the queue place of
// the agent served last. It was moved only when AgentBoard.select() chose an agent, not when a person
// waiting for one was put through to an agent the moment it became ready (AgentDialing.agentReady). Here
// B takes a waiting person after A, B, C were served in turn; the next person, with A and C ready, must go
// to C (after B), not to A (after C, the last one select() chose).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, insertContacts } from "./helpers.ts";

describe("round robin after a waiting person", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());
  const { post, state, advanceUntil } = agentShorthands(() => f);

  test("the agent a waiting person is put through to is the one the rotation goes on from", async () => {
    const { campaignId, listId, agentIds } = await agentCampaign(f, {
      name: "round robin",
      settings: {
        scenario: JSON.stringify({
          outcomes: { human: 1 },
          talkSec: { kind: "fixed", value: 3600 },
          ringSec: { kind: "fixed", value: 3 },
        }),
        dialMethod: "power",
        powerRatio: 2,
        abandonAfterSec: 60,
        wrapUpSec: 0,
        agentSelection: "round_robin",
      },
      contacts: ["+14155557501", "+14155557502", "+14155557503", "+14155557504"].map((phone) => ({ phone })),
      agents: ["A", "B", "C"],
    });
    const [a, b, c] = agentIds;
    const callOf = (id: number) => f.engine.board.get(id)?.callId ?? null;
    const someoneWaits = () =>
      [...f.engine.dispatcher.liveCalls.values()].some((x) => x.waitingSince !== null);
    for (const id of agentIds)
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    // Four lines for three agents: A, B and C are served in turn, the fourth person waits.
    await advanceUntil(() => agentIds.every((id) => state(id) === "on_call") && someoneWaits(), 200, 200);

    // No wrap-up: B is ready the moment it hangs up, and takes the person waiting.
    const bFirst = callOf(b);
    assert.equal((await post(`/v1/agents/${b}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(b) === "on_call" && callOf(b) !== bFirst, 100, 50);

    // Two more people; A and C hang up together, so both are ready when the next person answers.
    await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
      { phones: JSON.stringify(["+14155557505"]), custom: "{}" },
      { phones: JSON.stringify(["+14155557506"]), custom: "{}" },
    ]);
    f.engine.dispatcher.invalidateWaiting();
    const earlier = new Map([a, c].map((id) => [id, callOf(id)]));
    const served: number[] = [];
    const unsubscribe = f.engine.board.subscribeAccount(f.accountId, (e) => {
      if (e.type !== "call") return;
      for (const id of [a, c]) if (callOf(id) === String(e.contact.attemptId)) served.push(id);
    });
    try {
      assert.equal((await post(`/v1/agents/${a}/hangup`)).statusCode, 200);
      assert.equal((await post(`/v1/agents/${c}/hangup`)).statusCode, 200);
      assert.deepEqual([state(a), state(c)], ["ready", "ready"]);
      await advanceUntil(
        () => [a, c].every((id) => state(id) === "on_call" && callOf(id) !== earlier.get(id)),
        100,
        100,
      );
    } finally {
      unsubscribe();
    }
    assert.deepEqual(served, [c, a], `served in turn: ${served} (A=${a}, C=${c})`);
  });
});
