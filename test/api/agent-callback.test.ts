// A callback scheduled by the agent's disposition: refused while the call is live and for a time already
// past; once set, the contact waits for that time (nothing dialed before it), is called again then although
// the campaign allows one attempt, and that call goes to the agent; the contact then settles for good. Within
// 72 h of an abandoned call of the contact, only the agent's own callback is taken.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DateTime } from "luxon";
import {
  type ApiFixture,
  agentCampaign,
  agentShorthands,
  apiFixture,
  createCampaignViaApi,
  errorOf,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

describe("a callback from the agent's disposition", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const { post, state, advanceUntil, attempts } = agentShorthands(() => f);

  test("scheduled after the call, dialed at its time beyond the attempt limits (per contact and per number), to the agent", async () => {
    const { id: campaignId, listId } = await createCampaignViaApi(f, {
      name: "callbacks",
      settings: {
        dialMethod: "progressive",
        scenario: "all_human",
        calleeWindow: { from: "00:00", to: "24:00" },
        maxAttemptsPerContact: 1,
        maxAttemptsPerPhone: 1,
        wrapUpSec: 5,
      },
    });
    const [contactId] = await insertContacts(f.store, { accountId: f.accountId, campaignId, listId }, [
      { phones: JSON.stringify(["+14155553001"]), custom: JSON.stringify({ name: "Bea" }) },
    ]);
    // A CRM takes the agents' results, and nothing else (no partial results).
    const hook = await post("/v1/webhooks", {
      url: "http://127.0.0.1:9/crm",
      events: ["attempt.disposed"],
      campaignId,
      partialResults: false,
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const agent = (await post("/v1/agents", { name: "Cal" })).json() as { id: number };
    const put = await f.call({
      method: "PUT",
      url: `/v1/campaigns/${campaignId}/agents`,
      payload: { agents: [{ agentId: agent.id, penalty: 0 }] },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await post(`/v1/agents/${agent.id}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);

    await advanceUntil(() => state(agent.id) === "on_call");
    const inTwoHours = () => new Date(f.clock.now() + 2 * 3_600_000).toISOString();
    // While the call is live its outcome would overwrite the callback.
    const live = await post(`/v1/agents/${agent.id}/disposition`, {
      disposition: "call back",
      callbackAt: inTwoHours(),
    });
    assert.equal(live.statusCode, 409, live.body);
    assert.equal(errorOf(live).code, "call_in_progress");
    assert.equal((await post(`/v1/agents/${agent.id}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(agent.id) === "wrap_up", 100, 50);

    const past = await post(`/v1/agents/${agent.id}/disposition`, {
      disposition: "call back",
      callbackAt: new Date(f.clock.now() - 1000).toISOString(),
    });
    assert.equal(past.statusCode, 400, past.body);
    assert.equal(errorOf(past).field, "body.callbackAt");

    const at = inTwoHours();
    const ok = await post(`/v1/agents/${agent.id}/disposition`, { disposition: "call back", callbackAt: at });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().callback_at, at);
    const waiting = await f.store.db
      .selectFrom("contacts")
      .selectAll()
      .where("id", "=", contactId)
      .executeTakeFirstOrThrow();
    assert.equal(waiting.status, "pending");
    assert.equal(waiting.wait_reason, "callback");
    assert.equal(Number(waiting.next_attempt_at), Date.parse(at));
    // The disposition reached the CRM's outbox, with the callback and the agent; the refused tries did not.
    const sent = await f.store.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("webhook_id", "=", hook.json().id)
      .execute();
    assert.deepEqual(
      sent.map((r) => r.event_type),
      ["attempt.disposed"],
    );
    const event = JSON.parse(sent[0].payload);
    assert.equal(event.campaignId, campaignId);
    assert.deepEqual(event.data, {
      attempt: { id: ok.json().attempt_id, seq: 1, phone: "+14155553001" },
      agentId: agent.id,
      disposition: "call back",
      disposedAt: new Date(f.clock.now()).toISOString(),
      callbackAt: at,
      callbackPersonal: false,
      doNotCall: false,
      doNotCallList: null,
    });

    // Nothing is dialed before the callback's time, though the agent is ready again.
    await f.clock.run({ until: Date.parse(at) - 60_000 });
    assert.equal(state(agent.id), "ready");
    assert.equal((await attempts(campaignId)).length, 1);
    await advanceUntil(() => state(agent.id) === "on_call");
    const [first, second] = await attempts(campaignId);
    assert.ok(second, "the callback was dialed although the campaign allows one attempt");
    assert.ok(Number(second.started_at) >= Date.parse(at), "not before its time");
    assert.equal(second.contact_id, first.contact_id);
    assert.equal((await post(`/v1/agents/${agent.id}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(agent.id) !== "on_call", 100, 50);
    await f.clock.run({ until: f.clock.now() + 6 * 3_600_000 });
    await f.engine.dispatcher.flush();
    const after = await attempts(campaignId);
    assert.equal(after.length, 2, "one callback grants one attempt");
    assert.equal(Number(after[1].agent_id), agent.id);
    const settled = await f.store.db
      .selectFrom("contacts")
      .select(["status", "attempts"])
      .where("id", "=", contactId)
      .executeTakeFirstOrThrow();
    assert.equal(settled.status, "succeeded");
    assert.equal(settled.attempts, 2);
  });

  test("a callback in the person's local time is read in the contact's zone, else the campaign's where it fits", async () => {
    const {
      campaignId,
      contactIds,
      agentIds: [agentId],
    } = await agentCampaign(f, {
      name: "local callbacks",
      settings: { dialMethod: "progressive", defaultZone: "America/Boise", wrapUpSec: 600 },
      // Idaho's 208 spans two zones: the number alone does not tell, the campaign's default (one of them) does.
      contacts: [{ phone: "+12125553101", timeZone: "America/New_York" }, { phone: "+12085553102" }],
      agents: ["Lou"],
    });
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const dispose = (body: Record<string, unknown>) =>
      post(`/v1/agents/${agentId}/disposition`, { disposition: "call back", ...body });
    const tomorrowTen = (zone: string) =>
      DateTime.fromMillis(f.clock.now(), { zone })
        .plus({ days: 1 })
        .set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
    const nextAt = async (id: number) =>
      Number(
        (
          await f.store.db
            .selectFrom("contacts")
            .select("next_attempt_at")
            .where("id", "=", id)
            .executeTakeFirstOrThrow()
        ).next_attempt_at,
      );

    for (const [i, zone] of [
      [0, "America/New_York"],
      [1, "America/Boise"],
    ] as const) {
      await advanceUntil(() => state(agentId) === "on_call");
      assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(agentId) === "wrap_up", 100, 50);
      const local = tomorrowTen(zone).toFormat("yyyy-LL-dd'T'HH:mm");
      if (i === 0) {
        const both = await dispose({
          callbackLocal: local,
          callbackAt: new Date(f.clock.now() + 3_600_000).toISOString(),
        });
        assert.equal(both.statusCode, 400, both.body);
        assert.equal(errorOf(both).field, "body.callbackLocal");
        const notADate = await dispose({ callbackLocal: "2027-02-30T10:00" });
        assert.equal(notADate.statusCode, 400, notADate.body);
        assert.equal(errorOf(notADate).field, "body.callbackLocal");
        const badShape = await dispose({ callbackLocal: "tomorrow 10am" });
        assert.equal(badShape.statusCode, 400, badShape.body);
        assert.equal(errorOf(badShape).field, "body.callbackLocal");
        // A mistyped year is refused, not a contact held (and its campaign kept from completing) for ever.
        for (const body of [{ callbackLocal: "9999-12-31T23:59" }, { callbackAt: "2099-01-01T00:00:00Z" }]) {
          const far = await dispose(body);
          assert.equal(far.statusCode, 400, far.body);
          assert.match(errorOf(far).message, /within a year/);
        }
        const yesterday = tomorrowTen(zone).minus({ days: 2 }).toFormat("yyyy-LL-dd'T'HH:mm");
        const past = await dispose({ callbackLocal: yesterday });
        assert.equal(past.statusCode, 400, past.body);
        assert.match(errorOf(past).message, /America\/New_York/);
      }
      const ok = await dispose({ callbackLocal: local });
      assert.equal(ok.statusCode, 200, ok.body);
      const at = tomorrowTen(zone).toMillis();
      assert.equal(ok.json().callback_at, new Date(at).toISOString());
      assert.equal(ok.json().callback_zone, zone);
      assert.equal(await nextAt(contactIds[i]), at, "the contact waits for 10:00 on its own clock");
      assert.equal((await post(`/v1/agents/${agentId}/ready`)).statusCode, 200);
    }
    const plain = await attempts(campaignId);
    assert.equal(plain.length, 2, "nothing dialed before the callbacks' times");
  });

  test("a callback in local time for a person of unknown zone is refused, not read in UTC", async () => {
    const {
      campaignId,
      agentIds: [agentId],
    } = await agentCampaign(f, {
      name: "unknown zone",
      // A Chicago default is not the clock of a Sydney number, whose country has several zones.
      settings: { dialMethod: "progressive", defaultZone: "America/Chicago", wrapUpSec: 600 },
      contacts: [{ phone: "+12085553201" }, { phone: "+61291234567" }],
      agents: ["Ida"],
    });
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const zones: (string | null)[] = [];
    for (let i = 0; i < 2; i++) {
      await advanceUntil(() => state(agentId) === "on_call", 1000, 2000);
      assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(agentId) === "wrap_up", 100, 50);
      const local = DateTime.fromMillis(f.clock.now(), { zone: "UTC" })
        .plus({ days: 2 })
        .toFormat("yyyy-LL-dd'T'10:00");
      const res = await post(`/v1/agents/${agentId}/disposition`, {
        disposition: "cb",
        callbackLocal: local,
      });
      zones.push(res.statusCode === 200 ? res.json().callback_zone : null);
      if (res.statusCode !== 200) {
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(errorOf(res).field, "body.callbackLocal");
        assert.match(errorOf(res).message, /time zone is not known.*give callbackAt/);
      }
      assert.equal((await post(`/v1/agents/${agentId}/ready`)).statusCode, 200);
    }
    // The Idaho number's zone is the Chicago default's country's; the Sydney number's is not known.
    assert.deepEqual(zones, ["America/Chicago", null]);
  });

  // Ann's call with X ended; while she wrapped up, the campaign called X again and nobody was free: the
  // call was abandoned, and X waits 72 h from its end. Ann now records her call: "call back in 10 minutes".
  test("within 72 h of an abandoned call, refused unless personal: the campaign would dial with no agent", async () => {
    const {
      campaignId,
      contactIds: [x],
      agentIds: [ann],
    } = await agentCampaign(f, {
      name: "abandoned callbacks",
      settings: { dialMethod: "progressive", wrapUpSec: 600 },
      contacts: [{ phone: "+14155553201" }],
      agents: ["Ann"],
    });
    assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "on_call");
    assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
    await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
    await f.engine.dispatcher.flush();
    const now = f.clock.now();
    await insertAttempt(f.store, {
      accountId: f.accountId,
      campaignId,
      contactId: x,
      seq: 2,
      startedAt: now - 30_000,
      answeredAt: now - 5_000,
      endedAt: now - 3_000,
      outcome: "abandoned",
    });
    const waitEnd = now - 3_000 + 72 * 3_600_000;
    await f.store.db
      .updateTable("contacts")
      .set({ status: "pending", wait_reason: "abandoned_72h", next_attempt_at: waitEnd, updated_at: now })
      .where("id", "=", x)
      .execute();
    const contact = () =>
      f.store.db
        .selectFrom("contacts")
        .select(["wait_reason", "next_attempt_at"])
        .where("id", "=", x)
        .executeTakeFirstOrThrow();

    const soon = new Date(now + 10 * 60_000).toISOString();
    const refused = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: soon,
    });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(errorOf(refused).code, "abandoned_wait");
    assert.ok(errorOf(refused).message.includes(new Date(waitEnd).toISOString()), errorOf(refused).message);
    const kept = await contact();
    assert.deepEqual([kept.wait_reason, Number(kept.next_attempt_at)], ["abandoned_72h", waitEnd]);

    // Her own callback reserves her before the dial: allowed.
    const own = await post(`/v1/agents/${ann}/disposition`, {
      disposition: "call back",
      callbackAt: soon,
      callbackPersonal: true,
    });
    assert.equal(own.statusCode, 200, own.body);
    assert.equal((await contact()).wait_reason, "callback_personal");
    // Anyone's, once the wait is over: allowed.
    const later = new Date(waitEnd).toISOString();
    const ok = await post(`/v1/agents/${ann}/disposition`, { disposition: "call back", callbackAt: later });
    assert.equal(ok.statusCode, 200, ok.body);
    const waiting = await contact();
    assert.deepEqual([waiting.wait_reason, Number(waiting.next_attempt_at)], ["callback", waitEnd]);
  });
});
