// SQLite only: the dispatch store refuses to run inside a transaction someone else left open on its
// connection, where better-sqlite3 would silently make it a savepoint that their rollback could undo.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openStore } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";

test("claim and finish refuse to nest into a foreign transaction", async () => {
  const store = await openStore({ url: ":memory:" });
  const ds = openDispatchStore(store);
  const accountId = await createAccount(store);
  const ids = await createCampaign(store, accountId);
  await addContacts(store, { accountId, ...ids }, [{ phones: ["+12025551000"] }]);
  await ds.promoteDue(ids.campaignId, Date.now() + 1000);
  const claim = () =>
    ds.claim({
      campaignId: ids.campaignId,
      limit: 10,
      owner: "n1",
      now: Date.now(),
      leaseUntil: Date.now() + 60_000,
      recentSince: null,
      decide: () => ({ kind: "defer", until: Date.now() + 1000, reason: "test" }),
    });
  store.sqlite!.exec("BEGIN");
  await assert.rejects(claim, /already open/);
  await assert.rejects(
    () =>
      ds.finish([
        {
          attemptId: 1,
          contactId: 1,
          owner: "n1",
          now: 0,
          answeredAt: null,
          endedAt: 0,
          outcome: "busy",
          cause: null,
          talkSec: 0,
          success: false,
          details: null,
          contact: { status: "failed", phoneAttempts: "[1]", retryCounts: "{}", waitReason: "x" },
        },
      ]),
    /already open/,
  );
  store.sqlite!.exec("ROLLBACK");
  assert.equal((await claim()).examined, 1);
  await store.close();
});
