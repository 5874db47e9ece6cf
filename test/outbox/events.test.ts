// Webhook events are written by the engine in the transaction of the change they report: one per
// subscription that takes them, in the order things happened to each contact, on both dialects.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Store } from "../../src/store/db.ts";
import type { WebhookDeliveryRow } from "../../src/store/schema.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

const ALL = [
  "attempt.ended",
  "contact.retry_scheduled",
  "contact.status_changed",
  "contact.succeeded",
  "campaign.status_changed",
];

async function outbox(store: Store, webhookId: number): Promise<WebhookDeliveryRow[]> {
  return store.db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("webhook_id", "=", webhookId)
    .orderBy("id")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: payloads are read field by field and compared
const data = (r: WebhookDeliveryRow) => (JSON.parse(r.payload) as { data: Record<string, any> }).data;

for (const dialect of dialects()) {
  test(`every state change of a campaign has its events, in order per contact [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, openStore: dialect.open });
    try {
      const now = h.clock.now();
      const base = {
        accountId: h.accountId,
        url: "http://127.0.0.1:9/hook",
        secret: "s",
        now,
        maxAttempts: 5,
      };
      const all = await insertWebhook(h.store.db, {
        ...base,
        campaignId: null,
        events: ALL,
        delaySec: 0,
        partialResults: true,
        active: true,
      });
      const finalsOnly = await insertWebhook(h.store.db, {
        ...base,
        campaignId: null,
        events: ["attempt.ended", "contact.retry_scheduled", "contact.status_changed"],
        delaySec: 4,
        partialResults: false,
        active: true,
      });
      const inactive = await insertWebhook(h.store.db, {
        ...base,
        campaignId: null,
        events: ALL,
        delaySec: 0,
        partialResults: true,
        active: false,
      });
      const contacts = Array.from({ length: 40 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] }));
      const id = await h.campaign(
        {
          maxConcurrent: 10,
          maxAttemptsPerContact: 3,
          retryIntervalSec: 60,
          retry: { busy: { intervalSec: 60, maxRetries: 2 }, no_answer: { intervalSec: 60, maxRetries: 2 } },
        },
        contacts,
      );
      // A webhook of this campaign only, created after the campaign.
      const own = await insertWebhook(h.store.db, {
        ...base,
        campaignId: id,
        events: ["campaign.status_changed"],
        delaySec: 0,
        partialResults: true,
        active: true,
      });
      await h.engine.start(h.accountId, id);
      await h.runToEnd();

      const attempts = await h.attempts(id);
      const finalContacts = await h.contacts(id);
      const rows = await outbox(h.store, all.id);
      const byType = (t: string) => rows.filter((r) => r.event_type === t);

      // attempt.ended: one per attempt, with its outcome.
      const ended = byType("attempt.ended");
      assert.equal(ended.length, attempts.length);
      assert.deepEqual(
        ended.map((r) => data(r).attempt.id).sort((a, b) => a - b),
        attempts.map((a) => a.id),
      );
      for (const r of ended) {
        const a = attempts.find((x) => x.id === data(r).attempt.id)!;
        assert.equal(data(r).attempt.outcome, a.outcome);
        assert.equal(data(r).attempt.phone, a.phone);
        assert.deepEqual(data(r).attempt.details, a.details === null ? null : JSON.parse(a.details));
      }
      // contact.status_changed: once per contact, to its final status.
      const changed = byType("contact.status_changed");
      assert.equal(changed.length, finalContacts.length);
      for (const c of finalContacts) {
        const ev = changed.filter((r) => r.order_key === `contact:${c.id}`);
        assert.equal(ev.length, 1, `contact ${c.id} has one status change`);
        assert.equal(data(ev[0]).to, c.status);
      }
      // contact.succeeded for each successful attempt; retries scheduled between attempts.
      assert.equal(byType("contact.succeeded").length, attempts.filter((a) => a.success === 1).length);
      assert.ok(attempts.some((a) => a.success === 1) && attempts.some((a) => a.success === 0));
      for (const c of finalContacts) {
        const seq = rows.filter((r) => r.order_key === `contact:${c.id}`).map((r) => r.event_type);
        const n = attempts.filter((a) => a.contact_id === c.id).length;
        const expected: string[] = [];
        for (let i = 1; i <= n; i++) {
          expected.push("attempt.ended");
          if (i < n) expected.push("contact.retry_scheduled");
        }
        expected.push("contact.status_changed");
        if (c.status === "succeeded") expected.push("contact.succeeded");
        assert.deepEqual(seq, expected, `events of contact ${c.id} in the order things happened`);
      }
      assert.ok(
        finalContacts.some((c) => attempts.filter((a) => a.contact_id === c.id).length > 1),
        "some contact was retried",
      );
      // The campaign's own life: draft → running → completed.
      const campaignEvents = byType("campaign.status_changed").map((r) => [data(r).from, data(r).to]);
      assert.deepEqual(campaignEvents, [
        ["draft", "running"],
        ["running", "completed"],
      ]);
      assert.ok(rows.every((r) => r.status === "pending" && r.next_attempt_at === r.created_at));
      assert.equal(new Set(rows.map((r) => r.event_id)).size, rows.length, "event ids are unique");

      // Without partial results: only what settles a contact, each after the subscription's delay.
      const settled = await outbox(h.store, finalsOnly.id);
      assert.equal(settled.filter((r) => r.event_type === "contact.retry_scheduled").length, 0);
      assert.equal(
        settled.filter((r) => r.event_type === "contact.status_changed").length,
        finalContacts.length,
      );
      assert.equal(settled.filter((r) => r.event_type === "attempt.ended").length, finalContacts.length);
      assert.ok(settled.every((r) => r.next_attempt_at === r.created_at + 4000));
      // The same event has the same id for every subscription that takes it.
      const ids = new Set(rows.map((r) => r.event_id));
      assert.ok(settled.every((r) => ids.has(r.event_id)));

      assert.equal((await outbox(h.store, inactive.id)).length, 0, "an inactive subscription gets nothing");
      assert.deepEqual(
        (await outbox(h.store, own.id)).map((r) => data(r).to),
        ["running", "completed"],
      );
    } finally {
      await h.close();
    }
  });

  test(`cancelling a pending contact writes its status change with it, once [${dialect.name}]`, async () => {
    const h = await harness({ openStore: dialect.open });
    try {
      const hook = await insertWebhook(h.store.db, {
        accountId: h.accountId,
        campaignId: null,
        url: "http://127.0.0.1:9/hook",
        secret: "s",
        events: ["contact.status_changed"],
        delaySec: 0,
        partialResults: true,
        maxAttempts: 3,
        active: true,
        now: h.clock.now(),
      });
      const id = await h.campaign({}, [{ phones: ["+12025550100"] }]);
      const [contact] = await h.contacts(id);
      assert.equal(await h.engine.cancelContact(h.accountId, contact.id), true);
      assert.equal(await h.engine.cancelContact(h.accountId, contact.id), false);
      assert.equal(await h.engine.cancelContact(h.accountId + 1, contact.id), false, "another account's");
      const rows = await outbox(h.store, hook.id);
      assert.equal(rows.length, 1);
      assert.deepEqual([data(rows[0]).from, data(rows[0]).to], ["pending", "cancelled"]);
      assert.equal((await h.contacts(id))[0].status, "cancelled");
    } finally {
      await h.close();
    }
  });

  test(`a subscription deleted while its events are on their way loses them, not the dialer's writes [${dialect.name}]`, async () => {
    const h = await harness({ seed: 7, openStore: dialect.open });
    try {
      const hook = (events: string[]) =>
        insertWebhook(h.store.db, {
          accountId: h.accountId,
          campaignId: null,
          url: "http://127.0.0.1:9/hook",
          secret: "s",
          events,
          delaySec: 0,
          partialResults: true,
          maxAttempts: 3,
          active: true,
          now: h.clock.now(),
        });
      const doomed = await hook(ALL);
      const kept = await hook(ALL);
      const id = await h.campaign(
        { maxConcurrent: 5, maxAttemptsPerContact: 1 },
        Array.from({ length: 30 }, (_, i) => ({ phones: [`+1202555${String(2000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 60_000 });
      const before = (await outbox(h.store, doomed.id)).length;
      assert.ok(before > 0, "events went to both before the delete");
      // Deleted the way another node's API would: this engine's list of subscriptions still has it, so
      // the events of the calls ending next are built for it, and for ended calls, cancels and the
      // campaign's completion alike (the dispatcher's batch and the engine's state writes).
      await h.store.db.deleteFrom("webhook_deliveries").where("webhook_id", "=", doomed.id).execute();
      await h.store.db.deleteFrom("webhooks").where("id", "=", doomed.id).execute();
      const pending = (await h.contacts(id)).find((c) => c.status === "pending");
      assert.ok(pending, "a contact still to dial");
      assert.equal(await h.engine.cancelContact(h.accountId, pending.id), true);
      await h.runToEnd(4 * 3600_000);
      const contacts = await h.contacts(id);
      assert.equal(
        contacts.filter((c) => c.status === "pending" || c.status === "in_progress").length,
        0,
        "every contact settled: the writes carrying events for the deleted subscription went through",
      );
      const attempts = await h.attempts(id);
      assert.equal(attempts.filter((a) => a.ended_at === null).length, 0);
      assert.equal((await outbox(h.store, doomed.id)).length, 0, "nothing written for the deleted one");
      const rows = await outbox(h.store, kept.id);
      assert.equal(rows.filter((r) => r.event_type === "attempt.ended").length, attempts.length);
      assert.equal(rows.at(-1)?.event_type, "campaign.status_changed", "the completion's event too");
    } finally {
      await h.close();
    }
  });
}
