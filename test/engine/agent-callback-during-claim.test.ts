// A personal callback whose time comes while a preview claim for its agent is under way (preview/next: the
// agent is `claiming`, held back from everything) finds the agent busy, and its look sets no timer. When
// the claim comes back empty the agent is ready and idle: the callback must be dialed then, not wait for
// a ready transition that never comes (an agent polling preview/next stays ready). When the claim finds a
// contact, the agent is offered it and the callback waits for the agent's next ready: dialed once.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Dispatcher } from "../../src/engine/dispatcher.ts";
import { queueAgents } from "../helpers/agents.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";

// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);

/** An engine whose every call is answered by a person who talks for an hour. */
const everyoneAnswers = () =>
  harness({ start: START, seed: 4, scenario: { outcomes: { human: 1 }, ringSec: 3, talkSec: 3600 } });

/** A preview campaign; its agent takes the first contact's call and promises to call back itself in 10
 *  minutes, then goes ready. Answers when the callback is due. */
async function callbackPromised(h: Harness, phones: string[]) {
  const id = await h.campaign(
    { dialMethod: "preview", wrapUpSec: 5, maxAttemptsPerContact: 1 },
    phones.map((p) => ({ phones: [p] })),
  );
  const [agentId] = await queueAgents(h, id, 1);
  const desk = h.engine.agents;
  await desk.login(h.accountId, agentId, id);
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: h.clock.now() + 1000 });
  assert.equal((await desk.previewNext(h.accountId, agentId))?.phone, phones[0]);
  await desk.previewDial(h.accountId, agentId);
  await h.clock.run({ until: h.clock.now() + 10_000 });
  assert.equal(h.engine.board.get(agentId)?.state, "on_call");
  await desk.hangup(h.accountId, agentId);
  await h.clock.run({ until: h.clock.now() + 500 });
  const due = h.clock.now() + 600_000;
  await desk.dispose(h.accountId, agentId, "call back", null, { callbackAt: due, personal: true });
  await desk.ready(h.accountId, agentId);
  return { id, agentId, due };
}

/** Holds the agent's preview claims (those naming no held contact) until `open` is called. */
function gatePreviewClaims(dispatcher: Dispatcher): { open(): void } {
  const claim = dispatcher.claimForAgent.bind(dispatcher);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  dispatcher.claimForAgent = async (c, agent, heldContactId) => {
    if (heldContactId === undefined) await gate;
    return claim(c, agent, heldContactId);
  };
  return { open };
}

/** Starts a preview/next whose claim waits at the gate, lets the callback's time pass meanwhile, then lets
 *  the claim go on; answers what the preview got. */
async function previewAcrossDueTime(h: Harness, agentId: number, due: number) {
  await h.clock.run({ until: due - 1 });
  const gate = gatePreviewClaims(h.engine.dispatcher);
  const agent = h.engine.board.get(agentId);
  assert.ok(agent);
  const preview = h.engine.agents.previewNext(h.accountId, agentId);
  for (let i = 0; i < 1000 && !agent.claiming; i++) await new Promise((r) => setImmediate(r));
  assert.ok(agent.claiming, "the preview claim is under way");
  await h.clock.run({ until: due + 1 });
  gate.open();
  return { agent, card: await preview };
}

test("a personal callback due during a preview claim that comes back empty is dialed for the idle agent", async () => {
  const h = await everyoneAnswers();
  try {
    const { agentId, due } = await callbackPromised(h, ["+12025550101"]);
    const { agent, card } = await previewAcrossDueTime(h, agentId, due);
    assert.equal(card, null, "nothing else is due: the preview finds nothing");
    await h.clock.run({ until: h.clock.now() + 5000 });
    assert.equal(h.originated.length, 2, "the callback is dialed within seconds");
    assert.equal(h.originated[1].to, "+12025550101");
    assert.notEqual(agent.state, "ready", "the agent is reserved for it");
  } finally {
    await h.close();
  }
});

test("a personal callback due during a preview claim that finds a contact waits for the agent's next ready: dialed once", async () => {
  const h = await everyoneAnswers();
  try {
    const { agentId, due } = await callbackPromised(h, ["+12025550101", "+12025550102"]);
    const { agent, card } = await previewAcrossDueTime(h, agentId, due);
    assert.equal(card?.phone, "+12025550102", "the preview offers the other contact");
    await h.clock.run({ until: h.clock.now() + 60_000 });
    assert.equal(h.originated.length, 1, "the callback is not dialed over the agent's preview");
    assert.equal(agent.state, "reserved");
    // The agent dials and talks to the other contact; the callback comes once it is ready after the call.
    await h.engine.agents.previewDial(h.accountId, agentId);
    await h.clock.run({ until: h.clock.now() + 10_000 });
    assert.equal(agent.state, "on_call");
    await h.engine.agents.hangup(h.accountId, agentId);
    await h.clock.run({ until: h.clock.now() + 60_000 });
    assert.deepEqual(
      h.originated.map((o) => o.to),
      ["+12025550101", "+12025550102", "+12025550101"],
    );
  } finally {
    await h.close();
  }
});

// The callback's own claim tells the board when it comes back empty too (a person waiting may take the
// agent): that must not start its next look at once, or a claim the rules keep refusing (the balance
// floor, say) would run back to back, never letting the clock move.
test("a personal callback whose own claim comes back empty waits before it tries again, not back to back", async () => {
  const h = await everyoneAnswers();
  try {
    const { agentId, due } = await callbackPromised(h, ["+12025550101"]);
    await h.clock.run({ until: due - 1 });
    const agent = h.engine.board.get(agentId);
    assert.ok(agent);
    let claims = 0;
    h.engine.dispatcher.claimForAgent = async () => {
      // Back to back, the claims would never end: a pause ends them, and the count tells.
      if (++claims === 100) h.engine.board.move(agent, "paused");
      return null;
    };
    await h.clock.run({ until: due + 60_000 });
    // One claim each time the wait for the lines dialed counting on the agent runs out (about every 5 s).
    assert.ok(claims >= 2 && claims <= 15, `${claims} claims in a minute`);
  } finally {
    await h.close();
  }
});
