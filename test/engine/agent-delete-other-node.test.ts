// An agent that is reserved, on a call or in wrap-up cannot be deleted (README "Agents and queues"): it could
// then no longer hang up or set the call's disposition. In a cluster the admin's DELETE is served by whichever
// node the balancer picks, and the agent's state is in the memory of the node it logged in on: a delete
// through another node found it on no board of its own and went through, leaving the agent on its call with
// every desktop command answering 404. Such a delete is now refused (409 logged_in_elsewhere) while a live
// node holds the agent's session; once the agent is logged out it goes through.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { EngineError } from "../../src/engine/types.ts";
import { createAgent, deleteAgent, getAgent, setCampaignAgents } from "../../src/store/agents.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;
const LONG_CALLS = { outcomes: { human: 1 }, talkSec: 3600, ringSec: 3 };

for (const dialect of dialects())
  describe(`deleting an agent logged in on another node [${dialect.name}]`, () => {
    test("is refused while it is on its call there; it hangs up and, logged out, is deleted", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
      const a = engineNode(store, clock, "node-a", 1, LEASE_MS, LONG_CALLS);
      const b = engineNode(store, clock, "node-b", 2, LEASE_MS, LONG_CALLS);
      try {
        const accountId = await createAccount(store, "acme", clock.now());
        const { campaignId, listId } = await createCampaign(
          store,
          accountId,
          {
            dialMethod: "progressive",
            maxConcurrent: 5,
            wrapUpSec: 30,
            calleeWindow: { from: "00:00", to: "24:00" },
          } as never,
          { now: clock.now() },
        );
        await addContacts(
          store,
          { accountId, campaignId, listId },
          [{ phones: ["+12025551000"] }],
          clock.now(),
        );
        const agent = await createAgent(
          store.db,
          accountId,
          { name: "Ann", userId: null, extension: null },
          clock.now(),
        );
        const agentId = agent.id;
        await setCampaignAgents(store, accountId, campaignId, [{ agentId, penalty: 0 }], clock.now());
        await a.engine.run();
        await b.engine.run();
        await a.engine.start(accountId, campaignId);
        await b.engine.reload(campaignId);
        await a.engine.agents.login(accountId, agentId, campaignId);
        for (let i = 0; i < 600 && a.engine.board.get(agentId)?.state !== "on_call"; i++)
          await clock.run({ until: clock.now() + 500 });
        assert.equal(a.engine.board.get(agentId)?.state, "on_call");

        const removeThroughB = () =>
          b.engine.agents.remove(accountId, agentId, () => deleteAgent(store.db, accountId, agentId));
        await assert.rejects(removeThroughB(), (err) => {
          assert.ok(err instanceof EngineError, String(err));
          assert.equal(err.code, "logged_in_elsewhere");
          assert.equal(err.status, 409);
          return true;
        });
        assert.ok(await getAgent(store.db, accountId, agentId), "the agent's row was deleted");

        // The agent still has its call on node A: it hangs up and wraps up there.
        await a.engine.agents.hangup(accountId, agentId);
        for (let i = 0; i < 20 && a.engine.board.get(agentId)?.state !== "wrap_up"; i++)
          await clock.run({ until: clock.now() + 500 });
        assert.equal(a.engine.board.get(agentId)?.state, "wrap_up");
        await assert.rejects(removeThroughB(), /logged in on another node/, "refused in wrap-up too");
        assert.equal((await a.engine.agents.logout(accountId, agentId)).state, "logged_out");

        assert.equal(await removeThroughB(), true);
        assert.equal(await getAgent(store.db, accountId, agentId), undefined);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
