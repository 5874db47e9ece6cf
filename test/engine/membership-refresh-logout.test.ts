// Every maintenance pass re-reads queue membership for the agents logged in on the node (cancelling the
// "leaving" of an agent put back in its queue). A logout of a previewing agent logs out instead of going ready
// while it gives the preview back: a re-read landing in that wait cancelled it, and the agent went ready (a
// state event on its desktop stream, a person waiting put through) before it was logged out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 15, 0, 0);

test("a logout of a previewing agent, with a maintenance refresh during its give-back: never ready", async () => {
  const h = await harness({ start: START, scenario: "all_human" });
  try {
    const id = await h.campaign({ dialMethod: "preview" }, [
      { phones: ["+12125550100"] },
      { phones: ["+12125550101"] },
    ]);
    const [agentId] = await queueAgents(h, id, 1);
    await h.engine.agents.login(h.accountId, agentId, id);
    await h.engine.start(h.accountId, id);
    const card = await h.engine.agents.previewNext(h.accountId, agentId);
    assert.ok(card, "a contact previewed");
    const states: string[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the events as they come
    h.engine.board.subscribe(agentId, (e: any) => {
      if (e.type === "state") states.push(e.agent?.state ?? "?");
      else states.push(e.type);
    });
    // Hold the give-back's store write so the maintenance refresh lands in it (as a slow PostgreSQL write would).
    // biome-ignore lint/suspicious/noExplicitAny: the dispatcher's store, to hold one write open
    const dispatch = (h.engine.dispatcher as any).o.dispatch;
    const release = dispatch.release.bind(dispatch);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    dispatch.release = async (items: unknown) => {
      await gate;
      return release(items);
    };
    const loggingOut = h.engine.agents.logout(h.accountId, agentId);
    await new Promise((r) => setImmediate(r));
    // biome-ignore lint/suspicious/noExplicitAny: the maintenance pass's re-read, run at this moment
    await (h.engine as any).refreshMembership();
    open();
    const out = await loggingOut;
    assert.equal(out.state, "logged_out");
    assert.ok(!states.includes("ready"), `the agent's desktop saw: ${states.join(" → ")}`);
  } finally {
    await h.close();
  }
});
