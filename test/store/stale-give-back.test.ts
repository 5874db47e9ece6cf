// A node gives a contact back (release, owner form) when its reserved dial's mark is refused: its lease
// lapsed in a stall (Dispatcher.giveBack). By then another node's sweep may have settled the contact (given
// a reserved dial back, or recorded a call lost) and this node, its heartbeat renewed, claimed it again under
// a new attempt. The late give-back names the old attempt: it must change nothing, or the contact goes
// pending with no lease while its new attempt is live, and is dialed a second time. The new claim's own
// give-back still works. On both dialects.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import type { DispatchStore, StartedAttempt } from "../../src/store/dispatch/types.ts";
import { CLAIM_LEASE_MS, reservedStateOf } from "../../src/store/dispatch/types.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const PHONE = "+12025550101";

/** A preview claimed (reserved) by node A at `now`. */
async function claimPreview(d: DispatchStore, campaignId: number, now: number): Promise<StartedAttempt> {
  await d.promoteDue(campaignId, now);
  const claimed = await d.claim({
    campaignId,
    limit: 1,
    owner: "node-a",
    now,
    leaseUntil: now + CLAIM_LEASE_MS,
    recentSince: null,
    reserve: true,
    decide: () => ({
      kind: "start",
      at: now,
      phoneIndex: 0,
      phone: PHONE,
      callerId: null,
      phoneAttempts: "[1]",
    }),
  });
  assert.equal(claimed.started.length, 1, "claimed");
  return claimed.started[0];
}

/** Node A's give-back of a claim, as Dispatcher.releasedDial builds it. */
function giveBack(d: DispatchStore, s: StartedAttempt, at: number): Promise<void> {
  return d.release([
    {
      ...reservedStateOf(s.contact),
      attemptId: s.attemptId,
      contactId: s.contact.id,
      owner: "node-a",
      releasedAt: at,
    },
  ]);
}

async function contactState(store: Store, contactId: number) {
  const row = await store.db
    .selectFrom("contacts")
    .select(["status", "lease_owner"])
    .where("id", "=", contactId)
    .executeTakeFirstOrThrow();
  return { status: row.status, leaseOwner: row.lease_owner };
}

async function attemptExists(store: Store, attemptId: number): Promise<boolean> {
  const row = await store.db
    .selectFrom("attempts")
    .select("id")
    .where("id", "=", attemptId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Node A claims, stalls 10 s (its heartbeat lapses, its mark is refused), `sweep` (node B) settles the
 *  contact, A renews its heartbeat and claims again; then A's give-back of the first claim lands. */
async function staleGiveBack(
  store: Store,
  sweep: (d: DispatchStore, first: StartedAttempt, now: number) => Promise<void>,
): Promise<void> {
  const d = openDispatchStore(store);
  const accountId = await createAccount(store, "acme", t0);
  const { campaignId, listId } = await createCampaign(
    store,
    accountId,
    { dialMethod: "preview" },
    { now: t0 },
  );
  const [contactId] = await addContacts(store, { accountId, campaignId, listId }, [{ phones: [PHONE] }], t0);
  await d.heartbeat("node-a", t0 + 2_000, t0, "p1");
  const first = await claimPreview(d, campaignId, t0);
  const now = t0 + 10_000;
  assert.equal(await d.markDialed(first.attemptId, now), false, "A's lease lapsed");
  await sweep(d, first, now);
  await d.heartbeat("node-a", now + 60_000, now, "p1");
  const second = await claimPreview(d, campaignId, now + 1);
  assert.notEqual(second.attemptId, first.attemptId, "claimed again under a new attempt");

  await giveBack(d, first, now + 2);
  assert.deepEqual(
    await contactState(store, contactId),
    { status: "in_progress", leaseOwner: "node-a" },
    "the stale give-back released the contact's new claim",
  );
  assert.ok(await attemptExists(store, second.attemptId), "the new claim's attempt stays");

  await giveBack(d, second, now + 3);
  assert.deepEqual(
    await contactState(store, contactId),
    { status: "pending", leaseOwner: null },
    "the new claim's own give-back",
  );
  assert.equal(await attemptExists(store, second.attemptId), false, "its attempt goes with it");
}

for (const dialect of dialects()) {
  describe(`a stale give-back leaves the contact's newer claim alone [${dialect.name}]`, () => {
    test("after a sweep gave the reserved dial back (Dispatcher.releaseLost)", async () => {
      const store = await dialect.open();
      try {
        await staleGiveBack(store, async (d, first, now) => {
          const [lost] = await d.expiredLeases(now, 500);
          assert.equal(lost.attemptId, first.attemptId);
          assert.ok(lost.reserved, "read as never dialed");
          await d.release([
            {
              ...lost.reserved,
              attemptId: first.attemptId,
              contactId: first.contact.id,
              owner: { expiredBefore: now },
              releasedAt: now,
            },
          ]);
        });
      } finally {
        await store.close();
      }
    });

    test("after a sweep recorded the attempt lost", async () => {
      const store = await dialect.open();
      try {
        await staleGiveBack(store, async (d, first, now) => {
          const { applied: settled } = await d.finish([
            {
              attemptId: first.attemptId,
              contactId: first.contact.id,
              owner: null,
              now,
              answeredAt: null,
              endedAt: now,
              outcome: "lost",
              cause: "lease_expired",
              talkSec: 0,
              success: false,
              details: null,
              contact: {
                status: "pending",
                nextAt: now,
                phoneIndex: 0,
                phoneAttempts: "[1]",
                retryCounts: "{}",
                orderClass: 1,
                waitReason: "retry",
              },
            },
          ]);
          assert.equal(settled, 1, "the sweep settled the contact");
        });
      } finally {
        await store.close();
      }
    });
  });
}
