// A callback the agent sets twice on one call (a reschedule: "3 pm... no, make it 4 pm", or two desktops)
// must still grant ONE attempt beyond the limits. Control: a single callback.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture } from "./helpers.ts";

describe("callback set twice on the same call", () => {
  let f: ApiFixture;
  before(async () => {
    // A pass a minute: each test idles through a day where nothing changes behind the engine's back.
    f = await apiFixture(undefined, {}, false, { leaseMs: 180_000, maintenanceMs: 60_000 });
  });
  after(() => f.close());
  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  for (const times of [1, 2]) {
    test(`callback set ${times}x: the contact gets one attempt beyond maxAttemptsPerContact=1`, async () => {
      const { campaignId, agentIds, contactIds } = await agentCampaign(f, {
        name: `cb${times}`,
        settings: {
          dialMethod: "progressive",
          maxAttemptsPerContact: 1,
          successMinTalkSec: 3600, // a short call is not a success: the limits decide what follows
          retryIntervalSec: 60,
          wrapUpSec: 5,
        },
        contacts: [{ phone: `+1415555400${times}` }],
        agents: [`Ann${times}`],
      });
      const [ann] = agentIds;
      await post(`/v1/agents/${ann}/login`, { campaignId });
      await post(`/v1/campaigns/${campaignId}/start`);
      await advanceUntil(() => state(ann) === "on_call");
      await post(`/v1/agents/${ann}/hangup`);
      await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
      for (let i = 0; i < times; i++) {
        const at = new Date(f.clock.now() + (2 + i) * 3_600_000).toISOString();
        const r = await post(`/v1/agents/${ann}/disposition`, { disposition: "callback", callbackAt: at });
        assert.equal(r.statusCode, 200, r.body);
      }
      // Callback call(s): the agent answers and hangs up each one at once.
      for (let k = 0; k < 3; k++) {
        // A day at most, a minute at a time: no call in it ends the loop (the board's state is in memory,
        // so no wait in wall time is needed once the clock has run).
        let called = false;
        for (let i = 0; i < 24 * 60 && !called; i++) {
          await f.clock.run({ until: f.clock.now() + 60_000 });
          called = state(ann) === "on_call";
        }
        if (!called) break;
        await post(`/v1/agents/${ann}/hangup`);
        await advanceUntil(() => state(ann) !== "on_call", 100, 50);
      }
      await f.engine.dispatcher.flush();
      const made = (await attempts(campaignId)).filter((a) => a.contact_id === contactIds[0]);
      const contact = await f.store.db
        .selectFrom("contacts")
        .select(["status", "retry_counts"])
        .where("id", "=", contactIds[0])
        .executeTakeFirstOrThrow();
      assert.equal(made.length, 2, "first call + exactly one callback attempt");
      assert.equal(JSON.parse(contact.retry_counts).callbacks, 1, contact.retry_counts);
    });
  }

  test("a disposition without the callback on its call, while the callback waits, is a 409 callback_pending; with dnc it is taken", async () => {
    const { campaignId, agentIds } = await agentCampaign(f, {
      name: "correct",
      settings: {
        dialMethod: "progressive",
        wrapUpSec: 120,
        maxAttemptsPerContact: 1,
        scenario: JSON.stringify({ outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 3600 } }),
      },
      contacts: [{ phone: "+14155553811" }, { phone: "+14155553812" }],
      agents: ["Corrector"],
    });
    const [ann] = agentIds;
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    await post(`/v1/agents/${ann}/hangup`);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    const [att] = await attempts(campaignId);
    const at = new Date(f.clock.now() + 3600_000).toISOString();
    const agreed = await post(`/v1/agents/${ann}/disposition`, { disposition: "callback", callbackAt: at });
    assert.equal(agreed.statusCode, 200, agreed.body);
    const corrected = await post(`/v1/agents/${ann}/disposition`, { disposition: "not interested" });
    assert.equal(corrected.statusCode, 409, corrected.body);
    assert.equal(corrected.json().error.code, "callback_pending");
    // The way out it names must be one a role may take: a supervisor has no contacts:write to cancel.
    assert.doesNotMatch(corrected.json().error.message, /supervisor/);
    assert.match(corrected.json().error.message, /contacts:write/);
    const row = (await attempts(campaignId)).find((a) => a.id === att.id);
    assert.equal(row?.disposition, "callback", "nothing written");
    // Moved, it is taken; a do-not-call request is taken too (the number is never dialed again).
    const moved = await post(`/v1/agents/${ann}/disposition`, { disposition: "callback", callbackAt: at });
    assert.equal(moved.statusCode, 200, moved.body);
    const dnc = await post(`/v1/agents/${ann}/disposition`, { disposition: "do not call", dnc: true });
    assert.equal(dnc.statusCode, 200, dnc.body);
  });
});
