// A logged-out agent may still set the result of its last call (ended with none) by naming it, once: the
// session that could correct it has ended. Two such requests sent together (a desktop's retry, two tabs)
// both read the call as undisposed; only one may record its result and tell subscribers, the other is
// refused (409 already_disposed), as is one sent after the first. The right to set it is taken with a
// guarded UPDATE (store/agent-calls.ts claimUndisposedCall), so this holds on PostgreSQL too.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { claimUndisposedCall } from "../../src/store/agent-calls.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, agentCampaign, agentShorthands, apiFixture, errorOf } from "./helpers.ts";

for (const dc of dialects())
  describe(`a logged-out agent's last call result, sent twice at once (${dc.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => dc.open());
    });
    after(() => f.close());
    const { post, state, advanceUntil } = agentShorthands(() => f);

    /** Ann takes the campaign's one call, hangs up and logs out in wrap-up with no result set. */
    async function annLogsOutUndisposed(name: string, phone: string) {
      const {
        campaignId,
        agentIds: [ann],
      } = await agentCampaign(f, {
        name,
        settings: { dialMethod: "progressive", maxAttemptsPerContact: 1, wrapUpSec: 30 },
        contacts: [{ phone }],
        agents: [`Ann ${name}`],
      });
      assert.equal((await post(`/v1/agents/${ann}/login`, { campaignId })).statusCode, 200);
      assert.equal((await post(`/v1/campaigns/${campaignId}/start`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "on_call");
      const attemptId = Number(f.engine.board.get(ann)?.callId);
      assert.equal((await post(`/v1/agents/${ann}/hangup`)).statusCode, 200);
      await advanceUntil(() => state(ann) === "wrap_up", 100, 50);
      assert.equal((await post(`/v1/agents/${ann}/logout`)).statusCode, 200);
      return { ann, attemptId };
    }

    const disposedEvents = async (attemptId: number) => {
      const rows = await f.store.db
        .selectFrom("webhook_deliveries")
        .select("payload")
        .where("event_type", "=", "attempt.disposed")
        .execute();
      return rows.filter((r) => JSON.parse(r.payload).data.attempt.id === attemptId).length;
    };

    test("one is recorded, the other is refused with 409 already_disposed", async () => {
      const { ann, attemptId } = await annLogsOutUndisposed("twice", "+14155553601");
      const hook = await f.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url: "https://crm.example.com/hook", events: ["attempt.disposed"] },
      });
      assert.equal(hook.statusCode, 201, hook.body);
      const [a, b] = await Promise.all(
        ["sale", "no sale"].map((disposition) =>
          post(`/v1/agents/${ann}/disposition`, { disposition, attemptId }),
        ),
      );
      const statuses = [a.statusCode, b.statusCode].sort();
      assert.deepEqual(statuses, [200, 409], `${a.body} ${b.body}`);
      const [won, lost] = a.statusCode === 200 ? [a, b] : [b, a];
      assert.equal(errorOf(lost).code, "already_disposed");
      assert.match(errorOf(lost).message, new RegExp(`attempt ${attemptId}`));
      const row = await f.store.db
        .selectFrom("attempts")
        .select(["disposition", "disposed_by"])
        .where("id", "=", attemptId)
        .executeTakeFirstOrThrow();
      assert.equal(row.disposition, won.json().disposition, "the result answered 200 is the one kept");
      assert.equal(Number(row.disposed_by), ann);
      assert.equal(await disposedEvents(attemptId), 1, "subscribers hear of one result");

      const later = await post(`/v1/agents/${ann}/disposition`, { disposition: "again", attemptId });
      assert.equal(later.statusCode, 409, later.body);
      assert.equal(errorOf(later).code, "already_disposed");
      const del = await f.call({ method: "DELETE", url: `/v1/webhooks/${hook.json().id}` });
      assert.equal(del.statusCode, 204);
    });

    test("a request's hold on setting the result is not shown as a result in the attempts API", async () => {
      const { ann, attemptId } = await annLogsOutUndisposed("held", "+14155553603");
      // As a request that took the right to set it and died before its write leaves the call.
      await f.clock.run({ until: f.clock.now() + 5_000 }); // the call's end written
      assert.ok(await claimUndisposedCall(f.store, f.accountId, ann, attemptId, f.clock.now()));
      const row = await f.store.db
        .selectFrom("attempts")
        .select(["campaign_id"])
        .where("id", "=", attemptId)
        .executeTakeFirstOrThrow();
      const page = await f.call({ method: "GET", url: `/v1/campaigns/${row.campaign_id}/attempts` });
      assert.equal(page.statusCode, 200, page.body);
      const view = page.json().data.find((a: { id: number }) => a.id === attemptId);
      assert.deepEqual([view.disposition, view.disposed_by, view.disposition_at], [null, null, null]);
    });

    test("a try refused after the right to set it was taken gives it back: the next is recorded", async () => {
      const { ann, attemptId } = await annLogsOutUndisposed("refused", "+14155553602");
      const personal = await post(`/v1/agents/${ann}/disposition`, {
        disposition: "call back",
        attemptId,
        callbackAt: new Date(f.clock.now() + 3_600_000).toISOString(),
        callbackPersonal: true,
      });
      assert.equal(personal.statusCode, 409, personal.body);
      assert.equal(errorOf(personal).code, "logged_out", "a callback held for a logged-out agent");
      const set = await post(`/v1/agents/${ann}/disposition`, { disposition: "sale", attemptId });
      assert.equal(set.statusCode, 200, set.body);
    });
  });
