// A vendor face (JAICP here; Xcally queues and automatic Voximplant lists alike) stores the numbers a client
// adds, then brings the completed campaign back (api/compat/dial-again.ts dialAgain). A node killed between
// the two left the campaign completed with pending numbers the client was told were accepted, and only a
// node's start looked for that: in a cluster the node that died may never start again (replaced, scaled
// in), so they were never dialed. Every live node now looks in its sweep (engine/face-add-recovery.ts), as
// it does for an agent's callback (callback-reopen-other-node.test.ts): the survivors dial the numbers, the
// campaign is recovered once (one status change) when another node recovers it first, and one past its
// end time stays completed without an error.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import { insertCampaignToken } from "../../src/store/campaign-tokens.ts";
import type { Store } from "../../src/store/db.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

const HOUR = 3_600_000;
const SETTINGS = { maxAttemptsPerContact: 1, calleeWindow: { from: "00:00", to: "24:00" } };

/** A JAICP campaign (numbers are added through its token) with one number to dial. */
async function jaicpCampaign(
  store: Store,
  accountId: number,
  now: number,
  settings: Partial<CampaignSettings>,
) {
  const { campaignId, listId } = await createCampaign(store, accountId, settings, { now });
  await insertCampaignToken(store.db, {
    accountId,
    campaignId,
    name: "jaicp",
    prefix: "abc",
    hash: "0".repeat(64),
    now,
  });
  const add = (phone: string, at: number) =>
    addContacts(store, { accountId, campaignId, listId }, [{ phones: [phone] }], at);
  return { campaignId, add };
}

/** Marks the campaign completed an hour ago, as its last call would have: the state a face adds to. */
async function completed(store: Store, campaignId: number, now: number): Promise<void> {
  await store.db
    .updateTable("campaigns")
    .set({ status: "completed", started_at: now - 2 * HOUR, finished_at: now - HOUR })
    .where("id", "=", campaignId)
    .execute();
}

const statusOf = async (store: Store, campaignId: number) =>
  (
    await store.db
      .selectFrom("campaigns")
      .select("status")
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow()
  ).status;

const dialedPhones = async (store: Store, campaignId: number) =>
  (await store.db.selectFrom("attempts").select("phone").where("campaign_id", "=", campaignId).execute()).map(
    (a) => a.phone,
  );

/** The status changes written as webhook events (the test's only campaign's), as "from>to". */
async function statusChanges(store: Store): Promise<string[]> {
  const rows = await store.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("event_type", "=", "campaign.status_changed")
    .orderBy("id")
    .execute();
  return rows.map((r) => JSON.parse(r.payload).data).map((d) => `${d.from}>${d.to}`);
}

for (const dialect of dialects())
  describe(`a face's numbers stored by a node that died before bringing the campaign back [${dialect.name}]`, () => {
    test("are dialed by the nodes still running", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
      const a = engineNode(store, clock, "node-a", 1, 60_000);
      const b = engineNode(store, clock, "node-b", 2, 60_000);
      try {
        const accountId = await createAccount(store, "acme", clock.now());
        await a.engine.run();
        await b.engine.run();
        const { campaignId, add } = await jaicpCampaign(store, accountId, clock.now(), SETTINGS);
        await add("+12125550100", clock.now());
        await a.engine.start(accountId, campaignId);
        for (let i = 0; i < 600 && (await statusOf(store, campaignId)) !== "completed"; i++) {
          await clock.run({ until: clock.now() + 1_000 });
        }
        assert.equal(await statusOf(store, campaignId), "completed");
        // Node A stores a number the client adds (the face's insert committed, 200 to the client), then dies
        // before its dialAgain brings the campaign back.
        await add("+12125550101", clock.now());
        await a.engine.halt();
        // Node B's sweep (every half lease: 30 s) finds it well within a few minutes.
        await clock.run({ until: clock.now() + 5 * 60_000 });
        assert.deepEqual((await dialedPhones(store, campaignId)).sort(), ["+12125550100", "+12125550101"]);
        assert.deepEqual(b.errors, []);
      } finally {
        await a.engine.shutdown().catch(() => {});
        await b.engine.shutdown();
        await store.close();
      }
    });

    test("recovered once when another node recovers it first", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
      const a = engineNode(store, clock, "node-a", 1, 60_000);
      const b = engineNode(store, clock, "node-b", 2, 60_000);
      try {
        const accountId = await createAccount(store, "acme", clock.now());
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
          now: clock.now(),
        });
        await a.engine.run();
        await b.engine.run();
        const { campaignId, add } = await jaicpCampaign(store, accountId, clock.now(), SETTINGS);
        await completed(store, campaignId, clock.now());
        await add("+12125550101", clock.now());
        // Node B recovers the campaign between node A's look and node A's own recover (the two sweeping at
        // once): node A's recover is refused, as the campaign runs, and that is no error.
        const recover = a.engine.recover.bind(a.engine);
        const refusals: string[] = [];
        a.engine.recover = async (accountId, id, opts) => {
          await b.engine.recover(accountId, id, opts);
          return recover(accountId, id, opts).catch((err) => {
            refusals.push(err.code);
            throw err;
          });
        };
        await clock.run({ until: clock.now() + 5 * 60_000 });
        assert.deepEqual(refusals, ["invalid_state"]);
        assert.deepEqual(await statusChanges(store), ["completed>running", "running>completed"]);
        assert.deepEqual(await dialedPhones(store, campaignId), ["+12125550101"]);
        assert.deepEqual([a.errors, b.errors], [[], []]);
      } finally {
        await a.engine.shutdown();
        await b.engine.shutdown();
        await store.close();
      }
    });

    test("past its end time, it stays completed with no error", async () => {
      const store = await dialect.open();
      const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
      const b = engineNode(store, clock, "node-b", 2, 60_000);
      try {
        const accountId = await createAccount(store, "acme", clock.now());
        await b.engine.run();
        const ended = { ...SETTINGS, endAt: clock.now() - 30 * 60_000 };
        const { campaignId, add } = await jaicpCampaign(store, accountId, clock.now(), ended);
        await completed(store, campaignId, clock.now());
        await add("+12125550101", clock.now());
        await clock.run({ until: clock.now() + 5 * 60_000 });
        assert.equal(await statusOf(store, campaignId), "completed");
        assert.deepEqual(await dialedPhones(store, campaignId), []);
        assert.deepEqual(b.errors, []);
      } finally {
        await b.engine.shutdown();
        await store.close();
      }
    });
  });
