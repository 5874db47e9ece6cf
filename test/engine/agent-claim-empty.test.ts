// A ready agent is held back from answered calls while a claim for it awaits the store (its preview, its due
// personal callback). A person answering meanwhile waits; if the claim comes back empty, that person must be
// put through to the agent at once, not left to be abandoned with the agent ready.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const contacts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ phones: [`+1202555${String(1000 + i).padStart(4, "0")}`] }));

test("a claim that comes back empty hands the agent to the person who started waiting meanwhile", async () => {
  const h = await harness({
    start: START,
    seed: 5,
    scenario: { outcomes: { human: 1 }, talkSec: 3600, ringSec: 5 },
  });
  try {
    const id = await h.campaign(
      {
        dialMethod: "power",
        powerRatio: 1,
        maxConcurrent: 10,
        abandonAfterSec: 30,
        maxAttemptsPerContact: 1,
      },
      contacts(5),
    );
    const [ann] = await queueAgents(h, id, 1);
    await h.engine.agents.login(h.accountId, ann, id);
    await h.engine.start(h.accountId, id);
    await h.clock.advance(1000);
    const [line] = [...h.engine.dispatcher.liveCalls.values()];
    assert.ok(line, "one line dialed for the one ready agent");
    const agent = h.engine.board.get(ann);
    assert.ok(agent);
    // A claim for Ann is under way (as desk.previewNext and the personal callbacks set it).
    agent.claiming = true;
    for (let i = 0; i < 40 && line.waitingSince === null; i++) await h.clock.advance(500);
    assert.notEqual(line.waitingSince, null, "the person waits: Ann is held back");
    // The claim found nothing.
    agent.claiming = false;
    h.engine.board.claimEmpty(agent);
    assert.equal(line.agent, agent, "put through to Ann at once");
    assert.equal(agent.state, "on_call");
    assert.equal(line.abandoned, false);
  } finally {
    await h.close();
  }
});
