// A subscription created (or made active again) on another node took no events from this node for up to
// 5 s: the engine built outbox rows only for the subscriptions in its cached list (re-read every 5 s and on
// this node's own edits), and the outbox insert's guard could only drop rows, not add them. webhooks13 fixed
// exactly this for a type *added* to a filter ("lost, not late"); a subscription *made* on node B and a
// campaign started through node A right after (a CRM's usual set-up, behind a load balancer) lost the
// start's campaign.status_changed and the first seconds' attempt.ended for good. The same list decided
// partial_results: one narrowed to final results on another node kept taking intermediate events. Every
// outbox insert now picks the subscriptions taking each event from the webhooks table in its own statement.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertWebhook, updateWebhook } from "../../src/store/webhooks.ts";
import { FAST_SCENARIO } from "../helpers/child.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

const taken = async (h: Awaited<ReturnType<typeof harness>>, hookId: number, type: string) =>
  Number(
    (
      await h.store.db
        .selectFrom("webhook_deliveries")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("webhook_id", "=", hookId)
        .where("event_type", "=", type)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** A subscription of the account's campaigns, written as another node's POST /v1/webhooks writes it
 *  (committed; this engine is not told). */
const subscribe = (
  h: Awaited<ReturnType<typeof harness>>,
  events: string[],
  edit: { active?: boolean } = {},
) =>
  insertWebhook(h.store.db, {
    accountId: h.accountId,
    campaignId: null,
    url: "http://127.0.0.1:9/hook",
    secret: "s",
    events,
    delaySec: 0,
    partialResults: true,
    maxAttempts: 3,
    active: edit.active ?? true,
    now: h.clock.now(),
  });

for (const dialect of dialects()) {
  test(`a subscription created on another node hears of a campaign started right after [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, scenario: FAST_SCENARIO, openStore: dialect.open });
    try {
      const id = await h.campaign(
        { maxConcurrent: 10, callsPerSecond: 10, maxAttemptsPerContact: 1 },
        Array.from({ length: 200 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      const hook = await subscribe(h, ["attempt.ended", "campaign.status_changed"]);
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 4_000 });
      const ended = (await h.attempts(id)).filter((a) => a.ended_at !== null).length;
      assert.ok(ended > 0, "calls ended in those 4 s");
      assert.equal(await taken(h, hook.id, "campaign.status_changed"), 1, "the start (draft -> running)");
      assert.equal(await taken(h, hook.id, "attempt.ended"), ended, "an attempt.ended for each call ended");
    } finally {
      await h.close();
    }
  });

  test(`a subscription made active again on another node takes events from that commit [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, scenario: FAST_SCENARIO, openStore: dialect.open });
    try {
      const hook = await subscribe(h, ["attempt.ended"], { active: false });
      const id = await h.campaign(
        { maxConcurrent: 10, callsPerSecond: 10, maxAttemptsPerContact: 1 },
        Array.from({ length: 600 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 30_000 });
      assert.equal(await taken(h, hook.id, "attempt.ended"), 0, "inactive: nothing");
      // Another node's PATCH /v1/webhooks/{id} {active: true}.
      const at = h.clock.now();
      await updateWebhook(h.store.db, h.accountId, hook.id, { active: true }, at);
      await h.clock.run({ until: at + 4_000 });
      const endedSince = (await h.attempts(id)).filter((a) => a.ended_at !== null && a.ended_at > at).length;
      assert.ok(endedSince > 0, "calls ended after the reactivation");
      assert.equal(await taken(h, hook.id, "attempt.ended"), endedSince, "each has its attempt.ended");
    } finally {
      await h.close();
    }
  });
  test(`a subscription narrowed to final results on another node takes no intermediate event from that commit [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, scenario: FAST_SCENARIO, openStore: dialect.open });
    try {
      const events = ["attempt.ended", "contact.retry_scheduled"];
      const narrowed = await subscribe(h, events);
      // Keeps taking intermediate events: shows there were some to take after the narrowing.
      const control = await subscribe(h, events);
      const id = await h.campaign(
        { maxConcurrent: 100, callsPerSecond: 20, maxAttemptsPerContact: 3 },
        Array.from({ length: 600 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 4_000 });
      assert.ok(
        (await taken(h, narrowed.id, "contact.retry_scheduled")) > 0,
        "it took them while it wanted them",
      );
      // Another node's PATCH /v1/webhooks/{id} {partialResults: false}: this engine is not told.
      const at = h.clock.now();
      await updateWebhook(h.store.db, h.accountId, narrowed.id, { partialResults: false }, at);
      await h.clock.run({ until: at + 4_000 });
      const since = async (hookId: number) =>
        (
          await h.store.db
            .selectFrom("webhook_deliveries")
            .select(["event_type", "payload"])
            .where("webhook_id", "=", hookId)
            .where("created_at", ">", at)
            .execute()
        ).map((r) => ({
          type: r.event_type,
          settled:
            (JSON.parse(r.payload) as { data: { contact: { status: string } } }).data.contact.status !==
            "pending",
        }));
      const intermediate = (rows: { type: string; settled: boolean }[]) =>
        rows.filter((r) => r.type === "contact.retry_scheduled" || !r.settled).length;
      const controlSince = await since(control.id);
      assert.ok(intermediate(controlSince) > 0, "intermediate events were written after the narrowing");
      const narrowedSince = await since(narrowed.id);
      assert.equal(intermediate(narrowedSince), 0, "intermediate events taken after the narrowing");
      assert.equal(
        narrowedSince.length,
        controlSince.length - intermediate(controlSince),
        "every final event is still taken",
      );
    } finally {
      await h.close();
    }
  });
}
