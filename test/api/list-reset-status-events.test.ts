// A list reset (POST /v1/campaigns/{id}/lists/{listId}/reset) brings settled contacts back to pending, and
// each one it reopens is reported by a contact.status_changed from its settled status to pending, written
// in the reset's transaction, as a callback's reopening is (callback-reopen-event.test.ts). It used to
// write none: a subscriber heard a contact's final result, then nothing, then the next round's final
// result (webhooks13). The event is not final (subscriptions of settled results only do not get it), goes
// only to subscriptions that name its type, and a large list gets one per contact, written a batch at a time.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { NewContact } from "../../src/store/schema.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

const HOUR = 3_600_000;
const URL = "http://127.0.0.1:9/crm";

for (const dialect of dialects()) {
  describe(`list reset events [${dialect.name}]`, () => {
    let f: ApiFixture;
    let campaignId: number;
    let listId: number;
    const hooks: Record<string, number> = {};

    before(async () => {
      f = await apiFixture(dialect.open);
      ({ id: campaignId, listId } = await createCampaignViaApi(f, { name: "reset-events" }));
      const subscribe = async (name: string, body: Record<string, unknown>) => {
        const res = await f.call({ method: "POST", url: "/v1/webhooks", payload: { url: URL, ...body } });
        assert.equal(res.statusCode, 201, res.body);
        hooks[name] = res.json().id;
      };
      await subscribe("changes", { events: ["contact.status_changed"], campaignId });
      await subscribe("account", { events: ["contact.status_changed", "attempt.ended"] });
      await subscribe("finalsOnly", { events: ["contact.status_changed"], partialResults: false });
      await subscribe("otherTypes", { events: ["attempt.ended", "contact.retry_scheduled"], campaignId });
    });
    after(() => f.close());

    const settled = (status: string, more: Partial<NewContact> = {}): Partial<NewContact> => ({
      status,
      attempts: 3,
      phone_attempts: "[3]",
      last_attempt_at: f.clock.now() - HOUR,
      ...more,
    });
    const newList = async (name: string) =>
      (await f.call({ method: "POST", url: `/v1/campaigns/${campaignId}/lists`, payload: { name } })).json()
        .id as number;
    const reset = async (list: number, body: object = {}) => {
      const res = await f.call({
        method: "POST",
        url: `/v1/campaigns/${campaignId}/lists/${list}/reset`,
        payload: body,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().reset as number;
    };
    // biome-ignore lint/suspicious/noExplicitAny: payloads are read field by field and compared
    const eventsOf = async (hook: string, since = 0): Promise<{ orderKey: string; p: any }[]> =>
      (
        await f.store.db
          .selectFrom("webhook_deliveries")
          .select(["order_key", "payload"])
          .where("webhook_id", "=", hooks[hook])
          .where("id", ">", since)
          .orderBy("id")
          .execute()
      ).map((r) => ({ orderKey: r.order_key, p: JSON.parse(r.payload) }));
    const lastId = async () =>
      Number(
        (
          await f.store.db
            .selectFrom("webhook_deliveries")
            .select((eb) => eb.fn.max("id").as("m"))
            .executeTakeFirstOrThrow()
        ).m ?? 0,
      );

    test("each contact it reopens gets contact.status_changed from its settled status to pending", async () => {
      const at = { accountId: f.accountId, campaignId, listId };
      const [failed, exhausted, succeeded, suppressed] = await insertContacts(f.store, at, [
        settled("failed", { custom: JSON.stringify({ name: "Ada" }) }),
        settled("exhausted"),
        settled("succeeded"),
        settled("suppressed"),
      ]);
      const since = await lastId();
      let outboxWakes = 0;
      const outboxChanged = f.engine.outboxChanged.bind(f.engine);
      f.engine.outboxChanged = () => {
        outboxWakes++;
        outboxChanged();
      };
      try {
        assert.equal(await reset(listId), 2, "failed and exhausted, by default");
      } finally {
        f.engine.outboxChanged = outboxChanged;
      }
      assert.equal(outboxWakes, 1, "delivery is told of the events the reset committed");
      const changes = await eventsOf("changes", since);
      assert.deepEqual(
        changes.map((e) => [e.orderKey, e.p.type, e.p.data.from, e.p.data.to]),
        [
          [`contact:${failed}`, "contact.status_changed", "failed", "pending"],
          [`contact:${exhausted}`, "contact.status_changed", "exhausted", "pending"],
        ],
      );
      assert.deepEqual(changes[0].p.data.contact, {
        id: failed,
        status: "pending",
        reason: null,
        data: { name: "Ada" },
      });
      assert.equal(changes[0].p.campaignId, campaignId);
      assert.equal(changes[0].p.createdAt, new Date(f.clock.now()).toISOString());
      // The same event (one id) to the account-wide subscription; none to the others.
      assert.deepEqual(
        (await eventsOf("account", since)).map((e) => e.p.id),
        changes.map((e) => e.p.id),
      );
      assert.equal(
        (await eventsOf("finalsOnly", since)).length,
        0,
        "not final: settled results only get none",
      );
      assert.equal((await eventsOf("otherTypes", since)).length, 0, "a filter without the type gets none");

      // A later start is the reason it waits; a success goes back when asked for.
      const startAt = new Date(f.clock.now() + 2 * HOUR).toISOString();
      const next = await lastId();
      assert.equal(await reset(listId, { statuses: ["succeeded"], startAt }), 1);
      const again = await eventsOf("changes", next);
      assert.deepEqual(
        again.map((e) => [e.orderKey, e.p.data.from, e.p.data.contact.reason]),
        [[`contact:${succeeded}`, "succeeded", "start_at"]],
      );
      const statuses = await f.store.db
        .selectFrom("contacts")
        .select(["id", "status"])
        .where("id", "in", [failed, exhausted, succeeded, suppressed])
        .orderBy("id")
        .execute();
      assert.deepEqual(
        statuses.map((c) => c.status),
        ["pending", "pending", "pending", "suppressed"],
      );
    });

    test("a list larger than a batch gets one event per contact, and a reset with nothing to reopen none", async () => {
      const big = await newList("big");
      const at = { accountId: f.accountId, campaignId, listId: big };
      // More than one batch of contacts (500) and of rows to a statement (500, two subscriptions each).
      const ids: number[] = [];
      for (let i = 0; i < 1_234; i += 400) {
        const specs = Array.from({ length: Math.min(400, 1_234 - i) }, (_, j) =>
          settled(j % 2 ? "failed" : "exhausted", {
            phones: JSON.stringify([`+1202555${String(3000 + i + j)}`]),
          }),
        );
        ids.push(...(await insertContacts(f.store, at, specs)));
      }
      const since = await lastId();
      assert.equal(await reset(big), 1_234);
      for (const hook of ["changes", "account"]) {
        const events = await eventsOf(hook, since);
        assert.deepEqual(
          events.map((e) => e.orderKey),
          ids.map((id) => `contact:${id}`),
          `${hook}: one event per contact, in contact order`,
        );
        assert.ok(
          events.every((e) => e.p.data.to === "pending" && ["failed", "exhausted"].includes(e.p.data.from)),
        );
      }
      const after = await lastId();
      assert.equal(await reset(big), 0);
      assert.equal(await lastId(), after, "nothing reopened, nothing written");
    });
  });
}
