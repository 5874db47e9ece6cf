// A deleted campaign's calls still count for the account's per-number caps and minimum gap: they move to
// number_history with the delete, the claim reads them beside the attempts, and they are pruned once no
// rule can reach them. Both dialects, real claim code and decisions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { claimHooks } from "../../src/engine/campaign-gate.ts";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import { deleteCampaignUnlessStatus } from "../../src/store/campaigns.ts";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { NUMBER_HISTORY_KEEP_MS, pruneNumberHistory } from "../../src/store/number-history.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const PHONE = "+12025550100";
const DAY = 86_400_000;
const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);

async function claimOne(store: Store, campaignId: number, now: number) {
  const row = await store.db
    .selectFrom("campaigns")
    .selectAll()
    .where("id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const hooks = claimHooks(new CampaignRuntime(row), now);
  return openDispatchStore(store).claim({
    campaignId,
    limit: 1,
    owner: "node-1",
    now,
    leaseUntil: now + DAY,
    recentSince: hooks.recentSince,
    promoteDue: true,
    settledEvents: undefined,
    decide: (cand, recent) => hooks.decide(cand, now, recent),
  });
}

/** Campaign "old" called PHONE at t0 (ended a minute later) and was deleted; returns the account. */
async function calledAndDeleted(store: Store): Promise<number> {
  const accountId = await createAccount(store, "acme", t0);
  const old = await createCampaign(store, accountId, {}, { now: t0, name: "old" });
  await addContacts(store, { accountId, ...old }, [{ phones: [PHONE] }], t0);
  const claimed = await claimOne(store, old.campaignId, t0);
  assert.equal(claimed.started.length, 1);
  await store.db
    .updateTable("attempts")
    .set({ ended_at: t0 + 60_000, outcome: "no_answer" })
    .where("campaign_id", "=", old.campaignId)
    .execute();
  await store.db
    .updateTable("contacts")
    .set({ status: "exhausted" })
    .where("campaign_id", "=", old.campaignId)
    .execute();
  await store.db
    .updateTable("campaigns")
    .set({ status: "stopped" })
    .where("id", "=", old.campaignId)
    .execute();
  assert.equal(
    await deleteCampaignUnlessStatus(store, accountId, old.campaignId, ["running"], t0 + DAY),
    true,
  );
  const left = await store.db.selectFrom("attempts").select("id").execute();
  assert.equal(left.length, 0, "the attempts went with the campaign");
  return accountId;
}

for (const dialect of dialects()) {
  describe(`number history [${dialect.name}]`, () => {
    const cases: { settings: Partial<CampaignSettings>; at: number; allowedAt: number }[] = [
      { settings: { phoneCaps: { per30d: 1 } }, at: t0 + 2 * DAY, allowedAt: t0 + 30 * DAY },
      { settings: { minGapSec: 7 * 86_400 }, at: t0 + 2 * DAY, allowedAt: t0 + 60_000 + 7 * DAY },
    ];
    for (const { settings, at, allowedAt } of cases) {
      test(`a deleted campaign's call still holds ${JSON.stringify(settings)} in another campaign`, async () => {
        const store = await dialect.open();
        try {
          const accountId = await calledAndDeleted(store);
          const next = await createCampaign(store, accountId, settings, { now: at, name: "next" });
          await addContacts(store, { accountId, ...next }, [{ phones: [PHONE] }], at);
          assert.equal(
            (await claimOne(store, next.campaignId, at)).started.length,
            0,
            "called within the rule",
          );
          const waiting = await store.db
            .selectFrom("contacts")
            .select("next_attempt_at")
            .where("campaign_id", "=", next.campaignId)
            .executeTakeFirstOrThrow();
          assert.equal(Number(waiting.next_attempt_at), allowedAt, "waits exactly until the rule allows");
          assert.equal((await claimOne(store, next.campaignId, allowedAt)).started.length, 1);
        } finally {
          await store.close();
        }
      });
    }

    test("another account's deleted calls count for nothing; a refused delete keeps nothing", async () => {
      const store = await dialect.open();
      try {
        await calledAndDeleted(store);
        const other = await createAccount(store, "other", t0);
        const next = await createCampaign(store, other, { phoneCaps: { per30d: 1 } }, { now: t0, name: "x" });
        await addContacts(store, { accountId: other, ...next }, [{ phones: [PHONE] }], t0 + DAY);
        assert.equal((await claimOne(store, next.campaignId, t0 + DAY)).started.length, 1);
        // Another account's delete of it is refused and copies nothing, nor does the owner's refused one.
        const acme = (
          await store.db
            .selectFrom("accounts")
            .select("id")
            .where("name", "=", "acme")
            .executeTakeFirstOrThrow()
        ).id;
        assert.equal(
          await deleteCampaignUnlessStatus(store, Number(acme), next.campaignId, [], t0 + DAY),
          false,
        );
        // The running campaign's delete is refused, and its call is not copied.
        assert.equal(
          await deleteCampaignUnlessStatus(store, other, next.campaignId, ["draft"], t0 + DAY),
          false,
        );
        const kept = await store.db.selectFrom("number_history").select(["account_id", "phone"]).execute();
        assert.deepEqual(
          kept.map((r) => [Number(r.account_id) !== other, r.phone]),
          [[true, PHONE]],
        );
      } finally {
        await store.close();
      }
    });

    test("calls no rule can reach are pruned", async () => {
      const store = await dialect.open();
      try {
        await calledAndDeleted(store);
        assert.equal(await pruneNumberHistory(store.db, t0 + NUMBER_HISTORY_KEEP_MS), 0);
        assert.equal(await pruneNumberHistory(store.db, t0 + NUMBER_HISTORY_KEEP_MS + 2 * DAY), 1);
      } finally {
        await store.close();
      }
    });
  });
}
