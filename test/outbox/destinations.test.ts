// Webhooks go to public addresses only unless OUTDIAL_WEBHOOK_ALLOW_PRIVATE says otherwise: an account
// must not reach the server's own network (loopback, private ranges, cloud metadata) through them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { loadConfig } from "../../src/config/config.ts";
import { WebhookDelivery } from "../../src/outbox/delivery.ts";
import { isPublicAddress } from "../../src/outbox/destinations.ts";
import { eventRow } from "../../src/outbox/events.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore } from "../../src/store/db.ts";
import { insertWebhook, outboxInserts } from "../../src/store/webhooks.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { receiver } from "../helpers/webhook-receiver.ts";

test("public addresses are told from loopback, private, link-local and reserved ones", () => {
  for (const a of [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
  ]) {
    assert.equal(isPublicAddress(a), true, a);
  }
  for (const a of [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254", // cloud metadata
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:7f00:1", // 127.0.0.1, mapped, in hex
    "::10.0.0.1", // IPv4-compatible
    "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
    "2002:7f00:1::1", // 6to4 of 127.0.0.1
    "fec0::1", // site-local
    "fe80::1%eth0", // link-local with a zone
    "not an address",
  ]) {
    assert.equal(isPublicAddress(a), false, a);
  }
});

test("OUTDIAL_WEBHOOK_ALLOW_PRIVATE is off by default and takes 1/0, true/false", () => {
  assert.equal(loadConfig({}).webhookAllowPrivate, false);
  assert.equal(loadConfig({ OUTDIAL_WEBHOOK_ALLOW_PRIVATE: "1" }).webhookAllowPrivate, true);
  assert.equal(loadConfig({ OUTDIAL_WEBHOOK_ALLOW_PRIVATE: "false" }).webhookAllowPrivate, false);
  assert.throws(
    () => loadConfig({ OUTDIAL_WEBHOOK_ALLOW_PRIVATE: "maybe" }),
    /OUTDIAL_WEBHOOK_ALLOW_PRIVATE/,
  );
});

for (const allowPrivateNetworks of [false, true]) {
  test(`a receiver on 127.0.0.1, by address and by name: ${allowPrivateNetworks ? "reached when allowed" : "never reached by default"}`, async () => {
    const store = await openStore({ url: ":memory:" });
    const rx = await receiver("whsec_x", () => 200);
    try {
      const accountId = await createAccount(store);
      const { campaignId } = await createCampaign(store, accountId);
      const hooks = [];
      for (const url of [rx.url, rx.url.replace("127.0.0.1", "localhost")]) {
        const hook = await insertWebhook(store.db, {
          accountId,
          campaignId: null,
          url,
          secret: "whsec_x",
          events: ["attempt.ended"],
          delaySec: 0,
          partialResults: true,
          maxAttempts: 1,
          active: true,
          now: Date.now(),
        });
        hooks.push(hook);
      }
      // One event, which each of the two subscriptions takes.
      const events = [
        eventRow({
          type: "attempt.ended",
          accountId,
          campaignId,
          contactId: 1,
          final: false,
          at: Date.now(),
          data: {},
        }),
      ];
      await atomically(store, outboxInserts(store.db, events));
      const delivery = new WebhookDelivery({
        store,
        clock: new WallClock(),
        nodeId: "node-a",
        baseBackoffMs: 40,
        maxBackoffMs: 200,
        pollMs: 50,
        allowPrivateNetworks,
      });
      delivery.start();
      const settled = async () => {
        const rows = await store.db.selectFrom("webhook_deliveries").selectAll().execute();
        return rows.every((r) => r.status !== "pending") ? rows : null;
      };
      let rows = await settled();
      for (const end = Date.now() + 10_000; !rows && Date.now() < end; rows = await settled()) {
        await new Promise((r) => setTimeout(r, 25));
      }
      await delivery.stop();
      assert.ok(rows, "every delivery settled");
      if (allowPrivateNetworks) {
        assert.equal(rx.got.length, 2);
        assert.deepEqual(
          rows.map((r) => r.status),
          ["delivered", "delivered"],
        );
      } else {
        assert.equal(rx.got.length, 0, "no request reached the receiver");
        for (const r of rows) {
          assert.equal(r.status, "dead");
          assert.match(
            String(r.last_error),
            /^destination_not_allowed: (127\.0\.0\.1 is not a public address|localhost resolves to no public address); set OUTDIAL_WEBHOOK_ALLOW_PRIVATE=1/,
          );
        }
      }
    } finally {
      await rx.close();
      await store.close();
    }
  });
}
