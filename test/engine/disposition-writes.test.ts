// An agent's disposition is one transaction: the attempt's disposition, the do-not-call entry it asks for
// and its attempt.disposed event are written together or not at all. On each dialect.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StateWrites } from "../../src/engine/state-writes.ts";
import { createAgent } from "../../src/store/agents.ts";
import { dncInserts } from "../../src/store/dnc.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  describe(`disposition writes [${dialect.name}]`, () => {
    test("the do-not-call entry and the event commit with the disposition, or none of them does", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        const ids = await createCampaign(store, accountId);
        const [contactId] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
        const attemptId = await insertAttempt(store, {
          accountId,
          campaignId: ids.campaignId,
          contactId,
          seq: 1,
          startedAt: 1000,
          answeredAt: 5000,
          outcome: "human",
          phone: "+12125550100",
        });
        await insertWebhook(store.db, {
          accountId,
          campaignId: null,
          url: "http://127.0.0.1:9/hook",
          secret: "s",
          events: ["attempt.disposed"],
          delaySec: 0,
          partialResults: true,
          maxAttempts: 1,
          active: true,
          now: 0,
        });
        const writes = new StateWrites(store, () => {});
        const d = {
          agentId: (await createAgent(store.db, accountId, { name: "Ann", userId: null, extension: null }, 0))
            .id,
          disposition: "do not call",
          at: 60_000,
          callbackAt: null,
          callbackPersonal: false,
          dnc: "account" as const,
        };
        const listing = (a: { phone: string }) =>
          dncInserts(
            store.db,
            { accountId, campaignId: 0 },
            [{ phone: a.phone, source: "agent", reason: "test", expiresAt: null }],
            60_000,
          );
        const state = async () => ({
          disposition: (
            await store.db
              .selectFrom("attempts")
              .select("disposition")
              .where("id", "=", attemptId)
              .executeTakeFirstOrThrow()
          ).disposition,
          listed: (await store.db.selectFrom("dnc_numbers").select("phone").execute()).map((r) => r.phone),
          events: (await store.db.selectFrom("webhook_deliveries").select("event_type").execute()).map(
            (r) => r.event_type,
          ),
        });

        // A listing that cannot be written (its account does not exist) takes the rest down with it.
        const broken = (a: { phone: string }) =>
          dncInserts(
            store.db,
            { accountId: accountId + 1000, campaignId: 0 },
            [{ phone: a.phone, source: "agent", reason: "test", expiresAt: null }],
            60_000,
          );
        await assert.rejects(writes.disposition(accountId, attemptId, d, broken));
        assert.deepEqual(await state(), { disposition: null, listed: [], events: [] });

        const recorded = await writes.disposition(accountId, attemptId, d, listing);
        assert.deepEqual(recorded, { phone: "+12125550100", campaignId: ids.campaignId });
        assert.deepEqual(await state(), {
          disposition: "do not call",
          listed: ["+12125550100"],
          events: ["attempt.disposed"],
        });
      } finally {
        await store.close();
      }
    });
  });
}
