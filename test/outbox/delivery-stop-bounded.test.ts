// A stop with a webhook send in flight to a receiver that never answers ends within the shutdown grace, not
// the send's timeout: server.close() waited out OUTDIAL_WEBHOOK_TIMEOUT_MS (30 s here, with a 1 s grace), so
// a supervisor (docker stop: 10 s) killed the node. The send cut short is no attempt: its event stays
// pending, its attempts uncounted and its lease let go, for the next node or start to send at once.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { leaseHead, outboxInserts } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { serverWithApi } from "../helpers/server-api.ts";
import { attemptEndedHook } from "../helpers/stallable-pair.ts";
import { dialects } from "../helpers/stores.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A webhook receiver that reads each request and never answers it. */
async function silentReceiver(): Promise<{ url: string; received: () => number; close(): void }> {
  let received = 0;
  const server = http.createServer(() => {
    received++;
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(25)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

async function deliveries(store: Store) {
  return store.db
    .selectFrom("webhook_deliveries")
    .select(["id", "status", "attempts", "lease_owner", "lease_expires_at"])
    .orderBy("id")
    .execute();
}

test("server.close() with a webhook send in flight ends within the grace; the event stays pending", {
  timeout: 120_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "delivery-stop-"));
  const dbPath = path.join(dir, "db.sqlite");
  const rx = await silentReceiver();
  const { server, call } = await serverWithApi({
    OUTDIAL_DATABASE_URL: dbPath,
    OUTDIAL_WEBHOOK_ALLOW_PRIVATE: "1",
    OUTDIAL_WEBHOOK_TIMEOUT_MS: "30000",
    OUTDIAL_SHUTDOWN_GRACE_MS: "1000",
  });
  try {
    try {
      const campaign = await call("POST", "/v1/campaigns", { name: "w" });
      await call("POST", "/v1/webhooks", { url: rx.url, events: ["campaign.status_changed"] });
      const list = await call("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "p" });
      await call("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
        contacts: [{ phone: "+12125550123" }],
      });
      await call("POST", `/v1/campaigns/${campaign.id}/start`);
      await waitFor("the event's send", () => rx.received() > 0);
      assert.equal(rx.received(), 1, "one send in flight");
    } catch (err) {
      await server.close();
      throw err;
    }
    const t0 = Date.now();
    await server.close();
    const took = Date.now() - t0;
    assert.ok(took < 10_000, `the stop took ${took} ms with a 1 s grace and a 30 s webhook timeout`);

    const store = await openStore({ url: dbPath });
    try {
      const rows = await deliveries(store);
      assert.equal(rows.length, 1);
      assert.deepEqual(
        { status: rows[0].status, attempts: Number(rows[0].attempts), lease: rows[0].lease_owner },
        { status: "pending", attempts: 0, lease: null },
        "the cut-short send is no attempt, and its event is free for the next start",
      );
    } finally {
      await store.close();
    }
  } finally {
    rx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const dialect of dialects()) {
  test(`${dialect.name}: a stop's grace aborts the send in flight and gives its event back, due for another node`, {
    timeout: 60_000,
  }, async () => {
    const store = await dialect.open();
    const rx = await silentReceiver();
    const delivery = new WebhookDelivery({
      store,
      clock: new WallClock(),
      nodeId: "n1",
      allowPrivateNetworks: true,
      baseBackoffMs: 1000,
      maxBackoffMs: 5000,
      timeoutMs: 30_000,
    });
    try {
      const now = Date.now();
      const accountId = await createAccount(store, "acme", now);
      const { campaignId } = await createCampaign(store, accountId);
      await attemptEndedHook(store, accountId, now, rx.url);
      const event = (contactId: number) =>
        eventRow({
          type: "attempt.ended",
          accountId,
          campaignId,
          contactId,
          final: false,
          at: Date.now(),
          data: {},
        });
      delivery.start();
      await atomically(store, outboxInserts(store.db, [event(1)]));
      delivery.eventsWritten();
      await waitFor("the first event's send", () => rx.received() > 0);

      const t0 = Date.now();
      const stopped = delivery.stop(500);
      // Written during the grace (a request still being served): left for the next node, not sent now.
      await atomically(store, outboxInserts(store.db, [event(2)]));
      delivery.eventsWritten();
      await stopped;
      const took = Date.now() - t0;
      assert.ok(took < 5_000, `the stop took ${took} ms with a 500 ms grace and a 30 s send timeout`);
      assert.equal(rx.received(), 1, "no send began once the stop had");

      const rows = await deliveries(store);
      assert.deepEqual(
        rows.map((r) => ({ status: r.status, attempts: Number(r.attempts), lease: r.lease_owner })),
        [
          { status: "pending", attempts: 0, lease: null },
          { status: "pending", attempts: 0, lease: null },
        ],
      );
      // Another node takes the cut-short event at once, not after the lease (twice the timeout) runs out.
      const taken = await leaseHead(store.db, rows[0].id, "n2", Date.now(), Date.now() + 60_000);
      assert.equal(taken?.id, rows[0].id, "the event is due and unleased");
    } finally {
      await delivery.stop(0);
      rx.close();
      await store.close();
    }
  });
}
