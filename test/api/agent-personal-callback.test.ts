// Personal callbacks (a disposition with callbackPersonal): the contact is held for the agent who set it.
// Another ready agent never gets it; the agent does, as soon as it is ready in the campaign once the time
// has come (coming back from a logout, or idling at that time), reserved before the dial. When the agent
// leaves the campaign's queue, the callback becomes anyone's.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DateTime } from "luxon";
import type { AgentEvent } from "../../src/engine/agents/board.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

describe("a personal callback", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);
  const contactRow = (id: number) =>
    f.store.db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  /** A progressive campaign with one contact and agents Ann and Bob in its queue; Ann logs in and takes the
   *  contact's call, hangs up and, in wrap-up, promises to call back herself in two hours. */
  async function annPromisesACallback(name: string, settings: Record<string, unknown> = {}) {
    const {
      campaignId,
      contactIds: [contactId],
      agentIds: [ann, bob],
    } = await agentCampaign(f, {
      name,
      settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 5, ...settings },
      contacts: [{ phone: "+14155553101", custom: { name: "Dee" } }],
      // Bob is first in the queue.
      agents: [`Ann ${name}`, `Bob ${name}`],
      penalties: [5, 0],
    });
    // A CRM takes the agents' results.
    const hook = await post("/v1/webhooks", {
      url: "http://127.0.0.1:9/crm",
      events: ["attempt.disposed"],
      campaignId,
    });
    assert.equal(hook.statusCode, 201, hook.body);
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    const at = new Date(f.clock.now() + 2 * 3_600_000).toISOString();
    const ok = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: at,
      callbackPersonal: true,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().callback_personal, true);
    const sent = await f.store.db
      .selectFrom("webhook_deliveries")
      .select("payload")
      .where("webhook_id", "=", hook.json().id)
      .execute();
    assert.deepEqual(
      sent.map((r) => {
        const { agentId, callbackAt, callbackPersonal } = JSON.parse(r.payload).data;
        return { agentId, callbackAt, callbackPersonal };
      }),
      [{ agentId: ann, callbackAt: at, callbackPersonal: true }],
      "the CRM hears whose callback it is",
    );
    return { campaignId, contactId, ann, bob, at };
  }

  /** The agent hangs up; once the call is recorded, the campaign's attempts. */
  async function hangUp(agentId: number, campaignId: number) {
    assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(agentId) !== "on_call", 100, 50);
    await f.engine.dispatcher.flush();
    return attempts(campaignId);
  }

  test("waits for its agent: another ready agent never gets it, its agent does on coming back", async () => {
    const { campaignId, contactId, ann, bob, at } = await annPromisesACallback("back later");
    const without = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackPersonal: true,
    });
    assert.equal(without.statusCode, 400, without.body);
    assert.equal(errorOf(without).field, "body.callbackPersonal");
    const held = await contactRow(contactId);
    assert.equal(held.wait_reason, "callback_personal");
    assert.equal(Number(held.callback_agent_id), ann);
    // Her desktop lists it; Bob's lists nothing.
    const callbacksOf = async (agentId: number) => {
      const res = await f.call({ method: "GET", url: `/v1/agents/${agentId}/callbacks` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data;
    };
    assert.deepEqual(await callbacksOf(ann), [
      {
        contact_id: contactId,
        campaign_id: campaignId,
        phone: "+14155553101",
        callback_at: at,
        data: { name: "Dee" },
      },
    ]);
    assert.deepEqual(await callbacksOf(bob), []);
    const badLimit = await f.call({ method: "GET", url: `/v1/agents/${ann}/callbacks?limit=0` });
    assert.equal(badLimit.statusCode, 400, badLimit.body);
    assert.match(errorOf(badLimit).field ?? "", /limit/);

    // Ann goes home; Bob, first in the queue, is ready well past the callback's time.
    assert.equal((await post(`/v1/agents/${ann}/logout`)).statusCode, 200);
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    await f.clock.run({ until: Date.parse(at) + 30 * 60_000 });
    // The campaign dials on for Bob: a new contact goes to him, the held one does not.
    const listId = (await contactRow(contactId)).list_id;
    const added = await post(`/v1/campaigns/${campaignId}/lists/${listId}/contacts`, {
      contacts: [{ phone: "+14155553102" }],
    });
    assert.equal(added.statusCode, 200, added.body);
    await advanceUntil(() => state(bob) === "on_call");
    const newcomer = Number((await attempts(campaignId))[1].contact_id);
    assert.notEqual(newcomer, contactId);
    assert.deepEqual(
      (await hangUp(bob, campaignId)).map((a) => Number(a.contact_id)),
      [contactId, newcomer],
      "not dialed for anyone else",
    );
    const why = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/explain` });
    assert.equal(why.statusCode, 200, why.body);
    assert.deepEqual(
      (why.json().waiting as { reason: string; count: number }[]).map((w) => [w.reason, w.count]),
      [["callback_personal", 1]],
    );
    assert.equal(why.json().status, "running", "a held callback keeps the campaign from completing");

    // Ann logs in again: she is reserved for the callback and it is dialed at once.
    const events: AgentEvent[] = [];
    const stop = f.engine.board.subscribe(ann, (e) => events.push(e));
    const back = f.clock.now();
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call", 100, 100);
    stop();
    assert.ok(
      events.some((e) => e.type === "callback" && e.contact.contactId === contactId),
      "her desktop heard which callback is dialed",
    );
    const [, , third] = await attempts(campaignId);
    assert.equal(third.contact_id, contactId);
    assert.ok(Number(third.started_at) - back < 5000, "dialed as soon as she was back");
    assert.equal(f.engine.board.get(bob)?.stats.calls, 1, "Bob never had it, only the newcomer");
    const done = await hangUp(ann, campaignId);
    assert.equal(done.length, 3);
    assert.equal(Number(done[2].agent_id), ann);
    assert.equal((await contactRow(contactId)).status, "succeeded");
    assert.deepEqual(await callbacksOf(ann), [], "made: no longer on her list");

    // The supervisor's report: Ann took her call and the callback, Bob the newcomer's.
    const report = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/agent-report` });
    assert.equal(report.statusCode, 200, report.body);
    assert.deepEqual(
      (report.json().data as { agent_id: number; calls: number; dispositions: object }[]).map((r) => [
        r.agent_id,
        r.calls,
        r.dispositions,
      ]),
      [
        [ann, 2, { "call back": 1 }],
        [bob, 1, {}],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    const backwards = await f.call({
      method: "GET",
      url: `/v1/campaigns/${campaignId}/agent-report?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    });
    assert.equal(backwards.statusCode, 400, backwards.body);
    assert.equal(errorOf(backwards).field, "querystring.to");
    // A leap second passes the date-time format but no Date can read it: a 400 naming it, not a 500.
    for (const name of ["from", "to"]) {
      const leap = await f.call({
        method: "GET",
        url: `/v1/campaigns/${campaignId}/agent-report?${name}=2016-12-31T23:59:60Z`,
      });
      assert.equal(leap.statusCode, 400, leap.body);
      assert.equal(errorOf(leap).field, `querystring.${name}`);
    }
    await post(`/v1/agents/${ann}/logout`);
    await post(`/v1/agents/${bob}/logout`);
  });

  test("dialed at its time for its agent idling ready, not for the agent first in the queue", async () => {
    const { campaignId, contactId, ann, bob, at } = await annPromisesACallback("on time");
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    await f.clock.run({ until: Date.parse(at) - 60_000 });
    assert.equal(state(ann), "ready");
    assert.equal((await attempts(campaignId)).length, 1, "nothing before its time");
    await advanceUntil(() => state(ann) === "on_call");
    const [, second] = await attempts(campaignId);
    assert.equal(second.contact_id, contactId);
    assert.ok(Number(second.started_at) >= Date.parse(at), "not before its time");
    assert.ok(Number(second.started_at) - Date.parse(at) < 5000, "on time");
    assert.equal(state(bob), "ready");
    assert.equal(Number((await hangUp(ann, campaignId))[1].agent_id), ann);
    await post(`/v1/agents/${ann}/logout`);
    await post(`/v1/agents/${bob}/logout`);
  });

  test("within 72 h of an abandoned call of the contact, still dialed at its time: its agent is there first", async () => {
    const { campaignId, contactId, ann, at } = await annPromisesACallback("abandoned lately");
    // As if an earlier call of the contact had been abandoned an hour ago (the claim reads abandoned_at).
    await f.store.db
      .updateTable("contacts")
      .set({ abandoned_at: f.clock.now() - 3_600_000 })
      .where("id", "=", contactId)
      .execute();
    await f.clock.run({ until: Date.parse(at) - 60_000 });
    await advanceUntil(() => state(ann) === "on_call");
    const [, second] = await attempts(campaignId);
    assert.equal(second.contact_id, contactId);
    assert.ok(Number(second.started_at) - Date.parse(at) < 5000, "on time, not 72 h later");
    await hangUp(ann, campaignId);
    await post(`/v1/agents/${ann}/logout`);
  });

  test("becomes anyone's when its agent leaves the campaign's queue", async () => {
    const { campaignId, contactId, ann, bob, at } = await annPromisesACallback("moved on");
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    const gone = await f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}/agents/${ann}` });
    assert.equal(gone.statusCode, 204, gone.body);
    // The queue change answers once Ann's callback is released (she leaves after her wrap-up).
    const released = await contactRow(contactId);
    await advanceUntil(() => state(ann) === "logged_out", 100, 100);
    assert.equal(released.callback_agent_id, null);
    assert.equal(released.wait_reason, "callback");
    await f.clock.run({ until: Date.parse(at) - 60_000 });
    assert.equal((await attempts(campaignId)).length, 1, "nothing before its time");
    await advanceUntil(() => state(bob) === "on_call");
    const [, second] = await attempts(campaignId);
    assert.equal(second.contact_id, contactId);
    assert.ok(Number(second.started_at) >= Date.parse(at), "still not before its time");
    assert.equal(Number((await hangUp(bob, campaignId))[1].agent_id), bob);
    await post(`/v1/agents/${bob}/logout`);
  });
  test("waits personalCallbackWaitSec past its time for an absent agent, then is anyone's", async () => {
    const { campaignId, contactId, ann, bob, at } = await annPromisesACallback("off sick", {
      personalCallbackWaitSec: 1800,
    });
    const patch = (personalCallbackWaitSec: unknown) =>
      f.call({
        method: "PATCH",
        url: `/v1/campaigns/${campaignId}`,
        payload: { settings: { personalCallbackWaitSec } },
      });
    const negative = await patch(-1);
    assert.equal(negative.statusCode, 400, negative.body);
    assert.match(errorOf(negative).field ?? "", /personalCallbackWaitSec/);
    assert.equal((await post(`/v1/agents/${ann}/logout`)).statusCode, 200);
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    const handOnAt = Date.parse(at) + 1800_000;
    await f.clock.run({ until: handOnAt - 60_000 });
    assert.equal((await attempts(campaignId)).length, 1, "Bob does not get it while it waits for Ann");
    assert.equal(Number((await contactRow(contactId)).callback_agent_id), ann);
    await advanceUntil(() => state(bob) === "on_call");
    const [, second] = await attempts(campaignId);
    assert.equal(second.contact_id, contactId);
    assert.ok(Number(second.started_at) >= handOnAt, "not before it has waited its time");
    assert.ok(Number(second.started_at) - handOnAt < 10_000, "and at once then");
    assert.equal(Number((await hangUp(bob, campaignId))[1].agent_id), bob);
    assert.equal((await contactRow(contactId)).status, "succeeded");
    await f.clock.run({ until: f.clock.now() + 10_000 });
    const campaign = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}` });
    assert.equal(campaign.json().status, "completed", "nothing held back the campaign's completion");
    await post(`/v1/agents/${bob}/logout`);
  });

  test("handed to the campaign by its agent (or a supervisor): anyone's from then on", async () => {
    const { campaignId, contactId, ann, bob, at } = await annPromisesACallback("handed on");
    const url = `/v1/agents/${ann}/callbacks/${contactId}/release`;
    const done = await post(url);
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(done.json(), { contact_id: contactId, campaign_id: campaignId, callback_at: at });
    const again = await post(url);
    assert.equal(again.statusCode, 404, again.body);
    assert.equal(errorOf(again).code, "not_found");
    const released = await contactRow(contactId);
    assert.equal(released.callback_agent_id, null);
    assert.equal(released.wait_reason, "callback");
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    await f.clock.run({ until: Date.parse(at) - 1000 });
    await advanceUntil(() => state(bob) === "on_call");
    assert.equal(Number((await attempts(campaignId))[1].agent_id), bob);
    assert.equal(Number((await hangUp(bob, campaignId))[1].contact_id), contactId);
    await post(`/v1/agents/${ann}/logout`);
    await post(`/v1/agents/${bob}/logout`);
  });
});

describe("a personal callback and the agent's other calls", () => {
  let f: ApiFixture;
  before(async () => {
    // A pass every minute: one test idles through a night and a day where nothing changes behind the engine.
    f = await apiFixture(undefined, {}, false, { leaseMs: 180_000, maintenanceMs: 60_000 });
  });
  after(() => f.close());

  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  test("an agent taken out of the queue during its call cannot hold a callback for itself", async () => {
    const {
      campaignId,
      agentIds: [ann, bob],
    } = await agentCampaign(f, {
      name: "leaving",
      settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 30 },
      contacts: [{ phone: "+14155553201" }],
      agents: ["Ann leaving", "Bob staying"],
    });
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    const out = await f.call({ method: "DELETE", url: `/v1/campaigns/${campaignId}/agents/${ann}` });
    assert.equal(out.statusCode, 204, out.body);
    await advanceUntil(() => f.engine.board.get(ann)?.leaving === true, 100, 50);
    assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    const at = new Date(f.clock.now() + 3_600_000).toISOString();
    const personal = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: at,
      callbackPersonal: true,
    });
    assert.equal(personal.statusCode, 409, personal.body);
    assert.equal(errorOf(personal).code, "invalid_state");
    const anyone = await post(`/v1/agents/${ann}/disposition`, { disposition: "call back", callbackAt: at });
    assert.equal(anyone.statusCode, 200, anyone.body);
    assert.equal(anyone.json().callback_personal, false);
    assert.equal((await post(`/v1/agents/${bob}/login`, { campaignId })).statusCode, 200);
    await f.clock.run({ until: Date.parse(at) - 1000 });
    await advanceUntil(() => state(bob) === "on_call");
    assert.equal(Number((await attempts(campaignId))[1].agent_id), bob, "Bob makes it");
  });

  test("comes due while the pacer's call for its agent rings: nobody is abandoned, and it goes to the agent", async () => {
    const {
      campaignId,
      contactIds,
      agentIds: [ann],
    } = await agentCampaign(f, {
      name: "busy line",
      settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 5 },
      contacts: Array.from({ length: 60 }, (_, i) => ({ phone: `+1415555${3300 + i}` })),
      agents: ["Ann alone"],
    });
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    const first = Number((await attempts(campaignId))[0].contact_id);
    assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    // Due a second after her wrap-up ends: the line the pacer dials for her then is still ringing.
    const at = f.clock.now() + 6_000;
    const ok = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: new Date(at).toISOString(),
      callbackPersonal: true,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    // Ann works the list (each call ended by her after a while) until her callback is dialed.
    const callbackAttempt = async () =>
      (await attempts(campaignId)).find((a) => Number(a.contact_id) === first && a.seq === 2);
    for (let i = 0; i < 200 && !(await callbackAttempt()); i++) {
      await f.clock.run({ until: f.clock.now() + 5_000 });
      await new Promise((r) => setTimeout(r, 2));
      if (state(ann) === "on_call") await post(`/v1/agents/${ann}/hangup`);
    }
    const made = await callbackAttempt();
    assert.ok(made, "the callback was dialed");
    assert.ok(Number(made.started_at) >= at, "not before its time");
    await advanceUntil(() => state(ann) === "on_call");
    await post(`/v1/agents/${ann}/hangup`);
    await advanceUntil(() => state(ann) !== "on_call", 100, 50);
    await f.engine.dispatcher.flush();
    const all = await attempts(campaignId);
    assert.ok(all.length >= 3, "the pacer's call for her went out before the callback");
    assert.deepEqual(
      all.filter((a) => a.outcome === "abandoned").map((a) => a.contact_id),
      [],
      "no call was abandoned for the callback",
    );
    assert.equal(Number(all.find((a) => a.id === made.id)?.agent_id), ann);
    assert.ok(contactIds.length === 60);
  });

  test("due outside its calling hours: deferred, and the agent goes on taking other calls at once", async () => {
    const {
      campaignId,
      contactIds: [held, other],
      agentIds: [ann],
    } = await agentCampaign(f, {
      name: "after hours",
      settings: { dialMethod: "progressive", calleeWindow: { from: "09:00", to: "18:00" } },
      contacts: [
        { phone: "+14155553401", timeZone: "UTC" },
        { phone: "+14155553402", timeZone: "America/Los_Angeles" },
      ],
      agents: ["Ann after hours"],
    });
    // Tomorrow at 20:00 UTC: the held callee's evening, noon for the other callee, who is due then too.
    const eight = DateTime.fromMillis(f.clock.now(), { zone: "UTC" })
      .plus({ days: 1 })
      .set({ hour: 20, minute: 0, second: 0, millisecond: 0 })
      .toMillis();
    const wait = { status: "pending", ready: 0, next_attempt_at: eight } as const;
    await f.store.db
      .updateTable("contacts")
      .set({ ...wait, wait_reason: "callback_personal", callback_agent_id: ann })
      .where("id", "=", held)
      .execute();
    await f.store.db
      .updateTable("contacts")
      .set({ ...wait, wait_reason: "scheduled" })
      .where("id", "=", other)
      .execute();
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await f.clock.run({ until: eight - 1000 });
    assert.equal((await attempts(campaignId)).length, 0);
    await advanceUntil(() => state(ann) === "on_call", 1000, 120);
    const [call] = await attempts(campaignId);
    assert.equal(Number(call.contact_id), other, "the callback waits for its callee's morning");
    assert.ok(Number(call.started_at) - eight < 10_000, "Ann was not kept from her next call");
    const deferred = await f.store.db
      .selectFrom("contacts")
      .select(["callback_agent_id", "next_attempt_at"])
      .where("id", "=", held)
      .executeTakeFirstOrThrow();
    assert.equal(Number(deferred.callback_agent_id), ann, "still hers");
    assert.ok(Number(deferred.next_attempt_at) > eight, "deferred to its calling hours");
    await post(`/v1/agents/${ann}/logout`);
  });
});
