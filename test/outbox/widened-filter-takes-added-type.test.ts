// A type added to a subscription's `events` filter on another node is taken from that edit's commit, as
// README (Webhooks) promises of an edit of `events` (webhooks13). The engine matched events against its
// cached list of subscriptions (re-read every 5 s and on this node's own edits) and built no row for a type
// the cached filter lacked; the outbox insert's guard can drop rows, not add them. So after "subscribe me to
// contact.status_changed" on another node, the contacts settled in the next seconds never had theirs
// written (lost, not late). Each outbox insert now picks the subscriptions taking the event from the
// webhooks table as stored (OUTBOX_RECEIVERS); narrowed-filter-takes-no-dropped-events.test.ts
// shows the other way round.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertWebhook, updateWebhook } from "../../src/store/webhooks.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  test(`a subscription widened on another node takes the added type from the edit's commit [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, openStore: dialect.open });
    try {
      const hook = await insertWebhook(h.store.db, {
        accountId: h.accountId,
        campaignId: null,
        url: "http://127.0.0.1:9/hook",
        secret: "s",
        events: ["attempt.ended"],
        delaySec: 0,
        partialResults: true,
        maxAttempts: 3,
        active: true,
        now: h.clock.now(),
      });
      // One attempt per contact: every call that ends settles its contact.
      const id = await h.campaign(
        { maxConcurrent: 10, callsPerSecond: 10, maxAttemptsPerContact: 1 },
        Array.from({ length: 600 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 30_000 });
      const taken = async (type: string, since: number) =>
        Number(
          (
            await h.store.db
              .selectFrom("webhook_deliveries")
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .where("webhook_id", "=", hook.id)
              .where("event_type", "=", type)
              .where("created_at", ">", since)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.ok((await taken("attempt.ended", 0)) > 0, "it takes attempt.ended");
      assert.equal(await taken("contact.status_changed", 0), 0, "and not what it does not name");

      // Written as another node's PATCH /v1/webhooks/{id} writes it: this engine is not told, and its
      // cached filter stays the old one for the next 4 s.
      const at = h.clock.now();
      await updateWebhook(
        h.store.db,
        h.accountId,
        hook.id,
        { events: ["attempt.ended", "contact.status_changed"] },
        at,
      );
      await h.clock.run({ until: at + 4_000 });
      const ended = await taken("attempt.ended", at);
      assert.ok(ended > 0, "calls ended (and settled their contacts) after the edit");
      assert.equal(
        await taken("contact.status_changed", at),
        ended,
        "a contact.status_changed for each contact settled after the edit",
      );
    } finally {
      await h.close();
    }
  });
}
