// An import into a running campaign whose last contacts settle while the file streams in. On PostgreSQL the
// import holds the campaign's contacts lock from its first byte to its commit, so the engine's completion
// (StateWrites.campaignStatus with ifDrained, which only try-locks it) leaves the campaign running. On
// SQLite nothing held the completion off and the commit never looked at the campaign: it completed
// mid-upload, the import answered 200, and its contacts waited pending in a completed campaign nothing
// dials (import13). The SQLite commit now undoes a completion that landed after the import began: the
// campaign is running again, with the campaign.status_changed the engine's recover writes, and the engine
// dials the new contacts at its next look at the store. One completed before the import began stays
// completed (README: a native import brings no completed campaign back).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { StateWrites } from "../../src/engine/state-writes.ts";
import { importCsv } from "../../src/lists/import.ts";
import type { Store } from "../../src/store/db.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { harness } from "../helpers/engine-harness.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";
import { NOW } from "./helpers.ts";

/** A file whose second row comes once `meanwhile` has run: what lands while the upload is under way. */
function fileWith(meanwhile: () => Promise<unknown>): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from("phone,name\n+12125550101,Ann\n");
      await meanwhile();
      yield Buffer.from("+12125550102,Bob\n");
    })(),
  );
}

async function subscribe(store: Store, accountId: number, now: number): Promise<void> {
  await insertWebhook(store.db, {
    accountId,
    campaignId: null,
    url: "http://127.0.0.1:9/hook",
    secret: "s",
    events: ["campaign.status_changed"],
    delaySec: 0,
    partialResults: true,
    maxAttempts: 1,
    active: true,
    now,
  });
}

/** The campaign.status_changed events written, as "from>to". */
async function statusChanges(store: Store): Promise<string[]> {
  const rows = await store.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("event_type", "=", "campaign.status_changed")
    .orderBy("id")
    .execute();
  return rows.map((r) => JSON.parse(r.payload).data).map((d) => `${d.from}>${d.to}`);
}

async function campaignRow(store: Store, campaignId: number) {
  return store.db
    .selectFrom("campaigns")
    .select(["status", "finished_at"])
    .where("id", "=", campaignId)
    .executeTakeFirstOrThrow();
}

/** A running campaign whose one contact has been called and settled: the next pass completes it. */
async function drainedCampaign(store: Store) {
  const accountId = await createAccount(store, "acme", NOW);
  const ids = await createCampaign(store, accountId, {}, { name: "c", now: NOW });
  await store.db
    .updateTable("campaigns")
    .set({ status: "running" })
    .where("id", "=", ids.campaignId)
    .execute();
  const [done] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
  await store.db.updateTable("contacts").set({ status: "succeeded" }).where("id", "=", done).execute();
  await subscribe(store, accountId, NOW);
  const writes = new StateWrites(store, () => {});
  return { accountId, ...ids, writes };
}

for (const dialect of dialects()) {
  describe(`an import while its campaign completes [${dialect.name}]`, () => {
    test("the campaign is running once the import has answered, its new contacts pending", async () => {
      const store = await dialect.open();
      try {
        const { accountId, campaignId, listId, writes } = await drainedCampaign(store);
        let completedMidUpload = false;
        const file = fileWith(async () => {
          // The engine's completion (Engine.completeIfDrained) lands while the upload is under way.
          const holder = { id: campaignId, account_id: accountId, status: "running" };
          const opts = { ifDrained: true, ifUnchanged: true };
          completedMidUpload = await writes.campaignStatus(holder, "completed", NOW + 1000, {}, opts);
        });
        const report = await importCsv(store, { accountId, campaignId, listId, now: NOW }, file);
        assert.equal(report.inserted, 2);
        const campaign = await campaignRow(store, campaignId);
        assert.deepEqual(campaign, { status: "running", finished_at: null });
        // SQLite: the completion landed and the import undid it, saying so; PostgreSQL: it waited.
        const expected = completedMidUpload ? ["running>completed", "completed>running"] : [];
        assert.deepEqual(await statusChanges(store), expected);
        if (dialect.name === "sqlite") assert.ok(completedMidUpload, "SQLite holds no completion off");
      } finally {
        await store.close();
      }
    });

    test("a campaign completed before the import began stays completed", async () => {
      const store = await dialect.open();
      try {
        const { accountId, campaignId, listId, writes } = await drainedCampaign(store);
        const holder = { id: campaignId, account_id: accountId, status: "running" };
        const opts = { ifDrained: true, ifUnchanged: true };
        assert.ok(await writes.campaignStatus(holder, "completed", NOW, { finished_at: NOW }, opts));
        const file = fileWith(async () => {});
        const report = await importCsv(store, { accountId, campaignId, listId, now: NOW + 1000 }, file);
        assert.equal(report.inserted, 2);
        assert.deepEqual(await campaignRow(store, campaignId), { status: "completed", finished_at: NOW });
        assert.deepEqual(await statusChanges(store), ["running>completed"]);
      } finally {
        await store.close();
      }
    });

    test("the engine dials the imported contacts", async () => {
      const start = Date.UTC(2026, 0, 5, 15, 0, 0);
      const h = await harness({ start, scenario: "all_human", openStore: () => dialect.open() });
      try {
        // One call settles its one contact, whatever the call's outcome.
        const campaignId = await h.campaign({ maxAttemptsPerContact: 1 }, [{ phones: ["+12125550100"] }]);
        await h.engine.start(h.accountId, campaignId);
        const { listId } = await h.store.db
          .selectFrom("lists")
          .select("id as listId")
          .where("campaign_id", "=", campaignId)
          .executeTakeFirstOrThrow();
        const d = h.engine.dispatcher;
        // Mid-upload the engine calls the one contact and completes the campaign (SQLite; on PostgreSQL it
        // finds the import's lock held and leaves it running).
        let midUpload = "";
        const file = fileWith(async () => {
          await h.clock.run({ until: h.clock.now() + 10 * 60_000, stop: () => d.campaigns.size === 0 });
          midUpload = (await campaignRow(h.store, campaignId)).status;
        });
        const req = { accountId: h.accountId, campaignId, listId, now: h.clock.now() };
        assert.equal((await importCsv(h.store, req, file)).inserted, 2);
        assert.equal(midUpload, dialect.name === "sqlite" ? "completed" : "running");
        // Nothing tells the engine: it finds the campaign running at its next look at the store.
        await h.clock.run({ until: h.clock.now() + 10 * 60_000, stop: () => h.originated.length >= 3 });
        assert.deepEqual(
          h.originated.map((o) => o.to),
          ["+12125550100", "+12125550101", "+12125550102"],
        );
      } finally {
        await h.close();
      }
    });
  });
}
