// README: "an agent taken out of its campaign's queue is logged out at once when ready or paused". A removal
// served by node B (DELETE /v1/campaigns/{id}/agents/{agentId}: the store, then engine.agentsChanged on B)
// never reached node A, where the agent was logged in: A kept it logged in and kept putting calls through.
// Each node now reads membership again for its logged-in agents in its maintenance pass.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects())
  describe(`queue removal served by another node [${dialect.name}]`, () => {
    test("the agent logged in on node A is logged out and gets no more calls", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
      const a = engineNode(store, clock, "node-a", 1, 60_000);
      const b = engineNode(store, clock, "node-b", 2, 60_000);
      try {
        const accountId = await createAccount(store, "acme", clock.now());
        await a.engine.run();
        await b.engine.run();
        const ids = await createCampaign(
          store,
          accountId,
          {
            dialMethod: "progressive",
            maxConcurrent: 5,
            calleeWindow: { from: "00:00", to: "24:00" },
          } as never,
          { now: clock.now() },
        );
        await addContacts(
          store,
          { accountId, ...ids },
          Array.from({ length: 60 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
          clock.now(),
        );
        const x = await createAgent(
          store.db,
          accountId,
          { name: "x", userId: null, extension: null },
          clock.now(),
        );
        const y = await createAgent(
          store.db,
          accountId,
          { name: "y", userId: null, extension: null },
          clock.now(),
        );
        assert.equal(
          await setCampaignAgents(
            store,
            accountId,
            ids.campaignId,
            [
              { agentId: x.id, penalty: 0 },
              { agentId: y.id, penalty: 0 },
            ],
            clock.now(),
          ),
          null,
        );
        await a.engine.start(accountId, ids.campaignId);
        await a.engine.agents.login(accountId, x.id, ids.campaignId);
        await a.engine.agents.pause(accountId, x.id, "break");
        await clock.run({ until: clock.now() + 1_000 });
        // Served by node B: x leaves the queue.
        assert.equal(
          await setCampaignAgents(
            store,
            accountId,
            ids.campaignId,
            [{ agentId: y.id, penalty: 0 }],
            clock.now(),
          ),
          null,
        );
        await b.engine.agentsChanged(accountId);
        const removedAt = clock.now();
        await clock.run({ until: clock.now() + 60_000 });
        const state = (await a.engine.agents.state(accountId, x.id)).state;
        await a.engine.agents.ready(accountId, x.id).catch(() => {});
        await clock.run({ until: clock.now() + 5 * 60_000 });
        const after = await store.db
          .selectFrom("attempts")
          .select("id")
          .where("agent_id", "=", x.id)
          .where("started_at", ">", removedAt)
          .execute();
        assert.equal(state, "logged_out", `agent x on node A a minute after leaving the queue: ${state}`);
        assert.equal(after.length, 0, `${after.length} calls put through to an agent no longer in the queue`);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
