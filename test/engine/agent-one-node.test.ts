// An agent is logged in on one node at a time. Agent state lives in the memory of the node the agent
// logged in on: logged in on node A and (its desktop reconnecting through the load balancer) on node B, it
// was counted ready by both, and each put a caller through to it. A login elsewhere is now refused (409
// logged_in_elsewhere) while the first node's heartbeat lives; a logout works through any node.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { EngineError } from "../../src/engine/types.ts";
import { claimAgentSession } from "../../src/store/agent-sessions.ts";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import type { Store } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode, type Node } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 60_000;

async function setup(store: Store, clock: VirtualClock, contacts: number) {
  const accountId = await createAccount(store, "acme", clock.now());
  const ids = await createCampaign(
    store,
    accountId,
    { dialMethod: "progressive", maxConcurrent: 5, calleeWindow: { from: "00:00", to: "24:00" } } as never,
    { now: clock.now() },
  );
  await addContacts(
    store,
    { accountId, ...ids },
    Array.from({ length: contacts }, (_, i) => ({ phones: [`+1202555${1000 + i}`] })),
    clock.now(),
  );
  const agent = await createAgent(
    store.db,
    accountId,
    { name: "x", userId: null, extension: null },
    clock.now(),
  );
  assert.equal(
    await setCampaignAgents(
      store,
      accountId,
      ids.campaignId,
      [{ agentId: agent.id, penalty: 0 }],
      clock.now(),
    ),
    null,
  );
  return { accountId, campaignId: ids.campaignId, agentId: agent.id };
}

async function refusal(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    assert.ok(err instanceof EngineError, String(err));
    assert.equal(err.status, 409);
    return err.code;
  }
}

async function sessionNode(store: Store, agentId: number): Promise<string | null> {
  const row = await store.db
    .selectFrom("agent_sessions")
    .select("node_id")
    .where("agent_id", "=", agentId)
    .executeTakeFirst();
  return row?.node_id ?? null;
}

/** The session row once node A's delete landed: a node lets an agent go from its board at once and ends the
 *  session row in a write after it (agents/sessions.ts ended), so a read right after may still see the row. */
async function sessionNodeSettled(store: Store, agentId: number): Promise<string | null> {
  for (let i = 0; i < 100; i++) {
    const node = await sessionNode(store, agentId);
    if (node === null) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
  return sessionNode(store, agentId);
}

for (const dialect of dialects())
  describe(`an agent is logged in on one node at a time [${dialect.name}]`, () => {
    async function withNodes(
      contacts: number,
      fn: (
        x: { store: Store; clock: VirtualClock; a: Node; b: Node } & Awaited<ReturnType<typeof setup>>,
      ) => Promise<void>,
    ) {
      const store = await dialect.open();
      const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
      const a = engineNode(store, clock, "node-a", 1, LEASE_MS);
      const b = engineNode(store, clock, "node-b", 2, LEASE_MS);
      try {
        const ids = await setup(store, clock, contacts);
        await a.engine.run();
        await b.engine.run();
        await fn({ store, clock, a, b, ...ids });
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    }

    test("a second login on another node is refused, and no agent is ever on two calls at once", async () => {
      await withNodes(60, async ({ store, clock, a, b, accountId, campaignId, agentId }) => {
        await a.engine.start(accountId, campaignId);
        await a.engine.agents.login(accountId, agentId, campaignId);
        assert.equal(
          await refusal(b.engine.agents.login(accountId, agentId, campaignId)),
          "logged_in_elsewhere",
        );
        assert.equal(b.engine.board.get(agentId), undefined);
        assert.equal(await sessionNode(store, agentId), "node-a");
        await clock.run({ until: clock.now() + 10 * 60_000 });
        // Still refused ten minutes on: node A lives.
        assert.equal(
          await refusal(b.engine.agents.login(accountId, agentId, campaignId)),
          "logged_in_elsewhere",
        );
        const atts = await store.db
          .selectFrom("attempts")
          .selectAll()
          .where("agent_id", "=", agentId)
          .orderBy("started_at")
          .execute();
        assert.ok(atts.length > 0, "the agent took no call");
        const iv = atts
          .map((x) => [Number(x.answered_at ?? x.started_at), Number(x.ended_at)] as const)
          .sort((p, q) => p[0] - q[0]);
        let overlaps = 0;
        for (let i = 1; i < iv.length; i++) if (iv[i][0] < iv[i - 1][1]) overlaps++;
        assert.equal(overlaps, 0, `agent ${agentId} was put through to ${overlaps} call(s) while on another`);
        assert.deepEqual([...new Set(atts.map((x) => x.owner))], ["node-a"]);
      });
    });

    test("a logout on its node ends the session: a login on another node then succeeds", async () => {
      await withNodes(0, async ({ store, a, b, accountId, campaignId, agentId }) => {
        await a.engine.agents.login(accountId, agentId, campaignId);
        assert.equal((await a.engine.agents.logout(accountId, agentId)).state, "logged_out");
        assert.equal((await b.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        assert.equal(await sessionNode(store, agentId), "node-b");
        // Logged in again on the node it is on: answered as before, the session kept.
        assert.equal((await b.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        assert.equal(await sessionNode(store, agentId), "node-b");
      });
    });

    test("a logout through another node works; the first node logs the agent out within a maintenance pass", async () => {
      await withNodes(0, async ({ store, clock, a, b, accountId, campaignId, agentId }) => {
        await a.engine.agents.login(accountId, agentId, campaignId);
        // Asked for, not done: node B answers so, and a login on B is refused until node A has done it
        // (else the agent would be ready on both nodes until A's next pass).
        assert.equal(await refusal(b.engine.agents.logout(accountId, agentId)), "logged_in_elsewhere");
        assert.equal(await sessionNode(store, agentId), "node-a");
        assert.equal(
          await refusal(b.engine.agents.login(accountId, agentId, campaignId)),
          "logged_in_elsewhere",
        );
        assert.ok(a.engine.board.get(agentId), "node A keeps the agent until its next pass");
        await clock.run({ until: clock.now() + 6_000 });
        assert.equal(await sessionNodeSettled(store, agentId), null);
        assert.equal(a.engine.board.get(agentId), undefined, "node A still has the agent after a pass");
        assert.equal((await a.engine.agents.state(accountId, agentId)).state, "logged_out");
        assert.equal((await b.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        await clock.run({ until: clock.now() + 6_000 });
        assert.equal(b.engine.board.get(agentId)?.state, "ready", "node B logged its own agent out");
        assert.equal(await sessionNode(store, agentId), "node-b");
      });
    });

    test("a busy agent logged out through another node: no login there until node A lets it go after its call", async () => {
      await withNodes(200, async ({ store, clock, a, b, accountId, campaignId, agentId }) => {
        await a.engine.start(accountId, campaignId);
        await b.engine.reload(campaignId);
        await a.engine.agents.login(accountId, agentId, campaignId);
        for (let i = 0; i < 600 && a.engine.board.get(agentId)?.state !== "on_call"; i++)
          await clock.run({ until: clock.now() + 500 });
        assert.equal(a.engine.board.get(agentId)?.state, "on_call");
        assert.equal(await refusal(b.engine.agents.logout(accountId, agentId)), "logged_in_elsewhere");
        assert.equal(
          await refusal(b.engine.agents.login(accountId, agentId, campaignId)),
          "logged_in_elsewhere",
        );
        // Node A lets the agent go once its call and wrap-up are over, and takes no call for it after.
        for (let i = 0; i < 1200 && a.engine.board.get(agentId) !== undefined; i++)
          await clock.run({ until: clock.now() + 500 });
        assert.equal(a.engine.board.get(agentId), undefined, "node A let the agent go");
        assert.equal(await sessionNodeSettled(store, agentId), null);
        assert.equal((await b.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        await clock.run({ until: clock.now() + 5 * 60_000 });
        const calls = await store.db
          .selectFrom("attempts")
          .selectAll()
          .where("agent_id", "=", agentId)
          .where("answered_at", "is not", null)
          .execute();
        const spans = calls
          .map((x) => [Number(x.answered_at), Number(x.ended_at ?? clock.now())] as const)
          .sort((p, q) => p[0] - q[0]);
        for (let i = 1; i < spans.length; i++)
          assert.ok(spans[i][0] >= spans[i - 1][1], "the agent was put through to two calls at once");
      });
    });

    test("once node A dies and its heartbeat lapses, a login on node B succeeds", async () => {
      await withNodes(0, async ({ store, clock, a, b, accountId, campaignId, agentId }) => {
        await a.engine.agents.login(accountId, agentId, campaignId);
        await a.engine.halt();
        await clock.run({ until: clock.now() + 10_000 });
        assert.equal(
          await refusal(b.engine.agents.login(accountId, agentId, campaignId)),
          "logged_in_elsewhere",
        );
        await clock.run({ until: clock.now() + LEASE_MS + 5_000 });
        assert.equal((await b.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        assert.equal(await sessionNode(store, agentId), "node-b");
      });
    });

    test("an action served by a node the agent is not logged in on is refused as logged in elsewhere, not logged out", async () => {
      await withNodes(0, async ({ clock, a, b, accountId, campaignId, agentId }) => {
        await a.engine.agents.login(accountId, agentId, campaignId);
        for (const act of [
          () => b.engine.agents.pause(accountId, agentId, "lunch"),
          () => b.engine.agents.ready(accountId, agentId),
          () => b.engine.agents.hangup(accountId, agentId),
          () => b.engine.agents.previewNext(accountId, agentId),
        ])
          assert.equal(await refusal(act()), "logged_in_elsewhere");
        assert.equal((await a.engine.agents.pause(accountId, agentId, "lunch")).state, "paused");
        // Node A dies: once its heartbeat lapses the agent is logged out everywhere, and said so.
        await a.engine.halt();
        await clock.run({ until: clock.now() + LEASE_MS + 5_000 });
        await assert.rejects(b.engine.agents.ready(accountId, agentId), { code: "logged_out" });
        // A logout through B says the same: no node is left to ask (it answered 409 logged_in_elsewhere).
        assert.equal((await b.engine.agents.logout(accountId, agentId)).state, "logged_out");
      });
    });

    test("a session row left behind on a live node (its delete failed) is ended within a maintenance pass", async () => {
      await withNodes(0, async ({ store, clock, b, accountId, campaignId, agentId }) => {
        // As if node A logged the agent out and the session's delete failed (a database blip).
        assert.equal(
          await claimAgentSession(store.db, { agentId, accountId, nodeId: "node-a" }, clock.now()),
          true,
        );
        assert.equal(
          await refusal(b.engine.agents.login(accountId, agentId, campaignId)),
          "logged_in_elsewhere",
        );
        await clock.run({ until: clock.now() + 6_000 });
        assert.equal(await sessionNodeSettled(store, agentId), null);
        assert.equal((await b.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        // Node B's own agent keeps its row through B's passes.
        await clock.run({ until: clock.now() + 30_000 });
        assert.equal(await sessionNode(store, agentId), "node-b");
        assert.equal(b.engine.board.get(agentId)?.state, "ready");
      });
    });

    test("a logout through another node while the agent's node is stalled: that node logs it out when it runs again", async () => {
      await withNodes(0, async ({ store, clock, a, b, accountId, campaignId, agentId }) => {
        await a.engine.agents.login(accountId, agentId, campaignId);
        // Node A stalls (a paused VM): its heartbeat lapses while it still holds the agent.
        await store.db
          .updateTable("node_heartbeats")
          .set({ alive_until: clock.now() - 1 })
          .where("node_id", "=", "node-a")
          .execute();
        // No live node holds the agent: logged out, as its other actions on B say.
        assert.equal((await b.engine.agents.logout(accountId, agentId)).state, "logged_out");
        // Node A runs again: it does not go on putting calls through to an agent told it is logged out.
        await clock.run({ until: clock.now() + 6_000 });
        assert.equal(a.engine.board.get(agentId), undefined, "node A let the agent go");
        assert.equal(await sessionNodeSettled(store, agentId), null);
      });
    });

    test("a restarted node's sessions end with the process", async () => {
      await withNodes(0, async ({ store, clock, a, accountId, campaignId, agentId }) => {
        await a.engine.agents.login(accountId, agentId, campaignId);
        await a.engine.halt();
        const again = engineNode(store, clock, "node-a", 3, LEASE_MS);
        try {
          await again.engine.run();
          assert.equal(await sessionNode(store, agentId), null);
          assert.equal((await again.engine.agents.login(accountId, agentId, campaignId)).state, "ready");
        } finally {
          await again.engine.shutdown();
        }
      });
    });

    test("two concurrent logins on two nodes: exactly one succeeds", async () => {
      await withNodes(0, async ({ store, a, b, accountId, campaignId, agentId }) => {
        for (let round = 0; round < 10; round++) {
          const [x, y] = [a, b].map((n) => n.engine.agents.login(accountId, agentId, campaignId));
          const codes = await Promise.all([refusal(x), refusal(y)]);
          const won = codes.map((c) => c === null);
          assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${codes.join(", ")}`);
          assert.deepEqual(
            codes.filter((c) => c !== null),
            ["logged_in_elsewhere"],
          );
          const winner = won[0] ? a : b;
          const loser = won[0] ? b : a;
          assert.ok(winner.engine.board.get(agentId));
          assert.equal(loser.engine.board.get(agentId), undefined);
          assert.equal(await sessionNode(store, agentId), won[0] ? "node-a" : "node-b");
          await winner.engine.agents.logout(accountId, agentId);
        }
      });
    });
  });
