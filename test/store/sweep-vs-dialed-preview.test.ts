// A preview reserved on node A, whose heartbeat lapsed (a stall). Node B's sweep reads the expired lease
// (attempts.reserved set: never dialed) and, in a later transaction, gives the contact back. If node A woke
// in between and its agent's dial was marked (markDialed), the call went out: the give-back must leave it
// alone (it had deleted the attempt and reset the contact, so the call had no attempt, its outcome and
// charge found nothing, and the contact was dialed again as never called). On both dialects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { CLAIM_LEASE_MS } from "../../src/store/dispatch/types.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects())
  test(`sweep's give-back of a reserved preview vs the stalled node's markDialed [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
      const d = openDispatchStore(store);
      const accountId = await createAccount(store, "acme", t0);
      await store.db
        .updateTable("accounts")
        .set({ balance_micros: 100_000_000 })
        .where("id", "=", accountId)
        .execute();
      const { campaignId, listId } = await createCampaign(
        store,
        accountId,
        { dialMethod: "preview" },
        { now: t0 },
      );
      const [contactId] = await addContacts(
        store,
        { accountId, campaignId, listId },
        [{ phones: ["+12025550101"] }],
        t0,
      );
      await d.promoteDue(campaignId, t0);
      await d.heartbeat("node-a", t0 + 2_000, t0, "p1");
      const claimed = await d.claim({
        campaignId,
        limit: 1,
        owner: "node-a",
        now: t0,
        leaseUntil: t0 + CLAIM_LEASE_MS,
        recentSince: null,
        reserve: true,
        decide: () => ({
          kind: "start",
          at: t0,
          phoneIndex: 0,
          phone: "+12025550101",
          callerId: null,
          phoneAttempts: "[1]",
        }),
      });
      const attemptId = claimed.started[0].attemptId;

      // 10 s later node A's heartbeat has lapsed: node B's sweep reads the lease...
      const now = t0 + 10_000;
      const [lost] = await d.expiredLeases(now, 500);
      assert.equal(lost.attemptId, attemptId);
      assert.ok(lost.reserved, "read as a preview never dialed");
      // ...node A wakes: by B's time its lease has run out, so its agent's dial is refused the mark...
      assert.equal(await d.markDialed(attemptId, now), false, "a lapsed lease is no longer A's to dial");
      // ...but A's clock runs behind B's: to A its heartbeat still lives, the dial is marked, and A originates
      // the call...
      assert.equal(await d.markDialed(attemptId, t0 + 1_000), true, "A may dial");
      // ...node B gives the contact back as it read it (Dispatcher.releaseLost).
      await d.release([
        { ...lost.reserved!, attemptId, contactId, owner: { expiredBefore: now }, releasedAt: now },
      ]);
      // A's call (answered, 60 s) ends and A records it.
      await d.finish([
        {
          attemptId,
          contactId,
          owner: "node-a",
          now: now + 60_000,
          answeredAt: now + 5_000,
          endedAt: now + 60_000,
          outcome: "human",
          cause: null,
          talkSec: 55,
          success: true,
          details: null,
          contact: { status: "done", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "done" },
          charge: { accountId, micros: 20_000 },
        },
      ]);
      const attempt = await store.db
        .selectFrom("attempts")
        .selectAll()
        .where("id", "=", attemptId)
        .executeTakeFirst();
      const contact = await store.db
        .selectFrom("contacts")
        .select(["status", "attempts"])
        .where("id", "=", contactId)
        .executeTakeFirstOrThrow();
      const charges = await store.db
        .selectFrom("balance_transactions")
        .selectAll()
        .where("kind", "=", "charge")
        .execute();
      assert.ok(attempt, "the attempt of a call that went out was deleted by the sweep's give-back");
      assert.equal(attempt.outcome, "human", "the owner's result is recorded");
      assert.notDeepEqual(
        [contact.status, Number(contact.attempts)],
        ["pending", 0],
        "the contact was given back as never called, though it was called",
      );
      assert.equal(charges.length, 1, "the answered call is charged once");
    } finally {
      await store.close();
    }
  });
