// Delivery started again after a stop delivers (stop left a pass's time set, so no pass was asked for again).
import assert from "node:assert/strict";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore } from "../../src/store/db.ts";
import { insertWebhook, outboxInserts } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { receiver } from "../helpers/webhook-receiver.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("delivery started again after a stop delivers", async () => {
  const store = await openStore({ url: ":memory:" });
  const rx = await receiver("s", () => 200);
  const d = new WebhookDelivery({
    store,
    clock: new WallClock(),
    nodeId: "n1",
    allowPrivateNetworks: true,
    baseBackoffMs: 1000,
    maxBackoffMs: 5000,
    pollMs: 1000,
  });
  try {
    const now = Date.now();
    const accountId = await createAccount(store, "acme", now);
    const { campaignId } = await createCampaign(store, accountId);
    await insertWebhook(store.db, {
      accountId,
      campaignId: null,
      url: rx.url,
      secret: "s",
      events: ["attempt.ended"],
      delaySec: 0,
      partialResults: true,
      maxAttempts: 5,
      active: true,
      now,
    });
    d.start();
    await sleep(100);
    await d.stop();
    await sleep(1200); // past the cancelled poll timer's time
    d.start();
    const rows = [
      eventRow({
        type: "attempt.ended",
        accountId,
        campaignId,
        contactId: 7,
        final: false,
        at: Date.now(),
        data: {},
      }),
    ];
    await atomically(store, outboxInserts(store.db, rows));
    d.eventsWritten();
    // Up to 10 s for the send (a slow machine), then more than a poll's time for a second one to show.
    for (const end = Date.now() + 10_000; rx.got.length === 0 && Date.now() < end; ) await sleep(25);
    await sleep(1500);
    assert.equal(rx.got.length, 1, `received ${rx.got.length} events; passes=${d.stats.passes}`);
  } finally {
    await d.stop();
    await rx.close();
    await store.close();
  }
});
