// A personal callback set from another campaign: an agent that logged out of campaign A with its last call
// undisposed and logged in to campaign B may still set that call's result by attemptId. A callback held for
// itself is taken only if the agent is still in A's queue (it can log in to A again and make it); one
// taken out of A's queue is refused (409 invalid_state), as it is while still logged in to A and leaving,
// or the contact would wait for an agent that can no longer come.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

for (const dc of dialects())
  describe(`a personal callback set from another campaign (${dc.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => dc.open());
    });
    after(() => f.close());
    const { post, state, advanceUntil } = agentShorthands(() => f);

    /** Campaign A with one contact and Ann in its queue, campaign B with Ann in its queue; Ann takes A's call
     *  and hangs up (`leave`: the supervisor takes her out of A's queue during the call), ends her wrap-up
     *  without a result (logged out) and logs in to B. Answers A's call and when a callback would be. */
    async function annMovesToB(name: string, leave: boolean) {
      const {
        campaignId: a,
        contactIds: [contactId],
        agentIds: [ann],
      } = await agentCampaign(f, {
        name: `A ${name}`,
        settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 30 },
        contacts: [{ phone: leave ? "+14155553501" : "+14155553502" }],
        agents: [`Ann ${name}`],
      });
      const { campaignId: b } = await agentCampaign(f, {
        name: `B ${name}`,
        settings: { dialMethod: "progressive" },
        contacts: [],
        agents: [],
      });
      const put = await f.call({
        method: "PUT",
        url: `/v1/campaigns/${b}/agents`,
        payload: { agents: [{ agentId: ann, penalty: 0 }] },
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId: a })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${a}/start`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "on_call");
      const attemptId = Number(f.engine.board.get(ann)?.callId);
      if (leave) {
        const out = await f.call({ method: "DELETE", url: `/v1/campaigns/${a}/agents/${ann}` });
        assert.equal(out.statusCode, 204, out.body);
        await advanceUntil(() => f.engine.board.get(ann)?.leaving === true, 100, 50);
      }
      assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
      const end = leave ? await post(`/v1/agents/${ann}/ready`) : await post(`/v1/agents/${ann}/logout`);
      assert.equal(end.statusCode, 200, end.body);
      assert.equal(state(ann), "logged_out");
      assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId: b })).statusCode, 200);
      const callbackAt = new Date(f.clock.now() + 3_600_000).toISOString();
      return { ann, contactId, attemptId, callbackAt };
    }

    const heldFor = async (contactId: number) => {
      const row = await f.store.db
        .selectFrom("contacts")
        .select("callback_agent_id")
        .where("id", "=", contactId)
        .executeTakeFirstOrThrow();
      return row.callback_agent_id === null ? null : Number(row.callback_agent_id);
    };

    test("refused for an agent taken out of the call's campaign's queue; the campaign's callback is taken", async () => {
      const { ann, contactId, attemptId, callbackAt } = await annMovesToB("taken out", true);
      const personal = await post(`/v1/agents/${ann}/disposition`, {
        disposition: "call back",
        attemptId,
        callbackAt,
        callbackPersonal: true,
      });
      assert.equal(personal.statusCode, 409, personal.body);
      assert.equal(errorOf(personal).code, "invalid_state");
      assert.equal(await heldFor(contactId), null, "not held for Ann");
      const anyone = await post(`/v1/agents/${ann}/disposition`, {
        disposition: "call back",
        attemptId,
        callbackAt,
      });
      assert.equal(anyone.statusCode, 200, anyone.body);
      assert.equal(anyone.json().callback_personal, false);
    });

    test("taken for an agent still in the call's campaign's queue", async () => {
      const { ann, contactId, attemptId, callbackAt } = await annMovesToB("still in", false);
      const personal = await post(`/v1/agents/${ann}/disposition`, {
        disposition: "call back",
        attemptId,
        callbackAt,
        callbackPersonal: true,
      });
      assert.equal(personal.statusCode, 200, personal.body);
      assert.equal(personal.json().callback_personal, true);
      assert.equal(await heldFor(contactId), ann, "held for Ann, who may log in to A again");
    });
  });
