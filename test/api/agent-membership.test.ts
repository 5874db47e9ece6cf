// Queue changes reach agents who are logged in: a member keeps working with its new penalty; an agent taken
// out of the campaign's queue logs out at once when idle, and after its call and wrap-up when busy (it can
// still set the disposition of that call).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../helpers/child.ts";
import {
  type ApiFixture,
  agentCampaign,
  agentShorthands,
  apiFixture,
  createCampaignViaApi,
} from "./helpers.ts";

describe("queue changes and logged-in agents", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const { post, state, advanceUntil } = agentShorthands(() => f);

  test("removed while on a call: logs out after wrap-up; removed while idle: at once; penalties follow", async () => {
    const { campaignId, agentIds: ids } = await agentCampaign(f, {
      name: "membership",
      settings: { dialMethod: "progressive", wrapUpSec: 10 },
      contacts: Array.from({ length: 40 }, (_, i) => ({ phone: `+1415555${4000 + i}` })),
      agents: ["Ada", "Bo", "Cy"],
    });
    const [ada, bo, cy] = ids;
    const setQueue = async (members: { agentId: number; penalty: number }[]) => {
      const res = await f.call({
        method: "PUT",
        url: `/v1/campaigns/${campaignId}/agents`,
        payload: { agents: members },
      });
      assert.equal(res.statusCode, 200, res.body);
    };
    for (const id of ids)
      assert.equal((await post(`/v1/agents/${id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/agents/${cy}/pause`, { reason: "training" })).json().state, "paused");
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ada) === "on_call" && state(bo) === "on_call");

    // Bo and Cy leave the queue; Ada's penalty changes.
    await setQueue([{ agentId: ada, penalty: 3 }]);
    await waitFor("Cy (paused) logged out", () => state(cy) === "logged_out", 5000);
    assert.equal(state(bo), "on_call", "a call in progress is not cut");
    assert.equal(f.engine.board.get(ada)?.penalty, 3);

    assert.equal((await post(`/v1/agents/${bo}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(bo) === "wrap_up", 100, 50);
    const disp = await post(`/v1/agents/${bo}/disposition`, { disposition: "done" });
    assert.equal(disp.statusCode, 200, "the leaving agent still disposes of its last call");
    await advanceUntil(() => state(bo) !== "wrap_up");
    assert.equal(state(bo), "logged_out", "after wrap-up the removed agent is logged out, not ready");
    const login = await post(`/v1/agents/${bo}/login`, { campaignId });
    assert.equal(login.statusCode, 409);
    assert.equal(login.json().error.code, "not_in_queue");

    // Ada keeps taking calls; Bo takes no call after it left.
    const callsBefore = f.engine.board.get(ada)?.callsTaken ?? 0;
    await f.clock.run({ until: f.clock.now() + 30 * 60_000 });
    assert.ok((f.engine.board.get(ada)?.callsTaken ?? 0) > callsBefore);
    const bosCalls = await f.store.db
      .selectFrom("attempts")
      .select("id")
      .where("campaign_id", "=", campaignId)
      .where("agent_id", "=", bo)
      .execute();
    assert.equal(bosCalls.length, 1);
  });
  test("a campaign switched to another named queue logs out the agents only the old one brought", async () => {
    const queue = async (name: string, agentId: number) => {
      const q = (await post("/v1/queues", { name })).json() as { id: number };
      const put = await f.call({
        method: "PUT",
        url: `/v1/queues/${q.id}/members`,
        payload: { agents: [{ agentId, penalty: 0 }] },
      });
      assert.equal(put.statusCode, 200, put.body);
      return q.id;
    };
    const dee = (await post("/v1/agents", { name: "Dee" })).json().id as number;
    const eli = (await post("/v1/agents", { name: "Eli" })).json().id as number;
    const first = await queue("first", dee);
    const second = await queue("second", eli);
    const { id: campaignId } = await createCampaignViaApi(f, {
      name: "switch",
      settings: { dialMethod: "progressive", queueId: first },
    });
    assert.equal((await post(`/v1/agents/${dee}/login`, { campaignId })).json().state, "ready");
    const patch = await f.call({
      method: "PATCH",
      url: `/v1/campaigns/${campaignId}`,
      payload: { settings: { queueId: second } },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    await waitFor("Dee logged out", () => state(dee) === "logged_out", 5000);
    assert.equal((await post(`/v1/agents/${eli}/login`, { campaignId })).json().state, "ready");
  });
});
