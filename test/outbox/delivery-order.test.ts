// One contact's events go one at a time, in write order, and each when it comes due (README, Webhooks;
// src/outbox/README.md). Two ways delivery broke that:
// - after a contact's event was answered its next one was looked up by key, and when that one was not due
//   yet (a subscription's delay, Twin24's `delay`) nothing recorded when it would be: it went at the next
//   read of the outbox, up to 5 s (QUIET_MAX_MS) after it came due;
// - a dead letter replayed while its contact's next event was in flight was leased and sent at once: two
//   requests of one contact at the same time, the older possibly arriving after the newer.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import type { Store } from "../../src/store/db.ts";
import { insertWebhook, leaseHead, outboxInserts, replayDeliveries } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";
import { receiver } from "../helpers/webhook-receiver.ts";

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An account-wide attempt.ended webhook to `url`, and its subscription as the engine holds it. */
async function hookOf(store: Store, url: string, delaySec: number, now = Date.now()) {
  const accountId = await createAccount(store, "acme", now);
  const { campaignId } = await createCampaign(store, accountId);
  const hook = await insertWebhook(store.db, {
    accountId,
    campaignId: null,
    url,
    secret: "s",
    events: ["attempt.ended"],
    delaySec,
    partialResults: true,
    maxAttempts: 5,
    active: true,
    now,
  });
  /** Writes contact 7's next event, at `at` (due delaySec later), as the engine does. */
  const write = async (round: number, at = Date.now()) => {
    const rows = [
      eventRow({
        type: "attempt.ended",
        accountId,
        campaignId,
        contactId: 7,
        final: false,
        at,
        data: { round },
      }),
    ];
    await atomically(store, outboxInserts(store.db, rows));
    return rows[0].event_id;
  };
  return { hook, write };
}

function delivery(store: Store, baseBackoffMs = 1000, pollMs = 1000): WebhookDelivery {
  return new WebhookDelivery({
    store,
    clock: new WallClock(),
    nodeId: "n1",
    allowPrivateNetworks: true,
    baseBackoffMs,
    maxBackoffMs: 5 * baseBackoffMs,
    pollMs,
  });
}

for (const dialect of dialects()) {
  test(`a delayed subscription: a contact's next event goes when it comes due, not at the next read [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const rx = await receiver("s", () => 200);
    // Polled often: the first event is answered before the second comes due, whenever it was read.
    const d = delivery(store, 1000, 200);
    try {
      const { write } = await hookOf(store, rx.url, 1);
      d.start();
      await write(0);
      d.eventsWritten();
      await sleep(500);
      // Written half a second later: due half a second after the first, which is answered by then.
      const written = Date.now();
      await write(1, written);
      d.eventsWritten();
      const due = written + 1000;
      await until("both events", () => rx.got.length >= 2, 6000);
      const late = rx.got[1].at - due;
      // Before: it waited for the subscription's next read of its outbox, ~4.5 s later. The bound leaves a
      // slow or busy database (a lease and a write before the send) its time and still tells the two apart.
      assert.ok(late < 1500, `the second event went ${late} ms after it came due`);
      assert.ok(late >= -5, `the second event went ${-late} ms before it came due`);
    } finally {
      await d.stop();
      await rx.close();
      await store.close();
    }
  });
}

for (const dialect of dialects()) {
  test(`a replayed dead letter is not leased while its contact's later event is in flight [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const now = Date.now();
      const { hook, write } = await hookOf(store, "http://127.0.0.1:9/h", 0, now);
      await write(0, now);
      await write(1, now);
      const [first, second] = await store.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .orderBy("id")
        .execute();
      // The first died; the second, now its contact's head, is being sent (leased by n1).
      await store.db
        .updateTable("webhook_deliveries")
        .set({ status: "dead" })
        .where("id", "=", first.id)
        .execute();
      assert.ok(await leaseHead(store.db, second.id, "n1", now, now + 20_000));
      // The operator replays the dead letter while that send is under way: it waits for the send.
      assert.equal(await replayDeliveries(store.db, hook.id, now + 1, [first.id]), 1);
      assert.equal(await leaseHead(store.db, first.id, "n2", now + 2, now + 20_000), undefined);
      // Once that lease is gone (here: run out), the replayed event goes, and the later one waits for it.
      const later = now + 20_001;
      assert.equal((await leaseHead(store.db, first.id, "n2", later, later + 20_000))?.id, first.id);
      assert.equal(await leaseHead(store.db, second.id, "n1", later + 1, later + 20_000), undefined);
    } finally {
      await store.close();
    }
  });
}

/** A receiver whose answers the test gives (`answer`), that records arrivals and how many were in flight. */
async function steeredReceiver() {
  const got: { eventId: string; status: number }[] = [];
  const waiting: { eventId: string; answer(status: number): void }[] = [];
  let inFlight = 0;
  let most = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    const eventId = String(req.headers["x-outdial-event-id"]);
    inFlight++;
    most = Math.max(most, inFlight);
    waiting.push({
      eventId,
      answer(status) {
        inFlight--;
        got.push({ eventId, status });
        res.writeHead(status).end();
      },
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/h`,
    got,
    waiting,
    most: () => most,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

for (const dialect of dialects()) {
  for (const outcome of [200, 500]) {
    test(`a dead letter replayed while its contact's next event is in flight goes after it, before the rest (${outcome}) [${dialect.name}]`, async () => {
      const store = await dialect.open();
      const rx = await steeredReceiver();
      // A failed send retries after 1-2 s: the replayed event must not wait for that.
      const d = delivery(store, 2000);
      try {
        const { hook, write } = await hookOf(store, rx.url, 0);
        const ids = [await write(0), await write(1), await write(2)];
        const [first] = await store.db.selectFrom("webhook_deliveries").selectAll().orderBy("id").execute();
        await store.db
          .updateTable("webhook_deliveries")
          .set({ status: "dead", attempts: 5 })
          .where("id", "=", first.id)
          .execute();
        d.start();
        await until("the second event in flight", () => rx.waiting.length === 1);
        assert.equal(rx.waiting[0].eventId, ids[1]);
        // Replayed (as the API does, which then wakes delivery) while the second is in flight.
        assert.equal(await replayDeliveries(store.db, hook.id, Date.now(), [first.id]), 1);
        d.eventsWritten();
        await sleep(300);
        assert.equal(rx.waiting.length, 1, "a second request of the contact while one is in flight");
        const answered = Date.now();
        rx.waiting.shift()?.answer(outcome);
        // The replayed (earlier) event goes next, at once: not skipped, nor held until the second's retry.
        await until("the replayed event", () => rx.waiting.length === 1);
        assert.equal(rx.waiting[0].eventId, ids[0]);
        const after = Date.now() - answered;
        // Held for the second's retry it would go 1–2 s later (backoff from 2 s): under that, with room for
        // a slow database's writes between the answer and the next send.
        assert.ok(after < 900, `the replayed event went ${after} ms after the one in flight was answered`);
        rx.waiting.shift()?.answer(200);
        const expected = outcome === 200 ? [ids[2]] : [ids[1], ids[2]];
        for (const eventId of expected) {
          await until(`event ${eventId}`, () => rx.waiting.length === 1, 10_000);
          assert.equal(rx.waiting[0].eventId, eventId);
          rx.waiting.shift()?.answer(200);
        }
        await until("every event answered", () => rx.got.length === 2 + expected.length);
        assert.deepEqual(
          rx.got.map((g) => g.eventId),
          [ids[1], ids[0], ...expected],
        );
        assert.equal(rx.most(), 1, "one request of the contact at a time");
      } finally {
        await d.stop();
        await rx.close();
        await store.close();
      }
    });
  }
}
