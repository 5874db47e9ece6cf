// An outcome counts only for the contact's latest attempt, on each dialect. Node A's leases run out (a
// stall, a database failover) while its call goes on; node B reconciles the contact as lost; A claims it
// again under the same owner and only then hears its first call end. That late outcome must leave the
// contact's second call alone, and the second call's outcome must still be recorded.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import type { Candidate, ClaimDecision, FinishedAttempt } from "../../src/store/dispatch/types.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const start = (c: Candidate, at: number): ClaimDecision => ({
  kind: "start",
  at,
  phoneIndex: 0,
  phone: (JSON.parse(c.phones) as string[])[0],
  callerId: null,
  phoneAttempts: "[1]",
});

function ended(
  attemptId: number,
  contactId: number,
  owner: string | null,
  now: number,
  outcome: string,
): FinishedAttempt {
  return {
    attemptId,
    contactId,
    owner,
    now,
    answeredAt: outcome === "human" ? now - 5 : null,
    endedAt: now,
    outcome,
    cause: null,
    talkSec: outcome === "human" ? 5 : 0,
    success: outcome === "human",
    details: null,
    contact:
      outcome === "human"
        ? { status: "succeeded", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "success" }
        : {
            status: "pending",
            nextAt: now,
            phoneIndex: 0,
            phoneAttempts: "[1]",
            retryCounts: "{}",
            orderClass: 1,
            waitReason: "retry",
          },
  };
}

for (const dialect of dialects()) {
  describe(`outcomes of superseded attempts [${dialect.name}]`, () => {
    test("a call that ends after its contact was reconciled and claimed again changes nothing", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        const ids = await createCampaign(store, accountId);
        const [contactId] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12025551000"] }]);
        const ds = openDispatchStore(store);
        const claim = (now: number) =>
          ds.claim({
            campaignId: ids.campaignId,
            limit: 5,
            owner: "node-a",
            now,
            leaseUntil: now + 60_000,
            recentSince: null,
            promoteDue: true,
            decide: (c) => start(c, now),
          });
        const first = (await claim(1_000)).started[0];
        // Node B's sweep, after A's lease ran out.
        const [lost] = await ds.expiredLeases(70_000, 10);
        assert.equal(lost.attemptId, first.attemptId);
        assert.equal((await ds.finish([ended(first.attemptId, contactId, null, 70_000, "lost")])).applied, 1);
        const second = (await claim(70_001)).started[0];
        assert.equal(second.seq, 2);

        // The first call ends now, reported by its owner.
        assert.equal(
          (await ds.finish([ended(first.attemptId, contactId, "node-a", 80_000, "human")])).applied,
          0,
        );
        let row = await store.db
          .selectFrom("contacts")
          .selectAll()
          .where("id", "=", contactId)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, "in_progress");
        assert.equal(row.lease_owner, "node-a");

        // The second call's outcome is the one recorded.
        assert.equal(
          (await ds.finish([ended(second.attemptId, contactId, "node-a", 90_000, "human")])).applied,
          1,
        );
        row = await store.db
          .selectFrom("contacts")
          .selectAll()
          .where("id", "=", contactId)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, "succeeded");
        const open = await store.db
          .selectFrom("attempts")
          .select("id")
          .where("contact_id", "=", contactId)
          .where("ended_at", "is", null)
          .execute();
        assert.deepEqual(open, [], "no attempt left open");
      } finally {
        await store.close();
      }
    });
  });
}
