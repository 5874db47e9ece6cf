// A contact withdrawn (engine.withdrawContact: an Xcally list deleted, README "a copy on a call at that
// moment finishes its call and is then cancelled, never called again") while it sat on an agent's preview
// screen was still dialed when the agent pressed dial (agents12): withdrawContact finds it in_progress
// (claimed for the preview) and only stamps withdrawn_at, and dispatcher.dialReserved re-checked the
// do-not-call lists, the calling hours and the balance, never withdrawn_at. It looks at withdrawn_at too
// now: the dial is refused (409 contact_withdrawn) and the contact given back, to be settled cancelled.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);

test("a previewed contact withdrawn before the agent dials is not dialed", async () => {
  const h = await harness({
    start: START,
    scenario: { outcomes: { human: 1 }, ringSec: 3, talkSec: 30 },
  });
  try {
    const id = await h.campaign({ dialMethod: "preview", wrapUpSec: 5 }, [{ phones: ["+12025550111"] }]);
    const [agentId] = await queueAgents(h, id, 1);
    const desk = h.engine.agents;
    await desk.login(h.accountId, agentId, id);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 1000 });
    const card = await desk.previewNext(h.accountId, agentId);
    assert.ok(card, "the contact is offered");
    // The list is deleted (or the contact withdrawn otherwise) while the card is on the screen.
    const withdrawn = await h.engine.withdrawContact(h.accountId, card.contactId);
    assert.equal(withdrawn, "after_call", "it was claimed for the preview, so withdrawn after its call");
    // The agent, who has not seen that, presses dial.
    await assert.rejects(desk.previewDial(h.accountId, agentId), { code: "contact_withdrawn" });
    await h.clock.run({ until: h.clock.now() + 60_000 });
    await h.engine.dispatcher.flush();
    assert.equal(
      h.originated.length,
      0,
      `the withdrawn contact was dialed: ${JSON.stringify(h.originated.map((r) => r.to ?? r))}`,
    );
    // Given back, it is settled by the next claim: the agent's next preview finds it withdrawn.
    assert.equal(await desk.previewNext(h.accountId, agentId), null, "nothing left to offer");
    const [contact] = await h.contacts(id);
    assert.equal(contact.status, "cancelled");
  } finally {
    await h.close();
  }
});
