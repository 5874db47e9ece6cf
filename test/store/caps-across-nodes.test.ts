// Frequency caps and the minimum gap hold across the account's campaigns on several PostgreSQL nodes: a
// capped campaign's claim of a number another node's claim holds leaves it for a second (then sees that
// call), whatever that campaign's own settings; and a claim stalled elsewhere holds up nothing else. Only claims with caps took the per-number lock, so a capped campaign neither waited for nor saw
// an uncapped campaign's call to the number starting on another node, and called it too. Real claim code
// and decisions; only the other node's COMMIT is held back a moment.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type pg from "pg";
import { claimHooks } from "../../src/engine/campaign-gate.ts";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import { openStore } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const PHONE = "+12025550100";

for (const dialect of dialects().filter((d) => d.name === "postgres")) {
  describe(`caps across nodes [${dialect.name}]`, () => {
    for (const other of [{}, { minGapSec: 60 }] as Partial<CampaignSettings>[]) {
      test(`a capped campaign's claim on node 1 vs a campaign ${JSON.stringify(other)} claimed on node 2`, async () => {
        const store1 = await dialect.open();
        const store2 = await openStore({
          url: process.env.OUTDIAL_TEST_PG_URL as string,
          pgSchema: store1.schema,
          poolSize: 2,
          migrate: false,
        });
        // Node 2's claim: its COMMIT waits until released (the moment two claims overlap).
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let reached!: () => void;
        const atCommit = new Promise<void>((r) => (reached = r));
        const wrapped = new WeakSet<object>();
        store2.pool!.on("acquire", (c: pg.PoolClient) => {
          if (wrapped.has(c)) return;
          wrapped.add(c);
          const query = c.query.bind(c) as (...a: unknown[]) => unknown;
          (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
            if (a[0] !== "COMMIT" || typeof a[a.length - 1] === "function") return query(...a);
            reached();
            return released.then(() => query(...a));
          };
        });
        try {
          const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
          const accountId = await createAccount(store1, "acme", t0);
          // Campaign 1: at most one call per number per 24 h, and 5 minutes between two calls to a number.
          const capped = await createCampaign(
            store1,
            accountId,
            { phoneCaps: { per24h: 1 }, minGapSec: 300 },
            { now: t0, name: "capped" },
          );
          const free = await createCampaign(store1, accountId, other, { now: t0, name: "other" });
          await addContacts(store1, { accountId, ...capped }, [{ phones: [PHONE] }], t0);
          await addContacts(store1, { accountId, ...free }, [{ phones: [PHONE] }], t0);
          const runtime = async (id: number) =>
            new CampaignRuntime(
              await store1.db
                .selectFrom("campaigns")
                .selectAll()
                .where("id", "=", id)
                .executeTakeFirstOrThrow(),
            );
          const claimOn = (store: typeof store1, rt: CampaignRuntime, owner: string, now = t0) => {
            const hooks = claimHooks(rt, now);
            return openDispatchStore(store).claim({
              campaignId: rt.id,
              limit: 1,
              owner,
              now,
              leaseUntil: now + 86_400_000,
              recentSince: hooks.recentSince,
              promoteDue: true,
              settledEvents: undefined,
              decide: (cand, recent) => hooks.decide(cand, now, recent),
            });
          };
          const second = claimOn(store2, await runtime(free.campaignId), "node-2");
          await atCommit; // node 2's claim has taken its contact and recorded its attempt, not yet committed
          // It does not wait for the other claim either: the contact waits a second, the claim goes on.
          const r1 = await claimOn(store1, await runtime(capped.campaignId), "node-1");
          assert.equal(
            r1.started.length,
            0,
            "the capped campaign dialed a number another campaign's call to it was starting",
          );
          const waiting = await store1.db
            .selectFrom("contacts")
            .select(["wait_reason", "next_attempt_at"])
            .where("campaign_id", "=", capped.campaignId)
            .executeTakeFirstOrThrow();
          assert.deepEqual(
            [waiting.wait_reason, Number(waiting.next_attempt_at)],
            ["number_busy", t0 + 1000],
          );
          release();
          assert.equal((await second).started.length, 1);
          // A second on, the number's call is on record: the cap defers the contact.
          const later = await claimOn(store1, await runtime(capped.campaignId), "node-1", t0 + 1000);
          assert.equal(later.started.length, 0);
        } finally {
          release?.();
          await store2.close();
          await store1.close();
        }
      });
    }
  });
}
