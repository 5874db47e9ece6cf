// A personal callback given back by a campaign pause while its dial waited for its slot (the agent reserved
// for it, the call not placed yet) was never dialed for that agent again in this login (agents12).
// Dispatcher.releaseQueued (and giveBack) freed the agent first (agents.released: ready, so
// PersonalCallbacks.look) and wrote the give-back after: the look read the holds before that write landed,
// found the contact still in_progress, and cached `holdsNone`, on which every later look returned at once.
// The agent is now freed once the contact is back in the store. On PostgreSQL the look's SELECT beat the
// give-back's transaction on its own; the test holds the give-back's write for a moment (a slow database)
// so that SQLite shows it too.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const tick = () => new Promise((r) => setTimeout(r, 5));

for (const dialect of dialects())
  describe(`personal callback given back by a pause [${dialect.name}]`, () => {
    test("is dialed for its agent once the campaign runs again", async () => {
      const h = await harness({
        start: START,
        seed: 4,
        scenario: { outcomes: { human: 1 }, ringSec: 3, talkSec: 3600 },
        openStore: () => dialect.open(),
      });
      try {
        const id = await h.campaign(
          { dialMethod: "progressive", wrapUpSec: 5, maxAttemptsPerContact: 1, callsPerSecond: 0.01 },
          [{ phones: ["+12025550121"] }],
        );
        const [agentId] = await queueAgents(h, id, 1);
        const desk = h.engine.agents;
        await desk.login(h.accountId, agentId, id);
        await h.engine.start(h.accountId, id);
        for (let i = 0; i < 100 && h.engine.board.get(agentId)?.state !== "on_call"; i++) {
          await h.clock.run({ until: h.clock.now() + 1000 });
          await tick();
        }
        assert.equal(h.engine.board.get(agentId)?.state, "on_call");
        await desk.hangup(h.accountId, agentId);
        for (let i = 0; i < 50 && h.engine.board.get(agentId)?.state !== "wrap_up"; i++) {
          await h.clock.run({ until: h.clock.now() + 100 });
          await tick();
        }
        const due = h.clock.now() + 600_000;
        await desk.dispose(h.accountId, agentId, "call back", null, { callbackAt: due, personal: true });
        await desk.ready(h.accountId, agentId);
        await h.clock.run({ until: due - 1 });
        assert.equal(h.originated.length, 1);

        // biome-ignore lint/suspicious/noExplicitAny: reaching the dispatch store the dispatcher uses
        const dispatch = (h.engine.dispatcher as any).o.dispatch;
        // Another dial took the calls-per-second slot at the callback's time: the callback's dial waits
        // for the next one (100 s later at this rate), its agent reserved for it.
        const rt = h.engine.dispatcher.campaigns.get(id)!;
        rt.spacing.take(due);
        const agent = h.engine.board.get(agentId)!;
        await h.clock.run({ until: due + 1 });
        for (let i = 0; i < 200 && agent.state !== "reserved"; i++) await tick();
        assert.equal(agent.state, "reserved", "the agent is reserved for its callback");
        assert.equal(h.originated.length, 1, "its dial waits for its slot");

        // The campaign is paused before the slot: the undialed callback is given back. Its write takes a
        // moment (a slow database; PostgreSQL's transaction against the look's one SELECT).
        const release = dispatch.release.bind(dispatch);
        // PostgreSQL needs no help: the look's SELECT answers before the give-back's transaction commits.
        if (dialect.name === "sqlite")
          dispatch.release = async (items: unknown) => {
            await new Promise((r) => setTimeout(r, 50));
            return release(items);
          };
        await h.engine.pause(h.accountId, id);
        dispatch.release = release;
        for (let i = 0; i < 20; i++) await tick();
        assert.equal(agent.state, "ready");
        const [held] = await h.contacts(id);
        assert.equal(held.status, "pending");
        assert.equal(Number(held.callback_agent_id), agentId, "still the agent's own callback");

        // The campaign runs again; the agent idles ready in it.
        await h.engine.resume(h.accountId, id);
        for (let i = 0; i < 10 && h.originated.length < 2; i++) {
          await h.clock.run({ until: h.clock.now() + 60_000 });
          await tick();
        }
        assert.equal(
          h.originated.length,
          2,
          `the personal callback was not dialed in 10 minutes of the agent idling ready after the resume (agent ${agent.state}, timer ${agent.callbackTimer ? "armed" : "none"}, holdsNone ${
            // biome-ignore lint/suspicious/noExplicitAny: the callbacks' cache of the agent
            (h.engine as any).callbacks.watches.get(agent)?.holdsNone
          })`,
        );
      } finally {
        await h.close();
      }
    });
  });
