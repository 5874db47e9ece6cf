// The 72 hours after an abandoned call, when a preview campaign changes its dial method: preview dials
// skip the wait (an agent is reserved before each), so contacts it left due within the 72 h must wait them
// out once the campaign dials any other way. Against the HTTP API, on both dialects.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ABANDONED_WAIT_REASON } from "../../src/model/redial-policy.ts";
import { dialects } from "../helpers/stores.ts";
import {
  type ApiFixture,
  advanceClockUntil,
  apiFixture,
  createCampaignViaApi,
  insertAttempt,
  insertContacts,
} from "./helpers.ts";

const HOUR = 3600_000;

for (const dialect of dialects())
  describe(`leaving preview puts recently abandoned contacts back behind their 72 h [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());

    const contact = (id: number) =>
      f.store.db
        .selectFrom("contacts")
        .select(["next_attempt_at", "wait_reason", "ready", "status"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
    const patch = async (id: number, settings: Record<string, unknown>) => {
      const res = await f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings } });
      assert.equal(res.statusCode, 200, res.body);
    };

    async function previewCampaign(name: string) {
      const now = f.clock.now();
      const { id, listId } = await createCampaignViaApi(f, { name, settings: { dialMethod: "preview" } });
      // Four contacts due now in the dial queue: abandoned 1 h ago, abandoned 80 h ago, abandoned 1 h ago
      // but held as an agent's personal callback, never called.
      const agent = await f.call({ method: "POST", url: "/v1/agents", payload: { name: `${name} agent` } });
      assert.equal(agent.statusCode, 201, agent.body);
      const [recent, old, personal, fresh] = await insertContacts(
        f.store,
        { accountId: f.accountId, campaignId: id, listId },
        [0, 1, 2, 3].map((i) => ({
          phones: JSON.stringify([`+1202555${2000 + i}`]),
          ready: 1,
          next_attempt_at: now,
          ...(i === 2
            ? { callback_agent_id: agent.json().id as number, wait_reason: "callback_personal" }
            : {}),
        })),
      );
      let seq = 1;
      for (const [contactId, endedAt] of [
        [recent, now - HOUR],
        [old, now - 80 * HOUR],
        [personal, now - HOUR],
      ]) {
        await insertAttempt(f.store, {
          accountId: f.accountId,
          campaignId: id,
          contactId,
          seq: seq++,
          startedAt: endedAt - 60_000,
          answeredAt: endedAt - 50_000,
          endedAt,
          outcome: "abandoned",
        });
      }
      return { id, now, recent, old, personal, fresh };
    }

    test("to predictive: a contact abandoned within 72 h waits until 72 h after the call; the others stay due", async () => {
      const c = await previewCampaign("leaves preview");
      await patch(c.id, { dialMethod: "predictive" });
      assert.deepEqual(await contact(c.recent), {
        next_attempt_at: c.now - HOUR + 72 * HOUR,
        wait_reason: ABANDONED_WAIT_REASON,
        ready: 0,
        status: "pending",
      });
      for (const [what, id] of [
        ["abandoned 80 h ago", c.old],
        ["a personal callback (its agent is reserved first)", c.personal],
        ["never called", c.fresh],
      ] as const) {
        const row = await contact(id);
        assert.equal(Number(row.next_attempt_at), c.now, what);
        assert.equal(row.ready, 1, what);
      }
    });

    test("an edit that keeps preview moves nothing; leaving preview later does", async () => {
      const c = await previewCampaign("stays preview");
      await patch(c.id, { dialMethod: "preview", wrapUpSec: 30 });
      assert.equal(Number((await contact(c.recent)).next_attempt_at), c.now, "still preview: due now");
      await patch(c.id, { dialMethod: "progressive" });
      assert.equal(
        Number((await contact(c.recent)).next_attempt_at),
        c.now - HOUR + 72 * HOUR,
        "left preview",
      );
    });

    test("a contact reserved by a preview when the campaign leaves preview, then given back, still waits out its 72 h", async () => {
      const now = f.clock.now();
      const { id, listId } = await createCampaignViaApi(f, {
        name: "reserved at the switch",
        settings: {
          dialMethod: "preview",
          scenario: "all_human",
          calleeWindow: { from: "00:00", to: "24:00" },
          wrapUpSec: 0,
        },
      });
      const abandonedAt = now - HOUR;
      // As the engine leaves a contact whose call was abandoned an hour ago (its record says when), due
      // again at once because a preview campaign may call it back with its agent there.
      const [c] = await insertContacts(f.store, { accountId: f.accountId, campaignId: id, listId }, [
        {
          phones: JSON.stringify(["+14155552000"]),
          ready: 1,
          next_attempt_at: now,
          attempts: 1,
          phone_attempts: "[1]",
          abandoned_at: abandonedAt,
        },
      ]);
      await insertAttempt(f.store, {
        accountId: f.accountId,
        campaignId: id,
        contactId: c,
        seq: 1,
        startedAt: abandonedAt - 60_000,
        answeredAt: abandonedAt - 50_000,
        endedAt: abandonedAt,
        outcome: "abandoned",
      });
      const agents: number[] = [];
      for (const name of ["Reserving", "Other"]) {
        agents.push((await f.call({ method: "POST", url: "/v1/agents", payload: { name } })).json().id);
      }
      const put = await f.call({
        method: "PUT",
        url: `/v1/campaigns/${id}/agents`,
        payload: { agents: agents.map((agentId) => ({ agentId, penalty: 0 })) },
      });
      assert.ok(put.statusCode < 300, put.body);
      const post = (url: string, payload: object = {}) => f.call({ method: "POST", url, payload });
      for (const a of agents)
        assert.equal((await post(`/v1/agents/${a}/login`, { campaignId: id })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${id}/start`)).statusCode, 200);
      const next = await post(`/v1/agents/${agents[0]}/preview/next`);
      assert.equal(next.json().contact?.contact_id, c, next.body);
      // The switch finds the contact reserved, not pending; the logout gives it back to the dial queue.
      await patch(id, { dialMethod: "progressive" });
      assert.equal((await post(`/v1/agents/${agents[0]}/logout`)).statusCode, 200);
      const from = f.clock.now();
      await advanceClockUntil(f, () => f.clock.now() - from >= 120_000, 1000, 200);
      assert.equal(f.engine.dispatcher.stats.originated, 0, "no progressive dial within the 72 h");
      assert.deepEqual(await contact(c), {
        next_attempt_at: abandonedAt + 72 * HOUR,
        wait_reason: ABANDONED_WAIT_REASON,
        ready: 0,
        status: "pending",
      });
      await post(`/v1/campaigns/${id}/stop`);
      await post(`/v1/agents/${agents[1]}/logout`);
    });
  });
