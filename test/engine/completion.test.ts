// A campaign completes only if, at the moment its status is written, no contact is pending or on a call:
// contacts a list reset or an import brings back between the dispatcher's count and that write keep it
// running (the write checks again). On each dialect, with the campaign.status_changed event written only
// with the change.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StateWrites } from "../../src/engine/state-writes.ts";
import { insertWebhook } from "../../src/store/webhooks.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  describe(`campaign completion [${dialect.name}]`, () => {
    test("not while a contact is pending; then, with its event", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        const ids = await createCampaign(store, accountId);
        await store.db
          .updateTable("campaigns")
          .set({ status: "running" })
          .where("id", "=", ids.campaignId)
          .execute();
        const [contactId] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
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
          now: 0,
        });
        const writes = new StateWrites(store, () => {});
        const holder = { id: ids.campaignId, account_id: accountId, status: "running" };
        const complete = () =>
          writes.campaignStatus(holder, "completed", 1000, { finished_at: 1000 }, { ifDrained: true });
        const status = async () =>
          (
            await store.db
              .selectFrom("campaigns")
              .select("status")
              .where("id", "=", ids.campaignId)
              .executeTakeFirstOrThrow()
          ).status;
        const events = async () =>
          (await store.db.selectFrom("webhook_deliveries").select("id").execute()).length;

        assert.equal(await complete(), false, "a pending contact keeps it running");
        assert.equal(await status(), "running");
        assert.equal(await events(), 0, "no event for a change not made");

        await store.db
          .updateTable("contacts")
          .set({ status: "succeeded" })
          .where("id", "=", contactId)
          .execute();
        assert.equal(await complete(), true);
        assert.equal(await status(), "completed");
        assert.equal(await events(), 1, "the change and its event together");
      } finally {
        await store.close();
      }
    });
  });
}
