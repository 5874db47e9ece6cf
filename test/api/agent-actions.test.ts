// The agent desktop API against the running HTTP server: log in, the event stream (SSE), a call handed to
// the agent, hangup, wrap-up, disposition, pause, logout, the preview flow, a supervisor's stream, the
// abandonment report, and who may act as which agent. The engine runs on the virtual clock, which the
// test advances while the stream is read over a real connection.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../helpers/child.ts";
import {
  type ApiFixture,
  apiFixture,
  createCampaignViaApi,
  errorOf,
  insertContacts,
  openEventStream,
} from "./helpers.ts";

describe("agent desktop API", () => {
  let f: ApiFixture;
  let base: string;
  const bearer = () => `Bearer ${f.key}`;
  const post = (url: string, payload: unknown = {}, key?: string) =>
    f.call({ method: "POST", url, payload: payload as object, key });

  before(async () => {
    f = await apiFixture();
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => f.close());

  /** Advances the virtual clock a second at a time until `done` holds (or 10 virtual minutes). */
  async function advanceUntil(done: () => boolean): Promise<void> {
    for (let i = 0; i < 600 && !done(); i++) {
      await f.clock.run({ until: f.clock.now() + 1000 });
      await new Promise((r) => setTimeout(r, 3));
    }
    await waitFor("the stream to catch up", () => done(), 5000);
  }

  async function campaignWithAgent(settings: Record<string, unknown>, contacts: number) {
    const { id, listId } = await createCampaignViaApi(f, {
      name: `agents ${settings.dialMethod}`,
      settings: { scenario: "all_human", calleeWindow: { from: "00:00", to: "24:00" }, ...settings },
    });
    await insertContacts(
      f.store,
      { accountId: f.accountId, campaignId: id, listId },
      Array.from({ length: contacts }, (_, i) => ({
        phones: JSON.stringify([`+1415555${String(2000 + i)}`]),
        custom: JSON.stringify({ name: `Caller ${i}` }),
      })),
    );
    const agent = (await post("/v1/agents", { name: "Ann" })).json() as { id: number };
    const put = await f.call({
      method: "PUT",
      url: `/v1/campaigns/${id}/agents`,
      payload: { agents: [{ agentId: agent.id, penalty: 0 }] },
    });
    assert.equal(put.statusCode, 200, put.body);
    return { campaignId: id, agentId: agent.id };
  }

  test("progressive: login, a call with the contact's data on the stream, hangup, wrap-up, disposition, ready, pause, logout", async () => {
    const { campaignId, agentId } = await campaignWithAgent({ dialMethod: "progressive", wrapUpSec: 30 }, 2);
    const stream = await openEventStream(`${base}/v1/agents/${agentId}/events`, bearer());
    const wall = await openEventStream(`${base}/v1/agents/events`, bearer());
    try {
      await waitFor("the current state first", () => stream.events[0]?.event === "state", 5000);
      assert.equal((stream.events[0].data.agent as { state: string }).state, "logged_out");

      const login = await post(`/v1/agents/${agentId}/login`, { campaignId });
      assert.equal(login.statusCode, 200, login.body);
      assert.equal(login.json().state, "ready");
      assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);

      await advanceUntil(() => stream.events.some((e) => e.event === "call"));
      const call = stream.events.find((e) => e.event === "call")?.data as {
        contact: { attempt_id: number; phone: string; data: { name: string } };
        wait_ms: number;
      };
      assert.match(call.contact.phone, /^\+1415555200[01]$/);
      assert.match(call.contact.data.name, /^Caller [01]$/);
      const onCall = await f.call({ method: "GET", url: `/v1/agents/${agentId}/state` });
      assert.equal(onCall.json().state, "on_call");
      assert.equal(onCall.json().attempt_id, call.contact.attempt_id);

      // Pausing or logging out mid-call is refused; hanging up ends the call into wrap-up.
      assert.equal(
        errorOf(await post(`/v1/agents/${agentId}/pause`, { reason: "coffee" })).code,
        "invalid_state",
      );
      assert.equal(errorOf(await post(`/v1/agents/${agentId}/logout`)).code, "on_call");
      assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
      await advanceUntil(() => stream.events.some((e) => e.event === "call_ended"));
      assert.equal(
        (await f.call({ method: "GET", url: `/v1/agents/${agentId}/state` })).json().state,
        "wrap_up",
      );

      const disp = await post(`/v1/agents/${agentId}/disposition`, { disposition: "sale" });
      assert.equal(disp.statusCode, 200, disp.body);
      assert.deepEqual(disp.json(), {
        attempt_id: call.contact.attempt_id,
        disposition: "sale",
        dnc_phone: null,
        dnc_campaign_id: null,
        callback_at: null,
        callback_personal: false,
        callback_zone: null,
      });
      await f.engine.dispatcher.flush();
      const row = await f.store.db
        .selectFrom("attempts")
        .selectAll()
        .where("id", "=", call.contact.attempt_id)
        .executeTakeFirstOrThrow();
      assert.equal(row.disposition, "sale");
      assert.equal(Number(row.agent_id), agentId);
      assert.equal(row.outcome, "human");
      // The attempts API shows who took the call, how long the person waited, and the disposition;
      // and filters a campaign's attempts by agent.
      const byAgent = await f.call({
        method: "GET",
        url: `/v1/campaigns/${campaignId}/attempts?agent_id=${agentId}`,
      });
      assert.equal(byAgent.statusCode, 200, byAgent.body);
      const [seen] = byAgent.json().data as Record<string, unknown>[];
      assert.equal(byAgent.json().data.length, 1);
      assert.equal(seen.id, call.contact.attempt_id);
      assert.equal(seen.agent_id, agentId);
      assert.equal(seen.wait_ms, 0);
      assert.equal(seen.disposition, "sale");
      assert.equal(seen.disposition_at, new Date(row.disposition_at as number).toISOString());
      const other = await f.call({
        method: "GET",
        url: `/v1/campaigns/${campaignId}/attempts?agent_id=${agentId + 1000}`,
      });
      assert.deepEqual(other.json().data, []);
      assert.equal(
        errorOf(await post(`/v1/agents/${agentId}/disposition`, { disposition: "x", attemptId: 999999 }))
          .code,
        "invalid_state",
      );

      // Wrap-up ended early by the agent; then a pause with its reason, and logout.
      const pause = await post(`/v1/agents/${agentId}/pause`, { reason: "coffee" });
      assert.equal(pause.json().state, "paused");
      assert.equal(pause.json().pause_reason, "coffee");
      assert.equal((await post(`/v1/agents/${agentId}/ready`)).json().state, "ready");
      await advanceUntil(() => stream.events.filter((e) => e.event === "call").length === 2);
      assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
      await advanceUntil(() => stream.events.filter((e) => e.event === "call_ended").length === 2);
      // A CRM hears each disposition, with the list a do-not-call request went on.
      const crm = await post("/v1/webhooks", {
        url: "http://127.0.0.1:9/crm",
        events: ["attempt.disposed"],
        campaignId,
      });
      assert.equal(crm.statusCode, 201, crm.body);
      // "Don't call me again": the disposition puts the number called on the account's DNC list.
      const second = stream.events.filter((e) => e.event === "call")[1].data as {
        contact: { attempt_id: number; phone: string };
      };
      const dnc = await post(`/v1/agents/${agentId}/disposition`, { disposition: "do not call", dnc: true });
      assert.equal(dnc.statusCode, 200, dnc.body);
      assert.equal(dnc.json().dnc_phone, second.contact.phone);
      const listed = await f.call({
        method: "GET",
        url: `/v1/dnc/${encodeURIComponent(second.contact.phone)}`,
      });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.equal(listed.json().source, "agent");
      assert.match(listed.json().reason, /do not call/);
      const firstListed = await f.call({
        method: "GET",
        url: `/v1/dnc/${encodeURIComponent(call.contact.phone)}`,
      });
      assert.equal(firstListed.statusCode, 404, "the first call's number was not put on the list");
      assert.equal(dnc.json().dnc_campaign_id, null, "the account's list");
      // "Not for this company": the campaign's own list instead (dncList needs dnc).
      const loose = await post(`/v1/agents/${agentId}/disposition`, {
        disposition: "not this client",
        dncList: "campaign",
      });
      assert.equal(loose.statusCode, 400, loose.body);
      assert.equal(errorOf(loose).field, "body.dncList");
      const own = await post(`/v1/agents/${agentId}/disposition`, {
        disposition: "not this client",
        dnc: true,
        dncList: "campaign",
      });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().dnc_campaign_id, campaignId);
      const ownUrl = `/v1/dnc/${encodeURIComponent(second.contact.phone)}?campaign_id=${campaignId}`;
      assert.equal((await f.call({ method: "GET", url: ownUrl })).json().campaign_id, campaignId);
      assert.equal((await f.call({ method: "DELETE", url: ownUrl })).statusCode, 204);
      const told = await f.store.db
        .selectFrom("webhook_deliveries")
        .select("payload")
        .where("webhook_id", "=", crm.json().id)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        told.map((r) => {
          const { disposition, doNotCall, doNotCallList } = JSON.parse(r.payload).data;
          return [disposition, doNotCall, doNotCallList];
        }),
        [
          ["do not call", true, "account"],
          ["not this client", true, "campaign"],
        ],
      );
      assert.equal(
        (await f.call({ method: "DELETE", url: `/v1/webhooks/${crm.json().id}` })).statusCode,
        204,
      );
      // The other tests of this account dial the same numbers.
      const unlisted = await f.call({
        method: "DELETE",
        url: `/v1/dnc/${encodeURIComponent(second.contact.phone)}`,
      });
      assert.equal(unlisted.statusCode, 204, unlisted.body);
      const out = await post(`/v1/agents/${agentId}/logout`);
      assert.equal(out.json().state, "logged_out");
      await waitFor(
        "the logout on the stream",
        () => stream.events.filter((e) => e.event === "state").length === 9,
        5000,
      );

      const states = stream.events
        .filter((e) => e.event === "state")
        .map((e) => (e.data.agent as { state: string }).state);
      assert.deepEqual(states, [
        "logged_out",
        "ready",
        "on_call",
        "wrap_up",
        "paused",
        "ready",
        "on_call",
        "wrap_up",
        "logged_out",
      ]);
      // The supervisor's stream saw the same agent's events.
      assert.ok(wall.events.filter((e) => e.event === "call").length === 2);

      const rates = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/abandonment` });
      assert.equal(rates.statusCode, 200, rates.body);
      assert.deepEqual(rates.json().campaign, {
        live_answers: 2,
        abandoned: 0,
        amd_machine_verdicts: 0,
        amd_false_positives_estimated: 0,
        rate: 0,
      });
      assert.equal(rates.json().target_rate, 0.03);
    } finally {
      stream.close();
      wall.close();
    }
  });

  test("a disposition right after the call ends reaches subscribers after the call's own events", async () => {
    const { campaignId, agentId } = await campaignWithAgent({ dialMethod: "progressive", wrapUpSec: 30 }, 1);
    const hook = await post("/v1/webhooks", {
      url: "http://127.0.0.1:9/crm",
      campaignId,
      events: ["attempt.ended", "attempt.disposed", "contact.status_changed"],
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const state = () => f.engine.agents.states(f.accountId).get(agentId)?.state;
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    await advanceUntil(() => state() === "on_call");
    assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
    // Just until the call has ended: its outcome may still wait for the dispatcher's next pass.
    await f.clock.run({ until: f.clock.now() + 5000, stop: () => state() === "wrap_up" });
    assert.equal((await post(`/v1/agents/${agentId}/disposition`, { disposition: "sale" })).statusCode, 200);
    await f.clock.run({ until: f.clock.now() + 2000 });
    const types = (
      await f.store.db
        .selectFrom("webhook_deliveries")
        .select("event_type")
        .where("webhook_id", "=", hook.json().id)
        .orderBy("id")
        .execute()
    ).map((r) => r.event_type);
    assert.deepEqual(types, ["attempt.ended", "contact.status_changed", "attempt.disposed"]);
  });

  test("preview: next shows the contact before any dial, skip defers it, dial places it", async () => {
    const { campaignId, agentId } = await campaignWithAgent(
      { dialMethod: "preview", wrapUpSec: 0, retryIntervalSec: 3600 },
      2,
    );
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const first = await post(`/v1/agents/${agentId}/preview/next`);
    assert.equal(first.statusCode, 200, first.body);
    const offered = first.json().contact as { contact_id: number; attempt_id: number };
    assert.ok(offered);
    const dialed = f.engine.dispatcher.stats.originated;
    await f.clock.run({ until: f.clock.now() + 10_000 });
    assert.equal(f.engine.dispatcher.stats.originated, dialed, "nothing dialed while the agent looks");
    assert.equal(
      (await f.call({ method: "GET", url: `/v1/agents/${agentId}/state` })).json().state,
      "reserved",
    );
    assert.equal(errorOf(await post(`/v1/agents/${agentId}/preview/next`)).code, "invalid_state");

    assert.equal((await post(`/v1/agents/${agentId}/preview/skip`)).json().state, "ready");
    const skipped = await f.store.db
      .selectFrom("contacts")
      .selectAll()
      .where("id", "=", offered.contact_id)
      .executeTakeFirstOrThrow();
    assert.equal(skipped.status, "pending");
    assert.equal(skipped.wait_reason, "preview_skipped");
    assert.equal(Number(skipped.next_attempt_at), f.clock.now() + 3600_000);
    assert.equal(skipped.attempts, 0, "a skip is not an attempt");

    const second = (await post(`/v1/agents/${agentId}/preview/next`)).json().contact as {
      contact_id: number;
    };
    assert.notEqual(second.contact_id, offered.contact_id);
    assert.equal((await post(`/v1/agents/${agentId}/preview/dial`)).statusCode, 200);
    assert.equal(f.engine.dispatcher.stats.originated, dialed + 1);
    await advanceUntil(() => f.engine.board.get(agentId)?.state === "on_call");
    // Nothing else is due for an hour.
    assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
    await advanceUntil(() => f.engine.board.get(agentId)?.state === "ready");
    assert.deepEqual((await post(`/v1/agents/${agentId}/preview/next`)).json(), { contact: null });
  });

  test("preview: a disposition set while the next contact is previewed is the last call's, not the preview's", async () => {
    const { campaignId, agentId } = await campaignWithAgent({ dialMethod: "preview", wrapUpSec: 60 }, 2);
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const talked = (await post(`/v1/agents/${agentId}/preview/next`)).json().contact.attempt_id as number;
    assert.equal((await post(`/v1/agents/${agentId}/preview/dial`)).statusCode, 200);
    await advanceUntil(() => f.engine.board.get(agentId)?.state === "on_call");
    assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
    await advanceUntil(() => f.engine.board.get(agentId)?.state === "wrap_up");
    assert.equal((await post(`/v1/agents/${agentId}/ready`)).statusCode, 200, "wrap-up ended early");
    const previewed = (await post(`/v1/agents/${agentId}/preview/next`)).json().contact.attempt_id as number;
    assert.notEqual(previewed, talked);

    const refused = await post(`/v1/agents/${agentId}/disposition`, {
      disposition: "x",
      attemptId: previewed,
    });
    assert.equal(errorOf(refused).code, "invalid_state", "a contact only previewed has had no call");
    const set = await post(`/v1/agents/${agentId}/disposition`, { disposition: "sale" });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().attempt_id, talked);
    assert.equal((await post(`/v1/agents/${agentId}/preview/skip`)).statusCode, 200);
    const row = await f.store.db
      .selectFrom("attempts")
      .select("disposition")
      .where("id", "=", talked)
      .executeTakeFirstOrThrow();
    assert.equal(row.disposition, "sale", "kept on the call that happened");
    await post(`/v1/agents/${agentId}/logout`);
  });

  test("preview: a number listed do-not-call, or calling hours closed, after the preview is not dialed", async () => {
    // The numbers are San Francisco's: their hours are Los Angeles time. The clock starts at 12:00 UTC,
    // 04:00 there.
    const { campaignId, agentId } = await campaignWithAgent(
      { dialMethod: "preview", calleeWindow: { from: "01:00", to: "04:05" } },
      2,
    );
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const dialed = f.engine.dispatcher.stats.originated;

    const first = (await post(`/v1/agents/${agentId}/preview/next`)).json().contact;
    assert.equal((await post("/v1/dnc", { numbers: [first.phone] })).statusCode, 200);
    const listed = await post(`/v1/agents/${agentId}/preview/dial`);
    assert.equal(listed.statusCode, 409, listed.body);
    assert.equal(errorOf(listed).code, "dnc_listed");
    assert.equal(f.engine.board.get(agentId)?.state, "ready", "the agent may ask for the next contact");

    const second = (await post(`/v1/agents/${agentId}/preview/next`)).json().contact;
    assert.notEqual(second.contact_id, first.contact_id, "the listed contact is not offered again");
    const listedRow = await f.store.db
      .selectFrom("contacts")
      .select(["status", "attempts"])
      .where("id", "=", first.contact_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(listedRow, { status: "suppressed", attempts: 0 }, "the claim's rules settled it");

    await f.clock.run({ until: f.clock.now() + 10 * 60_000 }); // the agent reads until 04:10 there
    const closed = await post(`/v1/agents/${agentId}/preview/dial`);
    assert.equal(errorOf(closed).code, "window_closed");
    const waiting = await f.store.db
      .selectFrom("contacts")
      .select(["status", "attempts"])
      .where("id", "=", second.contact_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(waiting, { status: "pending", attempts: 0 });
    assert.deepEqual((await post(`/v1/agents/${agentId}/preview/next`)).json(), { contact: null });
    assert.equal(f.engine.dispatcher.stats.originated, dialed, "nobody was called");
    await post(`/v1/agents/${agentId}/logout`);
  });

  test("preview: a dial after a store error can be retried; a preview another node's sweep gave back is not dialed", async () => {
    // Three contacts: the first number went on the account's do-not-call list in an earlier test.
    const { campaignId, agentId } = await campaignWithAgent({ dialMethod: "preview" }, 3);
    assert.equal((await post(`/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
    const dialed = f.engine.dispatcher.stats.originated;

    // A transient store error at the dial: nothing is dialed, and the agent may try again.
    await post(`/v1/agents/${agentId}/preview/next`);
    const dispatch = f.engine.dispatch;
    const listedPhones = dispatch.listedPhones;
    dispatch.listedPhones = async () => {
      dispatch.listedPhones = listedPhones;
      throw new Error("connection reset");
    };
    assert.equal((await post(`/v1/agents/${agentId}/preview/dial`)).statusCode, 500);
    assert.equal(f.engine.dispatcher.stats.originated, dialed);
    assert.equal((await post(`/v1/agents/${agentId}/preview/dial`)).statusCode, 200, "the retry dials");
    assert.equal(f.engine.dispatcher.stats.originated, dialed + 1);
    await advanceUntil(() => f.engine.board.get(agentId)?.state === "on_call");
    assert.equal((await post(`/v1/agents/${agentId}/hangup`)).statusCode, 200);
    await advanceUntil(() => f.engine.board.get(agentId)?.state === "wrap_up");
    assert.equal((await post(`/v1/agents/${agentId}/ready`)).statusCode, 200);

    // This node's lease on the preview ran out (a long stall) and another node's sweep gave it back.
    const next = await post(`/v1/agents/${agentId}/preview/next`);
    const offered = next.json().contact;
    assert.ok(offered, `${next.statusCode} ${next.body} ${f.engine.board.get(agentId)?.state}`);
    const now = f.clock.now();
    await f.store.db
      .updateTable("contacts")
      .set({ lease_expires_at: now - 1 })
      .where("id", "=", offered.contact_id)
      .execute();
    await f.store.db
      .updateTable("node_heartbeats")
      .set({ alive_until: now - 1 })
      .execute();
    const { reserved } = await f.store.db
      .selectFrom("attempts")
      .select("reserved")
      .where("id", "=", offered.attempt_id)
      .executeTakeFirstOrThrow();
    const before = JSON.parse(reserved as string);
    const released = { ...before, attemptId: offered.attempt_id, contactId: offered.contact_id };
    await dispatch.release([{ ...released, owner: { expiredBefore: now } }]);
    const refused = await post(`/v1/agents/${agentId}/preview/dial`);
    assert.equal(errorOf(refused).code, "invalid_state");
    assert.equal(
      f.engine.dispatcher.stats.originated,
      dialed + 1,
      "nobody was called for a contact not ours",
    );
    assert.equal(f.engine.board.get(agentId)?.state, "ready");
    await post(`/v1/agents/${agentId}/logout`);
  });

  test("errors: validation, not in the queue, logged out, another account's agent", async () => {
    const { campaignId, agentId } = await campaignWithAgent({ dialMethod: "progressive" }, 0);
    const bad = await post(`/v1/agents/${agentId}/login`, {});
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).field, "body.campaignId");
    const other = (await post("/v1/agents", { name: "Bo" })).json() as { id: number };
    const notQueued = await post(`/v1/agents/${other.id}/login`, { campaignId });
    assert.equal(notQueued.statusCode, 409);
    assert.equal(errorOf(notQueued).code, "not_in_queue");
    assert.equal(errorOf(await post(`/v1/agents/${other.id}/ready`)).code, "logged_out");
    const stranger = await f.newAccount("elsewhere");
    const foreign = await post(`/v1/agents/${agentId}/login`, { campaignId }, stranger.key);
    assert.equal(foreign.statusCode, 404);
    assert.equal(errorOf(await post("/v1/agents/999999/logout")).code, "not_found");
  });

  test("an agent user acts only as its own agent, and finds it at /v1/agents/me", async () => {
    const { campaignId, agentId } = await campaignWithAgent({ dialMethod: "progressive" }, 0);
    const user = await post("/v1/users", {
      username: "ann-desk",
      password: "a long agent password",
      role: "agent",
    });
    assert.equal(user.statusCode, 201, user.body);
    const bind = await f.call({
      method: "PATCH",
      url: `/v1/agents/${agentId}`,
      payload: { userId: user.json().id },
    });
    assert.equal(bind.statusCode, 200, bind.body);
    const other = (await post("/v1/agents", { name: "Cy" })).json() as { id: number };
    const basic = `Basic ${Buffer.from("ann-desk:a long agent password").toString("base64")}`;
    const as = (method: "GET" | "POST", url: string, payload?: object) =>
      f.app.inject({ method, url, payload, headers: { authorization: basic } });
    const me = await as("GET", "/v1/agents/me");
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().agent_id, agentId);
    assert.equal((await as("POST", `/v1/agents/${agentId}/login`, { campaignId })).statusCode, 200);
    assert.equal((await as("POST", `/v1/agents/${other.id}/login`, { campaignId })).statusCode, 403);
    const stream = await openEventStream(`${base}/v1/agents/${agentId}/events`, basic);
    await waitFor("own stream", () => stream.events.length > 0, 5000);
    stream.close();
    const foreignStream = await fetch(`${base}/v1/agents/${other.id}/events`, {
      headers: { authorization: basic },
    });
    assert.equal(foreignStream.status, 403);
    assert.equal((await as("POST", `/v1/agents/${agentId}/logout`)).statusCode, 200);
  });
});

test("closing the server ends open event streams instead of waiting for their clients", async () => {
  const f = await apiFixture();
  const base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  const agent = (await f.call({ method: "POST", url: "/v1/agents", payload: { name: "Ann" } })).json();
  const streams = await Promise.all(
    [`/v1/agents/${agent.id}/events`, "/v1/agents/events"].map((url) =>
      fetch(base + url, { headers: { authorization: `Bearer ${f.key}` } }),
    ),
  );
  const readers = streams.map((res) => {
    assert.equal(res.status, 200);
    return res.body!.getReader();
  });
  for (const r of readers) assert.equal((await r.read()).done, false, "the stream is open");
  const closed = f.close().then(() => "closed");
  const timeout = new Promise((resolve) => setTimeout(() => resolve("still open after 5 s"), 5000));
  assert.equal(await Promise.race([closed, timeout]), "closed");
  for (const r of readers) {
    let done = false;
    while (!done) done = (await r.read()).done;
    assert.ok(done, "the client sees the end");
  }
});

test("an open event stream ends once its key is revoked, its user disabled or its role changed", async () => {
  const f = await apiFixture();
  const base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  const post = (url: string, payload: object) => f.call({ method: "POST", url, payload });
  /** Opens the account's stream; `closed` resolves when the server ends it. */
  const open = async (authorization: string) => {
    const res = await fetch(`${base}/v1/agents/events`, { headers: { authorization } });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const closed = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    return { closed, cancel: () => reader.cancel() };
  };
  const basic = (user: string) => `Basic ${Buffer.from(`${user}:correct horse battery`).toString("base64")}`;
  try {
    const key = (await post("/v1/api-keys", { name: "sup", role: "supervisor" })).json() as {
      id: number;
      key: string;
    };
    const users = [];
    for (const username of ["sue", "sam"]) {
      const r = await post("/v1/users", { username, password: "correct horse battery", role: "supervisor" });
      assert.equal(r.statusCode, 201, r.body);
      users.push(r.json() as { id: number });
    }
    const byKey = await open(`Bearer ${key.key}`);
    const disabled = await open(basic("sue"));
    const demoted = await open(basic("sam"));
    const kept = await open(`Bearer ${f.key}`);
    assert.equal((await f.call({ method: "DELETE", url: `/v1/api-keys/${key.id}` })).statusCode, 204);
    const patch = (id: number, payload: object) =>
      f.call({ method: "PATCH", url: `/v1/users/${id}`, payload });
    assert.equal((await patch(users[0].id, { disabled: true })).statusCode, 200);
    assert.equal((await patch(users[1].id, { role: "call_list_manager" })).statusCode, 200);
    const within = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));
    for (const [name, s] of Object.entries({ byKey, disabled, demoted })) {
      assert.equal(await Promise.race([s.closed, within(12_000)]), true, `${name}'s stream ended`);
    }
    assert.equal(await Promise.race([kept.closed, within(100)]), false, "the owner's stream stays open");
    await kept.cancel();
  } finally {
    await f.close();
  }
});
