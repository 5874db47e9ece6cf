// Audit webhooks12: on PostgreSQL a replayed dead letter and its contact's next event were in flight at
// once (README: events go "one at a time per contact in the order it happened"). Node A leased the
// contact's second event, its check seeing the first dead; the API replayed the first; node B leased that
// one, its check for a live lease on the key not seeing A's, not yet committed. The two leases wrote
// different rows, so nothing made one wait (write skew under READ COMMITTED). Now leases of one order key
// take turns (store/webhooks.ts leaseHead): B waits for A's commit, then finds the key in flight. A's
// lease runs inside a transaction the test holds open, so the window is the same every run; it is let go
// once B waits on it (or has answered: before the fix, with a lease of its own). PostgreSQL only: SQLite
// runs one write at a time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Kysely, sql } from "kysely";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import type { Database } from "../../src/store/schema.ts";
import {
  insertWebhook,
  leaseHead,
  outboxInserts,
  recordDelivery,
  replayDeliveries,
} from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Polls until a session waits on a lock `pid` holds, or `request` has answered. */
async function untilWaitingOnOrAnswered(db: Kysely<Database>, pid: number, request: Promise<unknown>) {
  let answered = false;
  void request.finally(() => {
    answered = true;
  });
  for (let i = 0; i < 1000 && !answered; i++) {
    const { rows } =
      await sql`SELECT 1 FROM pg_locks WHERE NOT granted AND pg_blocking_pids(pid) && ARRAY[${pid}::int]`.execute(
        db,
      );
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(answered, "node B neither waited nor answered");
}

for (const dialect of dialects().filter((d) => d.name === "postgres")) {
  test(`a replayed dead letter waits for its contact's next event leased by another node [${dialect.name}]`, async () => {
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
      for (const n of [1, 2]) {
        const event = {
          type: "attempt.ended" as const,
          accountId,
          campaignId,
          contactId: 7,
          final: true,
          at: T0,
          data: { n },
        };
        await atomically(store, outboxInserts(store.db, [eventRow(event)]));
      }
      const [first, second] = await store.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .orderBy("id")
        .execute();
      // The contact's first event died; its second is due.
      await store.db
        .updateTable("webhook_deliveries")
        .set({ status: "dead", attempts: 3 })
        .where("id", "=", first.id)
        .execute();
      const now = T0 + 1000;

      let letGo!: () => void;
      const gate = new Promise<void>((r) => {
        letGo = r;
      });
      let leasedA!: (pid: number) => void;
      const aLeased = new Promise<number>((r) => {
        leasedA = r;
      });
      const nodeA = store.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        assert.ok(
          await leaseHead(trx, second.id, "node-a", now, now + 20_000),
          "node A leases the second event",
        );
        leasedA(rows[0].pid);
        await gate;
      });
      const pidA = await aLeased;
      // The API replays the dead letter; node B, which read it as the key's head, leases it.
      assert.equal(await replayDeliveries(store.db, hook.id, now, [first.id]), 1);
      const nodeB = leaseHead(store.db, first.id, "node-b", now, now + 20_000);
      await untilWaitingOnOrAnswered(store.db, pidA, nodeB);
      letGo();
      await nodeA;
      const leasedB = await nodeB;

      const inFlight = await store.db
        .selectFrom("webhook_deliveries")
        .select(["id", "lease_owner"])
        .where("status", "=", "pending")
        .where("lease_expires_at", ">=", now)
        .execute();
      assert.deepEqual(
        inFlight,
        [{ id: second.id, lease_owner: "node-a" }],
        "one event of the contact in flight",
      );
      assert.equal(leasedB, undefined);
      // Once A's send ends, the replayed event goes.
      await recordDelivery(store.db, {
        id: second.id,
        owner: "node-a",
        now: now + 5,
        ok: true,
        httpStatus: 200,
        error: null,
        retryAt: null,
      });
      assert.equal((await leaseHead(store.db, first.id, "node-b", now + 6, now + 20_000))?.id, first.id);
    } finally {
      await store.close();
    }
  });
}
