// Retention keeps up with a busy outbox: "Delivered events leave the outbox 7 days after delivery". A prune
// round stopped after 100 batches of 1000 and the next came an hour later, so at most 100,000 events left
// an hour however many were overdue (a 30-cps campaign with one all-events subscription writes ~90 a
// second): the outbox grew for ever. A round now goes on until nothing overdue is left, giving the event
// loop back between its batches.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { insertWebhook, pruneStatements } from "../../src/store/webhooks.ts";
import { createAccount } from "../helpers/fixtures.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 20, 9, 0, 0);

async function count(
  store: Store,
  status: string,
  column: "delivered_at" | "next_attempt_at",
  before: number,
) {
  const r = await store.db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", status)
    .where(column, "<", before)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

test("one prune round removes every overdue event, however many, and yields between its batches", {
  timeout: 120_000,
}, async () => {
  const store = await openStore({ url: ":memory:" });
  const clock = new VirtualClock(T0);
  const accountId = await createAccount(store, "acme", T0);
  // Inactive: the loop sends nothing, it only prunes.
  const hook = await insertWebhook(store.db, {
    accountId,
    campaignId: null,
    url: "https://example.com/h",
    secret: "s",
    events: ["attempt.ended"],
    delaySec: 0,
    partialResults: true,
    maxAttempts: 3,
    active: false,
    now: T0,
  });
  // 130,000 delivered events over 7 days old and 2,500 dead letters over 30 days old (more than the old
  // 100 batches of a round), beside 3,000 delivered and 500 dead ones still within their time.
  const ins = store.sqlite!.prepare(
    `INSERT INTO webhook_deliveries (account_id, webhook_id, event_id, event_type, order_key, payload, status,
      attempts, next_attempt_at, created_at, delivered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const OLD = 130_000;
  store.sqlite!.transaction(() => {
    const old = T0 - 8 * DAY;
    for (let i = 0; i < OLD; i++) {
      ins.run(
        accountId,
        hook.id,
        `o${i}`,
        "attempt.ended",
        `contact:${i}`,
        "{}",
        "delivered",
        1,
        old,
        old,
        old + i,
      );
    }
    for (let i = 0; i < 3000; i++) {
      const at = T0 - 6 * DAY + i;
      ins.run(accountId, hook.id, `r${i}`, "attempt.ended", `contact:${i}`, "{}", "delivered", 1, at, at, at);
    }
    for (let i = 0; i < 2500; i++) {
      const died = T0 - 31 * DAY + i;
      ins.run(
        accountId,
        hook.id,
        `d${i}`,
        "attempt.ended",
        `contact:${i}`,
        "{}",
        "dead",
        3,
        died,
        died,
        null,
      );
    }
    for (let i = 0; i < 500; i++) {
      const died = T0 - 29 * DAY + i;
      ins.run(
        accountId,
        hook.id,
        `k${i}`,
        "attempt.ended",
        `contact:${i}`,
        "{}",
        "dead",
        3,
        died,
        died,
        null,
      );
    }
  })();
  const delivery = new WebhookDelivery({
    store,
    clock,
    nodeId: "n1",
    baseBackoffMs: 1000,
    maxBackoffMs: 5000,
    pollMs: 60_000,
    keepDeliveredMs: 7 * DAY,
    keepDeadMs: 30 * DAY,
  });
  // Turns of the event loop while the round runs: the dialer's timers and I/O get theirs between batches.
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    delivery.start();
    // The first round runs at start; a minute later (one pass), well before the next hourly round.
    await clock.run({ until: T0 + 60_000 });
    ticking = false;
    assert.equal(
      await count(store, "delivered", "delivered_at", T0 - 7 * DAY),
      0,
      "overdue delivered events left",
    );
    assert.equal(
      await count(store, "dead", "next_attempt_at", T0 - 30 * DAY),
      0,
      "overdue dead letters left",
    );
    assert.equal(await count(store, "delivered", "delivered_at", T0), 3000, "recent delivered events stay");
    assert.equal(await count(store, "dead", "next_attempt_at", T0), 500, "recent dead letters stay");
    assert.equal(delivery.stats.pruned, OLD + 2500);
    // 133 batches of 1000: the loop turned between them instead of being held for the whole round.
    assert.ok(turns >= 100, `${turns} turns of the event loop during the round`);

    // The rounds that follow, hourly, remove what became overdue since (the rest, a day on).
    await clock.run({ until: T0 + DAY + 2 * 3_600_000 });
    assert.equal(await count(store, "delivered", "delivered_at", T0 + DAY), 0);
    assert.equal(await count(store, "dead", "next_attempt_at", T0 + DAY), 0);
    assert.equal(delivery.stats.pruned, OLD + 2500 + 3000 + 500);
  } finally {
    ticking = false;
    await delivery.stop();
    await store.close();
  }
});

// The prune's condition repeated outside its `id IN (…)` (PostgreSQL's re-check after a replay) made
// SQLite's planner drive the DELETE through the queue index: a walk of every delivered event kept, 60–85 ms
// for 300,000, on the thread that dials, for each batch (review36). On SQLite the outer DELETE takes the
// subquery's ids by rowid, and the subquery reads its kind's own partial index.
test("SQLite: a prune batch reads its kind's own index and deletes by rowid, never walking the queue", async () => {
  const store = await openStore({ url: ":memory:" });
  try {
    const sqlite = store.sqlite;
    if (!sqlite) throw new Error("an SQLite store");
    const bounds = { deliveredBefore: T0, deadBefore: T0, limit: 1000 };
    const plans = pruneStatements(store.db, bounds).map((statement) => {
      const { sql, parameters } = statement.compile(store.db);
      const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters);
      return (rows as { detail: string }[]).map((r) => r.detail).join(" | ");
    });
    assert.equal(plans.length, 2);
    for (const [plan, index] of [
      [plans[0], "webhook_deliveries_delivered"],
      [plans[1], "webhook_deliveries_dead"],
    ]) {
      assert.doesNotMatch(plan, /webhook_deliveries_queue/, plan);
      assert.match(plan, new RegExp(`USING (COVERING )?INDEX ${index}`), plan);
      assert.match(plan, /SEARCH webhook_deliveries USING INTEGER PRIMARY KEY \(rowid=\?\)/, plan);
    }
  } finally {
    await store.close();
  }
});
