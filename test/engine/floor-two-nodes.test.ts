// The 1 USD floor with two nodes dialing campaigns of one metered account. A node's balance cache sees its
// own charges as they commit and the other node's only at its maintenance re-read (every 5 s), so node B
// went on claiming calls for up to 5 s after node A's charge took the balance under 1 USD (audit
// dncbill10). A metered account is now judged from the store at each pass, and a call B claimed before the
// charge committed, for the next second's slots (lookahead), asks again when its slot comes (dispatcher
// ifFunded). An unmetered account costs no query.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KyselyPlugin } from "kysely";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { AccountBilling } from "../../src/engine/billing.ts";
import { usdToMicros } from "../../src/model/billing.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import { setRates, topUp } from "../../src/store/billing.ts";
import type { Store } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

/** How far ahead of its slot a dispatch pass claims a dial (the dispatcher's default lookaheadMs). */
const LOOKAHEAD_MS = 1000;
const LEASE_MS = 60_000;

/** The account's money and A's calls: by default 1.05 USD at 0.10 USD a minute, 2 s talks. */
const SMALL_CHARGES = { balanceUsd: 1.05, usdPerMinute: 0.1, talkSec: 2 };

/**
 * Node A dials campaign x, node B campaign y, of one account (`money`): A's people answer at once and talk
 * `money.talkSec`, so that A's first charge takes the balance under 1 USD; B's ring 40 s unanswered (free).
 * Returns when the first charge was written and when each node placed its calls.
 */
async function twoNodesOneAccount(
  open: () => Promise<Store>,
  b: Partial<CampaignSettings>,
  money = SMALL_CHARGES,
) {
  const store = await open();
  const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
  const clock = new VirtualClock(t0);
  const nodeA = engineNode(store, clock, "node-a", 1, LEASE_MS, {
    base: "all_human",
    postDialSec: 0,
    ringSec: 1,
    talkSec: money.talkSec,
  });
  const nodeB = engineNode(store, clock, "node-b", 2, LEASE_MS, {
    base: "always_no_answer",
    postDialSec: 0,
    ringSec: 40,
  });
  try {
    const accountId = await createAccount(store, "acme", t0);
    await setRates(store, accountId, {
      defaultMicrosPerMinute: usdToMicros(money.usdPerMinute),
      prefixes: [],
    });
    await topUp(store, accountId, usdToMicros(money.balanceUsd), "funds", t0);
    await nodeA.engine.run();
    await nodeB.engine.run();
    const settings = { maxConcurrent: 20, callsPerSecond: 5, successMinTalkSec: 0 };
    const x = await createCampaign(store, accountId, settings, { now: t0, name: "x" });
    const y = await createCampaign(store, accountId, { ...settings, ...b }, { now: t0, name: "y" });
    const phones = (base: number) =>
      Array.from({ length: 200 }, (_, i) => ({ phones: [`+1202555${String(base + i)}`] }));
    await addContacts(store, { accountId, ...x }, phones(1000), t0);
    await addContacts(store, { accountId, ...y }, phones(3000), t0);
    // Each campaign started on its node, which takes its lease at once.
    await nodeA.engine.start(accountId, x.campaignId);
    await nodeB.engine.start(accountId, y.campaignId);
    await clock.run({ until: t0 + 60_000 + money.talkSec * 1000 });

    const first = await store.db
      .selectFrom("balance_transactions")
      .select("created_at")
      .where("kind", "=", "charge")
      .orderBy("id")
      .executeTakeFirst();
    assert.ok(first, "a call was charged");
    assert.deepEqual([nodeA.errors, nodeB.errors], [[], []]);
    return { under: Number(first.created_at), a: nodeA.dialedAt, b: nodeB.dialedAt };
  } finally {
    await nodeA.engine.shutdown();
    await nodeB.engine.shutdown();
    await store.close();
  }
}

for (const dialect of dialects()) {
  describe(`the balance floor across two nodes [${dialect.name}]`, () => {
    test("the other node claims no call once a charge took the balance under 1 USD", async () => {
      // B's lines stay free (200 may ring), so B runs a pass every half second: each must see A's charge.
      const r = await twoNodesOneAccount(dialect.open, { maxConcurrent: 200 });
      const lateA = r.a.filter((t) => t > r.under);
      const lateB = r.b.filter((t) => t > r.under).map((t) => t - r.under);
      assert.ok(r.b.length > 0, "node B dialed its campaign");
      assert.deepEqual(lateA, []);
      // Before: B dialed on until its maintenance re-read at +5 s (10 calls, the last 2 s after).
      assert.ok(
        lateB.every((ms) => ms < LOOKAHEAD_MS),
        `node B placed calls ${lateB.join(", ")} ms after: only those claimed before the charge may go`,
      );
    });

    test("no call is placed by any node once the balance is under 1 USD, those claimed ahead neither", async () => {
      const r = await twoNodesOneAccount(dialect.open, {});
      const late = { a: r.a.filter((t) => t > r.under).length, b: r.b.filter((t) => t > r.under).length };
      assert.deepEqual(late, { a: 0, b: 0 });
    });

    // A call is charged whole when it ends: one of 150 s at 1 USD a minute takes 3 USD at once, from 3.50
    // to 0.50. B's cache, far above the floor, had no reason to look (review36): a metered account is now
    // judged from the store at every check.
    test("one long call's charge takes the balance from far above the floor to under it: B stops", async () => {
      const r = await twoNodesOneAccount(
        dialect.open,
        {},
        { balanceUsd: 3.5, usdPerMinute: 1, talkSec: 150 },
      );
      assert.ok(
        r.b.some((t) => t < r.under),
        "node B dialed before the charge",
      );
      const late = { a: r.a.filter((t) => t > r.under).length, b: r.b.filter((t) => t > r.under).length };
      assert.deepEqual(late, { a: 0, b: 0 });
    });

    test("only a metered account costs a query at each check", async () => {
      const store = await dialect.open();
      try {
        let reads = 0;
        const counting: KyselyPlugin = {
          transformQuery: (a) => {
            reads++;
            return a.node;
          },
          transformResult: async (a) => a.result,
        };
        const billing = new AccountBilling({ ...store, db: store.db.withPlugin(counting) });
        const rich = await createAccount(store, "rich", 0);
        const poor = await createAccount(store, "poor", 0);
        const free = await createAccount(store, "free", 0);
        await topUp(store, rich, usdToMicros(5), "funds", 0);
        await topUp(store, poor, usdToMicros(1.5), "funds", 0);
        await billing.reload([rich, poor, free]);
        const checks = async (accountId: number) => {
          const before = reads;
          for (let i = 0; i < 10; i++) assert.equal(await billing.hasBalance(accountId), true);
          return reads - before;
        };
        assert.deepEqual(
          { rich: await checks(rich), poor: await checks(poor), free: await checks(free) },
          { rich: 10, poor: 10, free: 0 },
          "metered: one read (one row by its key) per check, however rich; unmetered: none",
        );
      } finally {
        await store.close();
      }
    });
  });
}
