// scheduleCallback on both dialects: a settled contact waits for its callback with one attempt granted
// (retry_counts.callbacks, left out of the counted attempts); refused while the attempt or another of the
// contact is live, for another account's attempt, and when a claim changed the contact in between.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { countedAttempts } from "../../src/model/redial-policy.ts";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import type { Store } from "../../src/store/db.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = 1_000_000;
const AT = NOW + 7_200_000;

for (const dialect of dialects()) {
  describe(`scheduleCallback (${dialect.name})`, () => {
    let store: Store;
    let accountId: number;
    let contactId: number;
    let attemptId: number;
    beforeEach(async () => {
      store = await dialect.open();
      accountId = await createAccount(store, "acme");
      const ids = await createCampaign(store, accountId, { maxAttemptsPerContact: 1 });
      [contactId] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
      attemptId = await insertAttempt(store, {
        accountId,
        campaignId: ids.campaignId,
        contactId,
        seq: 1,
        startedAt: NOW - 60_000,
        outcome: "human",
      });
      await store.db
        .updateTable("contacts")
        .set({ status: "succeeded", attempts: 1, retry_counts: '{"human":1}', updated_at: NOW - 1 })
        .where("id", "=", contactId)
        .execute();
    });
    afterEach(() => store.close());

    const contact = () =>
      store.db.selectFrom("contacts").selectAll().where("id", "=", contactId).executeTakeFirstOrThrow();

    test("a settled contact waits for the callback, one attempt granted", async () => {
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW), null);
      const c = await contact();
      assert.equal(c.status, "pending");
      assert.equal(c.ready, 0);
      assert.equal(c.wait_reason, "callback");
      assert.equal(Number(c.next_attempt_at), AT);
      const counts = JSON.parse(c.retry_counts);
      assert.deepEqual(counts, { human: 1, callbacks: 1 });
      assert.equal(countedAttempts(c.attempts, counts), 0, "the next attempt is within a limit of 1");
      // A second callback grants another.
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT + 1000, NOW + 1), null);
      assert.equal(JSON.parse((await contact()).retry_counts).callbacks, 2);
    });

    test("refused while live, for another account, and after a claim in between", async () => {
      const other = await createAccount(store, "other");
      assert.equal(await scheduleCallback(store, other, attemptId, AT, NOW), "not_found");
      await store.db.updateTable("attempts").set({ ended_at: null }).where("id", "=", attemptId).execute();
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW), "call_in_progress");
      await store.db
        .updateTable("attempts")
        .set({ ended_at: NOW - 1 })
        .where("id", "=", attemptId)
        .execute();
      await store.db
        .updateTable("contacts")
        .set({ status: "in_progress" })
        .where("id", "=", contactId)
        .execute();
      assert.equal(await scheduleCallback(store, accountId, attemptId, AT, NOW), "call_in_progress");
      assert.equal((await contact()).status, "in_progress", "nothing written");
    });
  });
}
