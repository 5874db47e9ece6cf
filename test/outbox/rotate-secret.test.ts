// POST /v1/webhooks/:id/rotate-secret: a subscription's secret is shown once, in the answer that makes it.
// A Twin24 task's webhookUrls make subscriptions whose secret no answer showed, so their receivers could
// not check a signature (found by an audit, 2026-12-05); a rotation gives one, and replaces a lost one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertTaskWebhook } from "../../src/api/compat/twin24/task-routes.ts";
import { WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { outboxInserts } from "../../src/store/webhooks.ts";
import { apiFixture } from "../api/helpers.ts";
import { createCampaign } from "../helpers/fixtures.ts";
import { receiver } from "../helpers/webhook-receiver.ts";

async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test("a Twin24 task's subscription gets a secret its receiver checks deliveries with", async () => {
  const f = await apiFixture();
  let secret = "";
  const rx = await receiver(
    () => secret,
    () => 200,
  );
  const delivery = new WebhookDelivery({
    allowPrivateNetworks: true,
    store: f.store,
    clock: new WallClock(),
    nodeId: "n1",
    baseBackoffMs: 1000,
    maxBackoffMs: 5000,
  });
  try {
    const { campaignId } = await createCampaign(f.store, f.accountId);
    await insertTaskWebhook(
      f.store.db,
      { accountId: f.accountId, campaignId, now: f.clock.now() },
      { url: rx.url, events: ["attempt.ended"], delaySec: 0, partialResults: true },
    );
    const [hook] = (await f.call({ method: "GET", url: "/v1/webhooks" })).json().data;
    assert.equal(hook.secret, undefined, "a list shows no secret");

    const rotated = await f.call({ method: "POST", url: `/v1/webhooks/${hook.id}/rotate-secret` });
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.equal(rotated.json().id, hook.id);
    assert.equal(rotated.json().url, rx.url);
    assert.match(rotated.json().secret, /^whsec_[A-Za-z0-9_-]{32}$/);
    secret = rotated.json().secret;
    assert.equal((await f.call({ method: "GET", url: `/v1/webhooks/${hook.id}` })).json().secret, undefined);

    const ended = {
      type: "attempt.ended",
      accountId: f.accountId,
      campaignId,
      final: false,
      data: {},
    } as const;
    await atomically(
      f.store,
      outboxInserts(f.store.db, [eventRow({ ...ended, contactId: 1, at: Date.now() })]),
    );
    delivery.start();
    await until("the event delivered", () => rx.got.length === 1);
    assert.equal(rx.got[0].signatureOk, true, "signed with the secret the rotation gave");

    // Rotated again: what goes from now on is signed with the new secret, and the old one fails it.
    const old = secret;
    secret = (await f.call({ method: "POST", url: `/v1/webhooks/${hook.id}/rotate-secret` })).json().secret;
    assert.notEqual(secret, old);
    await atomically(
      f.store,
      outboxInserts(f.store.db, [eventRow({ ...ended, contactId: 2, at: Date.now() })]),
    );
    delivery.eventsWritten();
    await until("the second event delivered", () => rx.got.length === 2);
    assert.equal(rx.got[1].signatureOk, true);
  } finally {
    await delivery.stop();
    await rx.close();
    await f.close();
  }
});

test("rotate-secret takes webhooks:manage, and another account's subscription is not found", async () => {
  const f = await apiFixture();
  try {
    const created = await f.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "https://hooks.example.com/in", events: ["attempt.ended"] },
    });
    const { id, secret } = created.json();
    const rotate = (key?: string) => f.call({ method: "POST", url: `/v1/webhooks/${id}/rotate-secret`, key });
    assert.equal((await rotate(await f.keyWithRole("supervisor"))).statusCode, 403);
    const other = await f.newAccount("other");
    const foreign = await rotate(other.key);
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.code, "not_found");
    const own = await rotate(await f.keyWithRole("developer"));
    assert.equal(own.statusCode, 200);
    assert.notEqual(own.json().secret, secret, "a new secret");
    const stored = await f.store.db
      .selectFrom("webhooks")
      .select("secret")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.secret, own.json().secret);
  } finally {
    await f.close();
  }
});
