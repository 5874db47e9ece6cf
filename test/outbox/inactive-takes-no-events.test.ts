// A subscription made inactive takes no new events (README, Webhooks), even before the engine's cached list
// of subscriptions catches up. The engine matches events against that list, re-read at its maintenance
// (every 5 s) and on this node's own webhook edits; the outbox insert's guard checked only that the
// subscription still existed. So one made inactive through another node's API took the next seconds of
// calls' events (8 in 4 s at 10 calls/s), which went out stale once it was active again. Each outbox insert
// now picks its subscriptions from the webhooks table as stored, active ones only (OUTBOX_RECEIVERS).
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertWebhook, updateWebhook } from "../../src/store/webhooks.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

const EVENTS = ["attempt.ended", "contact.status_changed", "campaign.status_changed"];

for (const dialect of dialects()) {
  test(`a subscription made inactive on another node takes no new events [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, openStore: dialect.open });
    try {
      const hook = await insertWebhook(h.store.db, {
        accountId: h.accountId,
        campaignId: null,
        url: "http://127.0.0.1:9/hook",
        secret: "s",
        events: EVENTS,
        delaySec: 0,
        partialResults: true,
        maxAttempts: 3,
        active: true,
        now: h.clock.now(),
      });
      const id = await h.campaign(
        { maxConcurrent: 10, callsPerSecond: 10, maxAttemptsPerContact: 1 },
        Array.from({ length: 200 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 30_000 });
      const taken = async () =>
        Number(
          (
            await h.store.db
              .selectFrom("webhook_deliveries")
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .where("webhook_id", "=", hook.id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const whileActive = await taken();
      assert.ok(whileActive > 0, "it took events while active");

      // Written as another node's PATCH /v1/webhooks/{id} writes it: this engine is not told.
      const off = h.clock.now();
      await updateWebhook(h.store.db, h.accountId, hook.id, { active: false }, off);
      await h.clock.run({ until: off + 4_000 });
      const calls = await h.store.db
        .selectFrom("attempts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("ended_at", ">", off)
        .executeTakeFirstOrThrow();
      assert.ok(Number(calls.n) > 0, "calls ended after it was made inactive");
      assert.equal((await taken()) - whileActive, 0, "events written to it after it was made inactive");
    } finally {
      await h.close();
    }
  });
}
