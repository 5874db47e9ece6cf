// Deleting a stopped campaign never removes one whose contact is on a call (the call's outcome and charge
// must find their rows), even while another node's claim of it is committing: on PostgreSQL the claim
// key-share locks the campaign row and the delete judges its tests after taking the row (before, it read
// them on the snapshot from before it waited for the claim, and cascaded the contact away mid-call). On
// SQLite the claim and the delete cannot interleave.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type pg from "pg";
import { claimHooks } from "../../src/engine/campaign-gate.ts";
import { CampaignRuntime } from "../../src/engine/campaign-runtime.ts";
import { deleteCampaignUnlessStatus } from "../../src/store/campaigns.ts";
import type { Store } from "../../src/store/db.ts";
import { openDispatchStore } from "../../src/store/dispatch/index.ts";
import { postgresDispatchStore } from "../../src/store/dispatch/postgres.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const DAY = 86_400_000;
const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);

/** A pool whose transactions wait at COMMIT until `open()` is called (a node mid-claim). */
function gatedPool(pool: pg.Pool) {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let reached!: () => void;
  const atCommit = new Promise<void>((r) => {
    reached = r;
  });
  const fake = {
    query: (...a: unknown[]) => (pool.query as (...x: unknown[]) => unknown)(...a),
    async connect() {
      const c = await pool.connect();
      return new Proxy(c, {
        get(target, prop) {
          if (prop === "query") {
            return async (text: unknown, params?: unknown) => {
              if (text === "COMMIT") {
                reached();
                await gate;
              }
              return target.query(text as string, params as unknown[]);
            };
          }
          const v = (target as unknown as Record<string | symbol, unknown>)[prop];
          return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  } as unknown as pg.Pool;
  return { fake, open, atCommit };
}

for (const dialect of dialects()) {
  describe(`campaign delete vs a claim in flight [${dialect.name}]`, () => {
    test("a stopped campaign whose contact a claim just took is not deleted", async () => {
      const store: Store = await dialect.open();
      try {
        const accountId = await createAccount(store, "acme", t0);
        const c = await createCampaign(store, accountId, {}, { now: t0 });
        await addContacts(store, { accountId, ...c }, [{ phones: ["+12025550100"] }], t0);
        const row = await store.db
          .selectFrom("campaigns")
          .selectAll()
          .where("id", "=", c.campaignId)
          .executeTakeFirstOrThrow();
        const hooks = claimHooks(new CampaignRuntime(row), t0);
        const req = {
          campaignId: c.campaignId,
          limit: 1,
          owner: "node-b",
          now: t0,
          leaseUntil: t0 + DAY,
          recentSince: hooks.recentSince,
          promoteDue: true,
          decide: (cand: Parameters<typeof hooks.decide>[0], recent: Parameters<typeof hooks.decide>[2]) =>
            hooks.decide(cand, t0, recent),
        };
        // The campaign was stopped by an operator (status written) while node B's dispatcher claims.
        const stop = () =>
          store.db
            .updateTable("campaigns")
            .set({ status: "stopped" })
            .where("id", "=", c.campaignId)
            .execute();
        let deleted: boolean;
        let claimed: number;
        if (dialect.name === "postgres") {
          const g = gatedPool(store.pool!);
          const claim = postgresDispatchStore(g.fake).claim(req);
          await g.atCommit; // node B has claimed and inserted the attempt, not yet committed
          await stop();
          const del = deleteCampaignUnlessStatus(store, accountId, c.campaignId, ["running"], t0 + 1000);
          await new Promise((r) => setTimeout(r, 300));
          g.open(); // node B commits and goes on to dial
          claimed = (await claim).started.length;
          deleted = await del;
        } else {
          const claim = openDispatchStore(store).claim(req);
          await stop();
          const del = deleteCampaignUnlessStatus(store, accountId, c.campaignId, ["running"], t0 + 1000);
          claimed = (await claim).started.length;
          deleted = await del;
        }
        assert.equal(claimed, 1, "node B claimed the contact and dials it");
        const live = await store.db
          .selectFrom("contacts")
          .select("id")
          .where("status", "=", "in_progress")
          .execute();
        assert.equal(deleted, false, "deleted a campaign with a contact on a call");
        assert.equal(live.length, 1, "the in-progress contact (its outcome and charge) must keep its rows");
      } finally {
        await store.close();
      }
    });
  });
}
