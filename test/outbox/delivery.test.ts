// Webhook delivery against real HTTP receivers on 127.0.0.1: signatures, backoff, one event at a time per
// contact in write order, dead letters and their replay through the API.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { backoffMs, type DeliveryOptions, signature, WebhookDelivery } from "../../src/outbox/delivery.ts";
import { type EventRow, eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { insertWebhook, leaseHead, outboxInserts } from "../../src/store/webhooks.ts";
import { apiFixture } from "../api/helpers.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";
import { receiver } from "../helpers/webhook-receiver.ts";

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function countByStatus(store: Store, webhookId: number, status: string): Promise<number> {
  const r = await store.db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("webhook_id", "=", webhookId)
    .where("status", "=", status)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A subscription as a test's events name it: the outbox insert gives each event to its account's. */
interface Subscription {
  id: number;
  accountId: number;
}

function events(sub: Subscription, campaignId: number, contacts: number[], rounds: number): EventRow[] {
  const rows: EventRow[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const contactId of contacts) {
      rows.push(
        eventRow({
          type: "attempt.ended",
          accountId: sub.accountId,
          campaignId,
          contactId,
          final: false,
          at: Date.now(),
          data: { round },
        }),
      );
    }
  }
  return rows;
}

/** The attempt.ended subscription a test's events go to. */
function subscriptionOf(webhookId: number, accountId: number): Subscription {
  return { id: webhookId, accountId };
}

/** An attempt.ended webhook to `url`, account-wide unless given a campaign, and its subscription. */
async function endedHook(
  store: Store,
  accountId: number,
  url: string,
  secret: string,
  maxAttempts: number,
  campaignId: number | null = null,
) {
  const hook = await insertWebhook(store.db, {
    accountId,
    campaignId,
    url,
    secret,
    events: ["attempt.ended"],
    delaySec: 0,
    partialResults: true,
    maxAttempts,
    active: true,
    now: Date.now(),
  });
  return { hook, sub: subscriptionOf(hook.id, accountId) };
}

/** Delivery to receivers on 127.0.0.1 on the wall clock, with short backoffs; `o` sets the rest. */
function localDelivery(store: Store, o: Partial<DeliveryOptions>): WebhookDelivery {
  return new WebhookDelivery({
    allowPrivateNetworks: true,
    store,
    clock: new WallClock(),
    nodeId: "n1",
    baseBackoffMs: 1000,
    maxBackoffMs: 5000,
    ...o,
  });
}

/** A receiver on 127.0.0.1 that answers no request until the test ends it (`held`). */
async function holdingReceiver() {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { held, url, server };
}

test("backoff doubles up to its cap with jitter in the upper half; signatures are HMAC-SHA256", () => {
  for (let failures = 1; failures <= 30; failures++) {
    const ceiling = Math.min(60_000, 1000 * 2 ** (failures - 1));
    assert.equal(
      backoffMs(failures, 1000, 60_000, () => 0),
      ceiling / 2,
    );
    assert.equal(
      backoffMs(failures, 1000, 60_000, () => 0.999999),
      Math.round(ceiling * 0.9999995),
    );
  }
  const sig = signature("whsec_x", 1700000000000, '{"a":1}');
  const mac = createHmac("sha256", "whsec_x").update('1700000000000.{"a":1}').digest("hex");
  assert.equal(sig, `t=1700000000000,v1=${mac}`);
});

for (const dialect of dialects()) {
  test(`one contact's events go one at a time in write order; a failing one holds back only its own contact [${dialect.name}]`, {
    timeout: 60_000,
  }, async () => {
    const store = await dialect.open();
    const secret = "whsec_test";
    let delivery: WebhookDelivery | null = null;
    const rx = await receiver(secret, (eventId, attempt) =>
      eventId === stuck && attempt <= 3 ? 500 : eventId === flaky && attempt === 1 ? 503 : 200,
    );
    let stuck = "";
    let flaky = "";
    try {
      const accountId = await createAccount(store);
      const { campaignId } = await createCampaign(store, accountId);
      const { hook, sub } = await endedHook(store, accountId, rx.url, secret, 10);
      const rows = events(sub, campaignId, [11, 12, 13, 14, 15], 4);
      stuck = rows[0].event_id; // contact 11, first event
      flaky = rows[12].event_id; // contact 13, third event
      await atomically(store, outboxInserts(store.db, rows));

      delivery = localDelivery(store, {
        nodeId: "node-a",
        baseBackoffMs: 40,
        maxBackoffMs: 200,
        pollMs: 50,
      });
      delivery.start();
      await until(
        "every event delivered",
        async () => (await countByStatus(store, hook.id, "delivered")) === rows.length,
      );

      assert.ok(
        rx.got.every((g) => g.signatureOk),
        "every signature verifies",
      );
      assert.ok(
        rx.got.every((g) => g.payloadId === g.eventId),
        "the event id header is the payload's id",
      );
      const ok = rx.got.filter((g) => g.status === 200);
      assert.equal(ok.length, rows.length, "each event was accepted exactly once");
      assert.deepEqual(
        rx.got.filter((g) => g.eventId === stuck).map((g) => [g.attempt, g.status]),
        [
          [1, 500],
          [2, 500],
          [3, 500],
          [4, 200],
        ],
      );
      const sent = rx.got.map((g) => g.eventId);
      for (const contactId of [11, 12, 13, 14, 15]) {
        const mine = rows.filter((r) => r.order_key === `contact:${contactId}`).map((r) => r.event_id);
        // Nothing of a contact is sent before its predecessor was accepted.
        for (let i = 1; i < mine.length; i++) {
          const firstSent = sent.indexOf(mine[i]);
          const prevAccepted = rx.got.findIndex((g) => g.eventId === mine[i - 1] && g.status === 200);
          assert.ok(prevAccepted >= 0 && firstSent > prevAccepted, `contact ${contactId} event ${i} waited`);
        }
      }
      const stuckAccepted = rx.got.findIndex((g) => g.eventId === stuck && g.status === 200);
      const otherDone = rows
        .filter((r) => r.order_key === "contact:12")
        .every((r) => {
          const i = rx.got.findIndex((g) => g.eventId === r.event_id && g.status === 200);
          return i >= 0 && i < stuckAccepted;
        });
      assert.ok(otherDone, "another contact's events all went while the stuck one backed off");
      const stuckRow = await store.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("event_id", "=", stuck)
        .executeTakeFirstOrThrow();
      assert.equal(stuckRow.attempts, 4);
      assert.equal(stuckRow.last_status, 200);
    } finally {
      await delivery?.stop();
      await rx.close();
      await store.close();
    }
  });
}

test("after its last try an event is dead-lettered, listed, and replayed through the API", {
  timeout: 60_000,
}, async () => {
  const f = await apiFixture();
  const secret = { value: "" };
  const probe = await receiver("", () => 200);
  const port = probe.port;
  await probe.close(); // the port is free again: connections are refused until the receiver is back
  let delivery: WebhookDelivery | null = null;
  let rx: Awaited<ReturnType<typeof receiver>> | null = null;
  try {
    const created = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: `http://127.0.0.1:${port}/hooks`, events: ["attempt.ended"], maxAttempts: 2 },
    });
    assert.equal(created.statusCode, 201, created.body);
    const hook = created.json();
    assert.match(hook.secret, /^whsec_/);
    secret.value = hook.secret;
    const listed = await f.call({ method: "GET", url: `/v1/webhooks/${hook.id}` });
    assert.equal(listed.json().secret, undefined, "the secret is shown at creation only");

    const { campaignId } = await createCampaign(f.store, f.accountId);
    const sub = subscriptionOf(hook.id, f.accountId);
    await atomically(f.store, outboxInserts(f.store.db, events(sub, campaignId, [1, 2], 1)));
    delivery = localDelivery(f.store, {
      nodeId: "node-a",
      baseBackoffMs: 20,
      maxBackoffMs: 50,
      pollMs: 30,
    });
    // As the server wires them: what the engine writes (or the API replays) wakes delivery.
    const started = delivery;
    f.engine.onEvents = () => started.eventsWritten();
    delivery.start();
    await until("two dead letters", async () => (await countByStatus(f.store, hook.id, "dead")) === 2);

    const dead = await f.call({ method: "GET", url: `/v1/webhooks/${hook.id}/deliveries?status=dead` });
    assert.equal(dead.statusCode, 200);
    assert.equal(dead.json().data.length, 2);
    for (const d of dead.json().data) {
      assert.equal(d.attempts, 2);
      assert.equal(d.last_error, "ECONNREFUSED");
      assert.ok(Date.parse(d.dead_at) >= Date.parse(d.created_at), `dead_at ${d.dead_at}`);
      assert.equal(d.payload.type, "attempt.ended");
    }

    // Made inactive, it sends nothing: a replay is refused, not answered `replayed: 2` for nothing.
    const toggle = (active: boolean) =>
      f.call({ method: "PATCH", url: `/v1/webhooks/${hook.id}`, payload: { active } });
    assert.equal((await toggle(false)).statusCode, 200);
    for (const url of [`/v1/webhooks/${hook.id}/replay`, `/v1/webhooks/${hook.id}/deliveries/1/replay`]) {
      const refused = await f.call({ method: "POST", url });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error.code, "webhook_inactive");
    }
    assert.equal(await countByStatus(f.store, hook.id, "dead"), 2, "still dead letters");
    assert.equal((await toggle(true)).statusCode, 200);

    rx = await receiver(secret.value, () => 200, port);
    const replay = await f.call({ method: "POST", url: `/v1/webhooks/${hook.id}/replay` });
    assert.deepEqual(replay.json(), { replayed: 2 });
    await until(
      "replayed events delivered",
      async () => (await countByStatus(f.store, hook.id, "delivered")) === 2,
    );
    assert.equal(rx.got.length, 2);
    assert.ok(rx.got.every((g) => g.signatureOk && g.attempt === 1));

    const one = dead.json().data[0].id;
    const again = await f.call({ method: "POST", url: `/v1/webhooks/${hook.id}/deliveries/${one}/replay` });
    assert.deepEqual(again.json(), { replayed: 1 });
    await until("a delivered event sent again", async () => rx!.got.length === 3);
    const missing = await f.call({ method: "POST", url: `/v1/webhooks/${hook.id}/deliveries/999999/replay` });
    assert.equal(missing.statusCode, 404);
  } finally {
    await delivery?.stop();
    await rx?.close();
    await f.close();
  }
});

test("webhook routes validate their input and check roles and accounts", async () => {
  const f = await apiFixture();
  try {
    const bad = async (payload: Record<string, unknown>, field: string) => {
      const r = await f.call({ method: "POST", url: "/v1/webhooks", payload });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.field, field, r.body);
    };
    await bad({ url: "ftp://example.com", events: ["attempt.ended"] }, "body.url");
    await bad({ url: "http://127.0.0.1/x", events: ["call.exploded"] }, "body.events[0]");
    await bad({ url: "http://127.0.0.1/x", events: [] }, "body.events");
    await bad({ url: "http://127.0.0.1/x", events: ["attempt.ended"], maxAttempts: 0 }, "body.maxAttempts");
    await bad({ url: "http://127.0.0.1/x", events: ["attempt.ended"], delaySec: -1 }, "body.delaySec");

    const other = await f.newAccount("other");
    const { campaignId } = await createCampaign(f.store, other.accountId);
    const foreign = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "http://127.0.0.1/x", events: ["attempt.ended"], campaignId },
    });
    assert.equal(foreign.statusCode, 404, "another account's campaign is not found");

    const mine = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "http://127.0.0.1/x", events: ["attempt.ended"] },
    });
    const id = mine.json().id;
    assert.equal(
      (await f.call({ method: "GET", url: `/v1/webhooks/${id}`, key: other.key })).statusCode,
      404,
    );
    assert.equal(
      (await f.call({ method: "DELETE", url: `/v1/webhooks/${id}`, key: other.key })).statusCode,
      404,
    );

    const supervisor = await f.keyWithRole("supervisor");
    assert.equal((await f.call({ method: "GET", url: "/v1/webhooks", key: supervisor })).statusCode, 200);
    assert.equal(
      (
        await f.call({
          method: "PATCH",
          url: `/v1/webhooks/${id}`,
          key: supervisor,
          payload: { active: false },
        })
      ).statusCode,
      403,
    );
    const listManager = await f.keyWithRole("call_list_manager");
    assert.equal((await f.call({ method: "GET", url: "/v1/webhooks", key: listManager })).statusCode, 403);
    const developer = await f.keyWithRole("developer");
    const patched = await f.call({
      method: "PATCH",
      url: `/v1/webhooks/${id}`,
      key: developer,
      payload: { active: false, events: ["contact.status_changed"] },
    });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().active, false);
    assert.deepEqual(patched.json().events, ["contact.status_changed"]);
    assert.equal((await f.call({ method: "DELETE", url: `/v1/webhooks/${id}` })).statusCode, 204);
    assert.equal((await f.call({ method: "GET", url: `/v1/webhooks/${id}` })).statusCode, 404);
  } finally {
    await f.close();
  }
});

test("with every send slot taken, delivery waits for a send to finish instead of scanning again and again", async () => {
  const store = await openStore({ url: ":memory:" });
  const { held, url, server } = await holdingReceiver();
  const delivery = localDelivery(store, { timeoutMs: 5000, pollMs: 1000, concurrency: 2 });
  try {
    const a = await createAccount(store, "a");
    const b = await createAccount(store, "b");
    // Two accounts' subscriptions: one alone may take only half of the slots.
    const first = await endedHook(store, a, url, "s", 3);
    const second = await endedHook(store, b, url, "s", 3);
    await atomically(
      store,
      outboxInserts(store.db, [
        ...events(first.sub, (await createCampaign(store, a)).campaignId, [1, 2], 1),
        ...events(second.sub, (await createCampaign(store, b)).campaignId, [3, 4], 1),
      ]),
    );
    delivery.start();
    await until("two sends held by the receiver", async () => held.length === 2);
    const passes = delivery.stats.passes;
    await new Promise((r) => setTimeout(r, 1000));
    // The poll may come once in that second; a loop would have come hundreds of times.
    assert.ok(delivery.stats.passes - passes <= 2, `${delivery.stats.passes - passes} passes while full`);
    for (const res of held.splice(0)) res.end("ok");
    await until("the other two sent", async () => held.length === 2);
    for (const res of held.splice(0)) res.end("ok");
    await until(
      "all four delivered",
      async () =>
        (await countByStatus(store, first.hook.id, "delivered")) +
          (await countByStatus(store, second.hook.id, "delivered")) ===
        4,
    );
  } finally {
    for (const res of held) res.end();
    await delivery.stop();
    server.close();
    await store.close();
  }
});

for (const dialect of dialects()) {
  test(`a delivery in backoff cannot be leased before its time, though no lease holds it [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const accountId = await createAccount(store);
      const { campaignId } = await createCampaign(store, accountId);
      const { sub } = await endedHook(store, accountId, "http://127.0.0.1:9/hook", "s", 5);
      await atomically(store, outboxInserts(store.db, events(sub, campaignId, [1], 1)));
      const row = await store.db.selectFrom("webhook_deliveries").selectAll().executeTakeFirstOrThrow();
      // Another node failed it a moment ago: retry in a minute, its lease released.
      const retryAt = Date.now() + 60_000;
      await store.db
        .updateTable("webhook_deliveries")
        .set({ next_attempt_at: retryAt, attempts: 1, lease_owner: null, lease_expires_at: null })
        .where("id", "=", row.id)
        .execute();
      assert.equal(await leaseHead(store.db, row.id, "n2", retryAt - 1, retryAt + 20_000), undefined);
      assert.equal((await leaseHead(store.db, row.id, "n2", retryAt, retryAt + 20_000))?.id, row.id);
    } finally {
      await store.close();
    }
  });
}

test("a receiver that never answers: each try times out, is recorded as such, and the event ends dead", async () => {
  const store = await openStore({ url: ":memory:" });
  const { held, url, server } = await holdingReceiver();
  const delivery = localDelivery(store, {
    baseBackoffMs: 50,
    maxBackoffMs: 100,
    timeoutMs: 300,
    pollMs: 100,
  });
  try {
    const accountId = await createAccount(store);
    const { campaignId } = await createCampaign(store, accountId);
    const { hook, sub } = await endedHook(store, accountId, url, "s", 2);
    await atomically(store, outboxInserts(store.db, events(sub, campaignId, [1], 1)));
    delivery.start();
    await until(
      "the event dead after its two tries",
      async () => (await countByStatus(store, hook.id, "dead")) === 1,
    );
    const row = await store.db.selectFrom("webhook_deliveries").selectAll().executeTakeFirstOrThrow();
    assert.equal(row.attempts, 2);
    assert.equal(row.last_error, "timeout");
    assert.equal(held.length, 2, "sent twice, no more");
  } finally {
    for (const res of held) res.destroy();
    await delivery.stop();
    server.close();
    await store.close();
  }
});

test("a receiver that hangs holds only its subscription's share of the send slots; others go on", async () => {
  const store = await openStore({ url: ":memory:" });
  const hung = await holdingReceiver();
  const rx = await receiver("sb", () => 200);
  const delivery = localDelivery(store, { timeoutMs: 3000, pollMs: 100, concurrency: 4 });
  try {
    const a = await createAccount(store, "a");
    const b = await createAccount(store, "b");
    const ca = (await createCampaign(store, a)).campaignId;
    const cb = (await createCampaign(store, b)).campaignId;
    const hookA = await endedHook(store, a, hung.url, "sa", 3);
    const hookB = await endedHook(store, b, rx.url, "sb", 3);
    // Account A's many contacts come first in the outbox and in the subscriptions table.
    await atomically(
      store,
      outboxInserts(store.db, [
        ...events(
          hookA.sub,
          ca,
          Array.from({ length: 50 }, (_, i) => i + 1),
          1,
        ),
        ...events(hookB.sub, cb, [1, 2, 3], 2),
      ]),
    );
    delivery.start();
    await until(
      "account B's six events",
      async () => (await countByStatus(store, hookB.hook.id, "delivered")) === 6,
      5000,
    );
    // Before the shares, A took all four slots at every pass and B waited for A's timeouts, again and again.
    assert.ok(hung.held.length >= 2, "A keeps its own share busy");
  } finally {
    for (const res of hung.held) res.end();
    await delivery.stop();
    hung.server.closeAllConnections();
    hung.server.close();
    await rx.close();
    await store.close();
  }
});

// 12: more subscriptions than slots, all hanging; before shares by account they took the reserve too (hooks6).
for (const hungCount of [1, 2, 12]) {
  test(`${hungCount} hanging receiver(s) with events waiting leave a slot free: another's event that comes next goes at once`, async () => {
    const store = await openStore({ url: ":memory:" });
    const hung = await holdingReceiver();
    const rx = await receiver("sb", () => 200);
    const timeoutMs = 4000;
    const delivery = localDelivery(store, { timeoutMs, pollMs: 50, concurrency: 8 });
    try {
      const a = await createAccount(store, "a");
      const b = await createAccount(store, "b");
      const ca = (await createCampaign(store, a)).campaignId;
      const cb = (await createCampaign(store, b)).campaignId;
      const contacts = Array.from({ length: 40 }, (_, i) => i + 1);
      // Each of A's events goes to every one of its subscriptions.
      let hook = await endedHook(store, a, `${hung.url}0`, "sa", 3);
      for (let i = 1; i < hungCount; i++) hook = await endedHook(store, a, `${hung.url}${i}`, "sa", 3);
      const rows = events(hook.sub, ca, contacts, 1);
      const hookB = await endedHook(store, b, rx.url, "sb", 3);
      await atomically(store, outboxInserts(store.db, rows));
      delivery.start();
      // One slot of the 8 is kept for a subscription with none: one alone uses the other 7 (it took all 8,
      // and a fix keeping half let two hung receivers take all 8 again).
      await until("the hung sends", async () => hung.held.length >= 7);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(hung.held.length, 7);
      const written = Date.now();
      await atomically(store, outboxInserts(store.db, events(hookB.sub, cb, [1], 1)));
      delivery.wake();
      await until(
        "B's event",
        async () => (await countByStatus(store, hookB.hook.id, "delivered")) === 1,
        10_000,
      );
      const waited = Date.now() - written;
      assert.ok(waited < timeoutMs / 2, `B's event waited ${waited} ms`);
    } finally {
      for (const res of hung.held) res.end();
      await delivery.stop();
      hung.server.closeAllConnections();
      hung.server.close();
      await rx.close();
      await store.close();
    }
  });
}

test("subscriptions whose events all back off leave the send slots to one with events due (hooks6)", async () => {
  const store = await openStore({ url: ":memory:" });
  const healthy = await holdingReceiver();
  const delivery = localDelivery(store, { timeoutMs: 4000, pollMs: 50, concurrency: 8 });
  try {
    const accountId = await createAccount(store);
    const { campaignId } = await createCampaign(store, accountId);
    // 20 subscriptions (receivers down) whose one event each backs off for an hour; each of its own
    // campaign, so that it alone takes that event (and none of the healthy one's below).
    for (let i = 0; i < 20; i++) {
      const own = (await createCampaign(store, accountId, {}, { name: `down-${i}` })).campaignId;
      const down = await endedHook(store, accountId, `http://127.0.0.1:9/down-${i}`, "s", 12, own);
      await atomically(store, outboxInserts(store.db, events(down.sub, own, [1000 + i], 1)));
      await store.db
        .updateTable("webhook_deliveries")
        .set({ attempts: 5, next_attempt_at: Date.now() + 3_600_000 })
        .where("webhook_id", "=", down.hook.id)
        .execute();
    }
    const { sub } = await endedHook(store, accountId, healthy.url, "s", 12, campaignId);
    const contacts = Array.from({ length: 20 }, (_, i) => i + 1);
    await atomically(store, outboxInserts(store.db, events(sub, campaignId, contacts, 1)));
    delivery.start();
    // Shared among all 21 with events pending, its share was one slot of the 7: one event per round trip.
    await until("7 sends at once", async () => healthy.held.length >= 7, 3000);
  } finally {
    for (const res of healthy.held) res.end();
    await delivery.stop();
    healthy.server.closeAllConnections();
    healthy.server.close();
    await store.close();
  }
});

test("a backlog in backoff is not read again at every pass; this node's new events are seen at once", async () => {
  const store = await openStore({ url: ":memory:" });
  const rx = await receiver("s", () => 500);
  const delivery = localDelivery(store, {
    baseBackoffMs: 60_000,
    maxBackoffMs: 60_000,
    pollMs: 20,
    timeoutMs: 2000,
  });
  try {
    const accountId = await createAccount(store);
    const { campaignId } = await createCampaign(store, accountId);
    const { hook, sub } = await endedHook(store, accountId, rx.url, "s", 5);
    const contacts = Array.from({ length: 30 }, (_, i) => i + 1);
    await atomically(store, outboxInserts(store.db, events(sub, campaignId, contacts, 1)));
    delivery.start();
    await until("the first tries", async () => rx.got.length >= 30);
    await new Promise((r) => setTimeout(r, 200));
    const scans = delivery.stats.scans;
    const passes = delivery.stats.passes;
    await new Promise((r) => setTimeout(r, 1500));
    // Every pass (one each 20 ms) read the whole backlog; now at most one read each 5 s.
    assert.ok(delivery.stats.passes - passes >= 20, "passes went on");
    assert.ok(
      delivery.stats.scans - scans <= 1,
      `${delivery.stats.scans - scans} reads of the backlog in 1.5 s`,
    );
    // A new event written on this node (for a contact not backing off) goes at once.
    const got = rx.got.length;
    await atomically(store, outboxInserts(store.db, events(sub, campaignId, [99], 1)));
    delivery.eventsWritten();
    // At once, not at the next read of the backlog (5 s on): the bound leaves a busy machine its time.
    await until("the new event's try", async () => rx.got.length > got, 2500);
    assert.equal(await countByStatus(store, hook.id, "pending"), 31);
  } finally {
    await delivery.stop();
    await rx.close();
    await store.close();
  }
});

test("a contact's next event goes as soon as its last is answered, also while a pass found it in flight", async () => {
  const store = await openStore({ url: ":memory:" });
  // Each answer takes 150 ms: passes in between find the contact's head leased, nothing due.
  const slow = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end("ok"), 150);
  });
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  const rx = {
    url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`,
    close: () => slow.close(),
  };
  const delivery = localDelivery(store, { pollMs: 20, timeoutMs: 2000 });
  try {
    const accountId = await createAccount(store);
    const { campaignId } = await createCampaign(store, accountId);
    const { hook, sub } = await endedHook(store, accountId, rx.url, "s", 5);
    await atomically(store, outboxInserts(store.db, events(sub, campaignId, [1], 5)));
    const began = Date.now();
    delivery.start();
    await until("five events", async () => (await countByStatus(store, hook.id, "delivered")) === 5, 20_000);
    const took = Date.now() - began;
    assert.ok(took < 3000, `five events one after the other took ${took} ms`);
  } finally {
    await delivery.stop();
    await rx.close();
    await store.close();
  }
});

for (const dialect of dialects()) {
  test(`contacts whose first event keeps failing, however many, do not hold back other contacts' events [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const refused = new Set<string>();
    const rx = await receiver("s", (eventId) => (refused.has(eventId) ? 410 : 200));
    const delivery = localDelivery(store, {
      baseBackoffMs: 600_000,
      maxBackoffMs: 3_600_000,
      pollMs: 100,
    });
    try {
      const accountId = await createAccount(store);
      const { campaignId } = await createCampaign(store, accountId);
      const { hook, sub } = await endedHook(store, accountId, rx.url, "s", 12);
      // 600 contacts with two events each, all refused: more pending rows than any fixed window.
      const failing = events(
        sub,
        campaignId,
        Array.from({ length: 600 }, (_, i) => i + 1),
        2,
      );
      for (const r of failing) refused.add(r.event_id);
      const good = events(sub, campaignId, [9999], 1);
      await atomically(store, outboxInserts(store.db, [...failing, ...good]));
      delivery.start();
      await until(
        "the other contact's event",
        async () => (await countByStatus(store, hook.id, "delivered")) === 1,
        30_000,
      );
      const seen = new Set(rx.got.map((g) => g.eventId));
      assert.ok(seen.has(good[0].event_id));
      // Only heads were tried: no contact's second event went before its first.
      const seconds = new Set(failing.slice(600).map((r) => r.event_id));
      assert.ok(rx.got.every((g) => !seconds.has(g.eventId)));
    } finally {
      await delivery.stop();
      await rx.close();
      await store.close();
    }
  });
}

for (const dialect of dialects()) {
  test(`once stop() has resolved, a pass that was under way sends and writes nothing more [${dialect.name}]`, {
    timeout: 30_000,
  }, async () => {
    const store = await dialect.open();
    const secret = "whsec_stop";
    const rx = await receiver(secret, () => 200);
    try {
      const accountId = await createAccount(store);
      const { campaignId } = await createCampaign(store, accountId);
      const { hook, sub } = await endedHook(store, accountId, rx.url, secret, 5);
      await atomically(store, outboxInserts(store.db, events(sub, campaignId, [1], 1)));
      const delivery = localDelivery(store, {
        nodeId: "node-a",
        baseBackoffMs: 40,
        maxBackoffMs: 200,
      });
      delivery.start();
      // Stop as soon as the first pass has begun (it is reading the outbox), as a shutdown may.
      while (delivery.stats.passes === 0) await new Promise((r) => setImmediate(r));
      await delivery.stop();
      const row = () =>
        store.db.selectFrom("webhook_deliveries").selectAll().where("webhook_id", "=", hook.id).execute();
      const sentAtStop = rx.got.length;
      const atStop = await row();
      await new Promise((r) => setTimeout(r, 400));
      // Whatever the pass had done by then is finished and recorded; nothing starts after.
      assert.equal(rx.got.length, sentAtStop, "no request went out after stop() resolved");
      assert.deepEqual(await row(), atStop, "the outbox did not change after stop() resolved");
      assert.equal(delivery.stats.sent, sentAtStop);
    } finally {
      await rx.close();
      await store.close();
    }
  });
}
