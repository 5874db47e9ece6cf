// A subscription edited while a delivery pass is under way is sent as it is after the edit (webhooks13).
// A pass reads the active subscriptions once, at its start, and then leases and sends each one's events
// with that row in hand; the lease checked the event (due, unleased, its key's head), never that its
// subscription was still active. So one made inactive (PATCH active: false, answered 200) was sent its
// events by a pass begun before, against README (Webhooks): "One made inactive takes no new events and
// sends nothing"; and one whose URL was changed or secret rotated had them sent to the old URL, signed
// with the old secret. The lease now requires the subscription active and returns its URL, secret and
// attempt limit as they are at the lease, which the send uses. An event leased before the edit goes as
// it was: that is all a pass under way still sends.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import type { Store } from "../../src/store/db.ts";
import type { WebhookRow } from "../../src/store/schema.ts";
import {
  insertWebhook,
  leaseHead,
  outboxInserts,
  rotateWebhookSecret,
  updateWebhook,
} from "../../src/store/webhooks.ts";
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

/** An attempt.ended subscription to `url` for the campaign's events alone (each event is taken by every
 *  subscription of its campaign or account, so a test's subscriptions each get their own campaign). */
function subscribe(
  store: Store,
  accountId: number,
  campaignId: number,
  url: string,
  secret: string,
  now: number,
) {
  return insertWebhook(store.db, {
    accountId,
    campaignId,
    url,
    secret,
    events: ["attempt.ended"],
    delaySec: 0,
    partialResults: true,
    maxAttempts: 3,
    active: true,
    now,
  });
}

/** One attempt.ended of `contactId` in `hook`'s campaign, as the engine writes it; its outbox row's id. */
async function eventFor(store: Store, hook: WebhookRow, contactId: number, now: number) {
  const rows = [
    eventRow({
      type: "attempt.ended",
      accountId: hook.account_id,
      campaignId: Number(hook.campaign_id),
      contactId,
      final: true,
      at: now,
      data: {},
    }),
  ];
  await atomically(store, outboxInserts(store.db, rows));
  const row = await store.db
    .selectFrom("webhook_deliveries")
    .select("id")
    .where("webhook_id", "=", hook.id)
    .where("order_key", "=", `contact:${contactId}`)
    .executeTakeFirstOrThrow();
  return row.id;
}

for (const dialect of dialects()) {
  test(`a lease needs the subscription active, and carries it as it is at the lease [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const now = Date.now();
      const accountId = await createAccount(store, "acme", now);
      const { campaignId } = await createCampaign(store, accountId);
      const hook = await subscribe(store, accountId, campaignId, "http://127.0.0.1:9/old", "old-secret", now);
      const id = await eventFor(store, hook, 7_130_201, now);

      await updateWebhook(store.db, accountId, hook.id, { active: false }, now);
      assert.equal(await leaseHead(store.db, id, "n1", now, now + 20_000), undefined, "inactive: no lease");

      await updateWebhook(
        store.db,
        accountId,
        hook.id,
        { active: true, url: "http://127.0.0.1:9/new", maxAttempts: 7 },
        now,
      );
      await rotateWebhookSecret(store.db, accountId, hook.id, "new-secret", now);
      const leased = await leaseHead(store.db, id, "n1", now, now + 20_000);
      assert.equal(leased?.id, id);
      assert.deepEqual(
        [leased?.url, leased?.secret, leased?.max_attempts],
        ["http://127.0.0.1:9/new", "new-secret", 7],
        "the subscription as it is now",
      );
    } finally {
      await store.close();
    }
  });
}

// PostgreSQL lets a test hold a pass between its start and its leases: a lease first takes its order key's
// advisory lock (store/webhooks.ts leaseHead), as a pass over many subscriptions is held by its reads on a
// busy database.
for (const dialect of dialects().filter((d) => d.name === "postgres")) {
  test(`a pass under way sends nothing for a subscription made inactive, and to a moved one's new URL [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const rxA = await receiver("sa", () => 200);
    const rxB = await receiver("sb", () => 200);
    const rxOld = await receiver("sc", () => 200);
    const rxNew = await receiver("sc2", () => 200);
    const holder = await store.pool!.connect();
    let delivery: WebhookDelivery | undefined;
    try {
      const now = Date.now();
      const accountId = await createAccount(store, "acme", now);
      const campaign = async (name: string) =>
        (await createCampaign(store, accountId, {}, { name })).campaignId;
      // Contact ids unlikely to share an advisory lock key with another test file's (the keys are the
      // server's, across schemas).
      const a = await subscribe(store, accountId, await campaign("a"), rxA.url, "sa", now);
      const b = await subscribe(store, accountId, await campaign("b"), rxB.url, "sb", now);
      const c = await subscribe(store, accountId, await campaign("c"), rxOld.url, "sc", now);
      const [contactA, contactB, contactC] = [7_130_301, 7_130_302, 7_130_303];
      await eventFor(store, a, contactA, now);
      const bEvent = await eventFor(store, b, contactB, now);
      await eventFor(store, c, contactC, now);
      // The first pass takes A first (subscriptions in id order) and waits at its lease.
      const key = `outdial.webhook_deliveries.${a.id}.contact:${contactA}`;
      await holder.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
      delivery = new WebhookDelivery({
        store,
        clock: new WallClock(),
        nodeId: "n1",
        baseBackoffMs: 1000,
        maxBackoffMs: 5000,
        allowPrivateNetworks: true,
      });
      delivery.start();
      await until("the pass to wait at A's lease", async () => {
        const { rows } = await store.pool!.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock%webhook_deliveries%'`,
        );
        return rows[0].n > 0;
      });

      // What PATCH /v1/webhooks/{id} and rotate-secret write, committed while the pass holds the old rows.
      await updateWebhook(store.db, accountId, b.id, { active: false }, Date.now());
      await updateWebhook(store.db, accountId, c.id, { url: rxNew.url }, Date.now());
      await rotateWebhookSecret(store.db, accountId, c.id, "sc2", Date.now());
      await holder.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]);

      await until("A's and C's events", () => rxA.got.length === 1 && rxNew.got.length === 1);
      // Waits for the pass under way and every send it began.
      await delivery.stop();
      assert.equal(rxB.got.length, 0, "the subscription made inactive was sent nothing");
      const bRow = await store.db
        .selectFrom("webhook_deliveries")
        .select(["status", "attempts", "lease_owner"])
        .where("id", "=", bEvent)
        .executeTakeFirstOrThrow();
      assert.deepEqual(bRow, { status: "pending", attempts: 0, lease_owner: null }, "its event waits");
      assert.equal(rxOld.got.length, 0, "nothing went to the URL it was moved from");
      assert.equal(rxNew.got[0].signatureOk, true, "signed with the rotated secret");
    } finally {
      await delivery?.stop();
      holder.release();
      for (const rx of [rxA, rxB, rxOld, rxNew]) await rx.close();
      await store.close();
    }
  });
}
