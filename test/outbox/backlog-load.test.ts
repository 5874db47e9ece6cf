// A receiver down for hours leaves a large backlog in backoff, a few of its events coming due every second.
// Reading a subscription's heads costs time in proportion to that backlog (100,000 events: 25-35 ms on
// SQLite, on the thread the dialer shares), and every failed send asked for another pass that read it all
// again: passes ran back to back (event-loop utilisation 0.97). Now failed sends ask for no read, one read
// serves many sends, and reads are spaced by what they cost; ordering and leases hold as before.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore } from "../../src/store/db.ts";
import { insertWebhook, leaseHead, outboxInserts, replayDeliveries } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

/** A port on 127.0.0.1 nobody listens on: every send is refused at once. */
async function refusedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test("a down receiver's backlog in backoff: failed sends start no reads of it, and one read serves many sends", {
  timeout: 120_000,
}, async () => {
  const store = await openStore({ url: ":memory:" });
  const port = await refusedPort();
  const now = Date.now();
  const accountId = await createAccount(store, "acme", now);
  const hook = await insertWebhook(store.db, {
    accountId,
    campaignId: null,
    url: `http://127.0.0.1:${port}/h`,
    secret: "s",
    events: ["attempt.ended"],
    delaySec: 0,
    partialResults: true,
    maxAttempts: 12,
    active: true,
    now,
  });
  // 30,000 contacts in backoff, their retries spread over the next 5 minutes (100 come due a second); the
  // first thousand have a second event behind their first.
  const N = 30_000;
  const SPREAD_MS = 300_000;
  const ins = store.sqlite!.prepare(
    `INSERT INTO webhook_deliveries (account_id, webhook_id, event_id, event_type, order_key, payload, status,
      attempts, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
  );
  store.sqlite!.transaction(() => {
    for (let i = 0; i < N; i++) {
      const at = now + 500 + Math.floor((i / N) * SPREAD_MS);
      ins.run(accountId, hook.id, `e${i}`, "attempt.ended", `contact:${i}`, "{}", "pending", 6, at, now);
    }
    for (let i = 0; i < 1000; i++) {
      ins.run(accountId, hook.id, `f${i}`, "attempt.ended", `contact:${i}`, "{}", "pending", 0, now, now);
    }
  })();
  const delivery = new WebhookDelivery({
    store,
    clock: new WallClock(),
    nodeId: "n1",
    allowPrivateNetworks: true,
    baseBackoffMs: 3_600_000,
    maxBackoffMs: 3_600_000,
  });
  try {
    delivery.start();
    await new Promise((r) => setTimeout(r, 700));
    const before = { ...delivery.stats };
    await new Promise((r) => setTimeout(r, 3000));
    const sent = delivery.stats.sent - before.sent;
    const scans = delivery.stats.scans - before.scans;
    const passes = delivery.stats.passes - before.passes;
    assert.ok(sent >= 30, `the events coming due went out (${sent} sends in 3 s)`);
    // Before: a read of the whole backlog per pass and a pass per failed send (scans ≈ passes ≈ sends).
    assert.ok(scans * 10 <= sent, `${scans} reads of the backlog for ${sent} sends`);
    assert.ok(passes * 3 <= sent, `${passes} passes for ${sent} sends`);
  } finally {
    await delivery.stop();
  }
  assert.equal(delivery.stats.failed, delivery.stats.sent, "every send was refused and backs off");
  // Only heads went: no contact's second event was sent while its first backs off.
  const seconds = await store.db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("event_id", "like", "f%")
    .where("attempts", ">", 0)
    .executeTakeFirstOrThrow();
  assert.equal(Number(seconds.n), 0);
  await store.close();
});

for (const dialect of dialects()) {
  test(`a head read a while ago is not leased once an earlier event of its key is back in the queue [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const now = Date.now();
      const accountId = await createAccount(store, "acme", now);
      const { campaignId } = await createCampaign(store, accountId);
      const hook = await insertWebhook(store.db, {
        accountId,
        campaignId: null,
        url: "http://127.0.0.1:9/h",
        secret: "s",
        events: ["attempt.ended"],
        delaySec: 0,
        partialResults: true,
        maxAttempts: 3,
        active: true,
        now,
      });
      const rows = [0, 1].flatMap((round) => [
        eventRow({
          type: "attempt.ended",
          accountId,
          campaignId,
          contactId: 7,
          final: false,
          at: now,
          data: { round },
        }),
      ]);
      await atomically(store, outboxInserts(store.db, rows));
      const [first, second] = await store.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .orderBy("id")
        .execute();
      // The first is dead: the second is its key's head, and delivery has read it as such.
      await store.db
        .updateTable("webhook_deliveries")
        .set({ status: "dead" })
        .where("id", "=", first.id)
        .execute();
      // Then the first is replayed before the second was leased: the second must wait for it again.
      assert.equal(await replayDeliveries(store.db, hook.id, now, [first.id]), 1);
      assert.equal(await leaseHead(store.db, second.id, "n1", now, now + 20_000), undefined);
      const leased = await leaseHead(store.db, first.id, "n1", now, now + 20_000);
      assert.equal(leased?.id, first.id);
      assert.equal(leased?.lease_owner, "n1");
      assert.equal(leased?.attempts, 0, "the row as it is now, its attempts reset by the replay");
      assert.equal(
        await leaseHead(store.db, first.id, "n2", now + 1, now + 20_000),
        undefined,
        "a live lease holds it",
      );
    } finally {
      await store.close();
    }
  });
}
