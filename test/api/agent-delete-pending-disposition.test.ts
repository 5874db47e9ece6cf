// An agent paused out of its wrap-up still owes its last call's result (the desktop shows the call until
// then): deleting it would leave the call without one, since a disposition needs the agent. As for an agent
// on a call or in wrap-up, the delete is refused (409 agent_busy, naming the call) until the result is set,
// or the agent is logged out (a supervisor's deliberate choice to leave it unset). The check and the logout
// that goes with an accepted delete happen in one turn of the event loop (engine/agents/agent-removal.ts),
// so no call reaches the agent between them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { deleteAgent } from "../../src/store/agents.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

for (const dc of dialects())
  describe(`deleting a paused agent whose last call has no result (${dc.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => dc.open());
    });
    after(() => f.close());
    const { post, state, advanceUntil } = agentShorthands(() => f);

    /** Ann takes the campaign's one call, hangs up and pauses in wrap-up with no result set. */
    async function annPausedUndisposed(name: string, phone: string) {
      const {
        campaignId,
        agentIds: [ann],
      } = await agentCampaign(f, {
        name,
        settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 30 },
        contacts: [{ phone }],
        agents: [`Ann ${name}`],
      });
      assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "on_call");
      const attemptId = Number(f.engine.board.get(ann)?.callId);
      assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
      assert.equal((await post(`/v1/agents/${ann}/pause`, { reason: "break" })).statusCode, 200);
      return { ann, attemptId };
    }
    const remove = (agentId: number) => f.call({ method: "DELETE", url: `/v1/agents/${agentId}` });

    test("is refused until the result is set; then it goes through and the agent is logged out", async () => {
      const { ann, attemptId } = await annPausedUndisposed("set", "+14155553701");
      const refused = await remove(ann);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(errorOf(refused).code, "agent_busy");
      assert.match(errorOf(refused).message, new RegExp(`call ${attemptId}.*disposition`));
      assert.equal(state(ann), "paused", "still at its desk");
      const disposed = await post(`/v1/agents/${ann}/disposition`, { disposition: "sale" });
      assert.equal(disposed.statusCode, 200, disposed.body);
      assert.equal((await remove(ann)).statusCode, 204);
      assert.equal(state(ann), "logged_out");
      const row = await f.store.db
        .selectFrom("attempts")
        .select("disposition")
        .where("id", "=", attemptId)
        .executeTakeFirstOrThrow();
      assert.equal(row.disposition, "sale");
    });

    test("goes through once the agent was logged out, the result left unset on purpose", async () => {
      const { ann } = await annPausedUndisposed("logout", "+14155553702");
      assert.equal((await remove(ann)).statusCode, 409);
      assert.equal((await post(`/v1/agents/${ann}/logout`)).statusCode, 200);
      assert.equal((await remove(ann)).statusCode, 204);
    });

    test("an agent that may go is logged out before the delete awaits the store: no call can reach it meanwhile", async () => {
      const { ann } = await annPausedUndisposed("order", "+14155553703");
      assert.equal((await post(`/v1/agents/${ann}/disposition`, { disposition: "sale" })).statusCode, 200);
      assert.equal((await post(`/v1/agents/${ann}/ready`)).statusCode, 200);
      let seen = "";
      const deleted = await f.engine.agents.remove(f.accountId, ann, () => {
        seen = state(ann);
        return deleteAgent(f.store.db, f.accountId, ann);
      });
      assert.equal(deleted, true);
      assert.equal(seen, "logged_out", "off the board when the delete starts");
    });
  });
