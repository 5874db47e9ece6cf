// A subscription whose `events` filter was narrowed takes none of the event types it dropped, even before
// the engine's cached list of subscriptions catches up (review39). The engine matches events against that
// list, re-read at its maintenance (every 5 s) and on this node's own webhook edits; the outbox insert's
// guard checked only that the subscription existed and was active. So one narrowed through another node's
// API (attempt.ended taken off) kept taking attempt.ended for those seconds, and its receiver got what it had
// unsubscribed from. Each outbox insert now picks, in SQL, the subscriptions whose stored events name the
// event's type (OUTBOX_RECEIVERS); the type it kept (contact.status_changed, a name with "_", which LIKE would read as a
// wildcard unescaped) still comes through.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertWebhook, updateWebhook } from "../../src/store/webhooks.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  test(`a subscription narrowed on another node takes no events of the types it dropped [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, openStore: dialect.open });
    try {
      const hook = await insertWebhook(h.store.db, {
        accountId: h.accountId,
        campaignId: null,
        url: "http://127.0.0.1:9/hook",
        secret: "s",
        events: ["attempt.ended", "contact.status_changed", "campaign.status_changed"],
        delaySec: 0,
        partialResults: true,
        maxAttempts: 3,
        active: true,
        now: h.clock.now(),
      });
      const id = await h.campaign(
        { maxConcurrent: 10, callsPerSecond: 10, maxAttemptsPerContact: 1 },
        Array.from({ length: 600 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 30_000 });
      const taken = async (type: string) =>
        Number(
          (
            await h.store.db
              .selectFrom("webhook_deliveries")
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .where("webhook_id", "=", hook.id)
              .where("event_type", "=", type)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const endedBefore = await taken("attempt.ended");
      const settledBefore = await taken("contact.status_changed");
      assert.ok(endedBefore > 0 && settledBefore > 0, "it took both types while it named them");

      // Written as another node's PATCH /v1/webhooks/{id} writes it: this engine is not told.
      const at = h.clock.now();
      await updateWebhook(
        h.store.db,
        h.accountId,
        hook.id,
        { events: ["contact.status_changed", "campaign.status_changed"] },
        at,
      );
      await h.clock.run({ until: at + 4_000 });
      const calls = await h.store.db
        .selectFrom("attempts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("ended_at", ">", at)
        .executeTakeFirstOrThrow();
      assert.ok(Number(calls.n) > 0, "calls ended after the filter was narrowed");
      assert.equal(
        (await taken("attempt.ended")) - endedBefore,
        0,
        "attempt.ended events written after it was taken off the filter",
      );
      assert.ok(
        (await taken("contact.status_changed")) > settledBefore,
        "the type it kept is still taken after the narrowing",
      );
    } finally {
      await h.close();
    }
  });
}
