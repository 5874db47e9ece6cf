// The outbox keeps an event and its payload only as long as it is of use: a delivered one for
// keepDeliveredMs after its delivery, a dead letter (listed and replayable) for keepDeadMs after it died, a
// pending one until it is delivered or dies. It kept every row for ever. Pruning runs beside the sends.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { insertWebhook, outboxInserts, pruneDeliveries, replayDeliveries } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

for (const dialect of dialects())
  describe(`outbox retention [${dialect.name}]`, () => {
    test("delivered events go after 7 days, dead letters after 30, pending ones stay", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(T0);
      const delivery = new WebhookDelivery({
        store,
        clock,
        nodeId: "n1",
        baseBackoffMs: 1000,
        maxBackoffMs: 5000,
        // A pass an hour (as often as it prunes) keeps a month of virtual time quick.
        pollMs: 3_600_000,
        keepDeliveredMs: 7 * DAY,
        keepDeadMs: 30 * DAY,
      });
      try {
        const accountId = await createAccount(store, "acme", T0);
        const { campaignId } = await createCampaign(store, accountId);
        // A subscription made inactive once its events are in: the delivery loop sends nothing, it only
        // prunes (an inactive one takes no new events).
        const hook = await insertWebhook(store.db, {
          accountId,
          campaignId: null,
          url: "https://example.com/h",
          secret: "s",
          events: ["attempt.ended"],
          delaySec: 0,
          partialResults: true,
          maxAttempts: 3,
          active: true,
          now: T0,
        });
        const rows = [1, 2, 3, 4].flatMap((contactId) => [
          eventRow({
            type: "attempt.ended",
            accountId,
            campaignId,
            contactId,
            final: false,
            at: T0,
            data: {},
          }),
        ]);
        await atomically(store, outboxInserts(store.db, rows));
        await store.db.updateTable("webhooks").set({ active: 0 }).where("id", "=", hook.id).execute();
        const ids = (
          await store.db.selectFrom("webhook_deliveries").select("id").orderBy("id").execute()
        ).map((r) => r.id);
        const set = (id: number, status: string, deliveredAt: number | null, diedAt = T0) =>
          store.db
            .updateTable("webhook_deliveries")
            .set({ status, delivered_at: deliveredAt, next_attempt_at: diedAt })
            .where("id", "=", id)
            .execute();
        await set(ids[0], "delivered", T0 + DAY);
        await set(ids[1], "dead", null);
        // Written at T0 but dead only after weeks of retries: kept 30 days from its death.
        await set(ids[3], "dead", null, T0 + 25 * DAY);
        const left = async () =>
          (await store.db.selectFrom("webhook_deliveries").select("status").orderBy("id").execute()).map(
            (r) => r.status,
          );

        delivery.start();
        await clock.run({ until: T0 + 7 * DAY });
        assert.deepEqual(
          await left(),
          ["delivered", "dead", "pending", "dead"],
          "a delivered event stays 7 days",
        );
        await clock.run({ until: T0 + 8 * DAY + 2 * 3600_000 });
        assert.deepEqual(await left(), ["dead", "pending", "dead"]);
        await clock.run({ until: T0 + 31 * DAY });
        assert.deepEqual(await left(), ["pending", "dead"]);
        await clock.run({ until: T0 + 56 * DAY });
        assert.deepEqual(await left(), ["pending"]);
        assert.equal(delivery.stats.pruned, 3);
      } finally {
        await delivery.stop();
        await store.close();
      }
    });
  });

// A replay (POST /v1/webhooks/{id}/replay) that commits while a prune round's DELETE waits for the row's
// lock: PostgreSQL re-checks only the DELETE's own WHERE on the row as committed, and the event the API had
// answered `replayed: 1` for was deleted, never sent (webhooks10). SQLite runs one write at a time.
for (const dialect of dialects())
  test(`a dead letter replayed while a prune round runs stays pending [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const accountId = await createAccount(store, "acme", T0);
      const { campaignId } = await createCampaign(store, accountId);
      const hook = await insertWebhook(store.db, {
        accountId,
        campaignId: null,
        url: "https://example.com/h",
        secret: "s",
        events: ["attempt.ended"],
        delaySec: 0,
        partialResults: true,
        maxAttempts: 3,
        active: true,
        now: T0,
      });
      const event = {
        type: "attempt.ended" as const,
        accountId,
        campaignId,
        contactId: 1,
        final: true,
        at: T0,
      };
      const rows = [eventRow({ ...event, data: {} })];
      await atomically(store, outboxInserts(store.db, rows));
      // It died 40 days ago: past the 30 days a dead letter is kept.
      await store.db
        .updateTable("webhook_deliveries")
        .set({ status: "dead", attempts: 3, next_attempt_at: T0 })
        .execute();
      const now = T0 + 40 * DAY;

      let replayed = -1;
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let written!: () => void;
      const replayWritten = new Promise<void>((resolve) => {
        written = resolve;
      });
      // The replay's transaction, held open a moment after its UPDATE so the prune's DELETE meets the row.
      const replay = store.db.transaction().execute(async (trx) => {
        replayed = await replayDeliveries(trx, hook.id, now);
        written();
        await held;
      });
      await replayWritten;
      const prune = pruneDeliveries(store.db, {
        deliveredBefore: now - 7 * DAY,
        deadBefore: now - 30 * DAY,
        limit: 1000,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await replay;
      const removed = await prune;
      assert.equal(replayed, 1);
      const left = await store.db.selectFrom("webhook_deliveries").select("status").execute();
      assert.deepEqual(
        left.map((r) => r.status),
        ["pending"],
        `the replayed event is kept to be sent (the prune removed ${removed})`,
      );
    } finally {
      await store.close();
    }
  });
