// Node A's imports (4 uploads held open, as slow clients do) beside its dialing, with node B on the same
// PostgreSQL: A's heartbeat and campaign lease must go on. Imports took connections of the dialer's pool,
// so the heartbeat starved and B recorded A's live calls lost and dialed the campaign on top of them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { WallClock } from "../../src/clock/clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import { type ContactsWriter, createWriter } from "../../src/lists/writer.ts";
import { openStore } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { KeepingDriver } from "../helpers/keeping-driver.ts";
import { dialects } from "../helpers/stores.ts";

const LEASE_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of dialects().filter((d) => d.name === "postgres")) {
  describe(`a node whose pool is busy with imports [${dialect.name}]`, () => {
    test("keeps its calls and its campaign while it is alive", async () => {
      const storeA = await dialect.open(); // node A's pool (4 connections)
      const storeB = await openStore({
        url: process.env.OUTDIAL_TEST_PG_URL as string,
        pgSchema: storeA.schema,
        poolSize: 4,
        migrate: false,
      }); // node B: another process, its own pool, the same database
      const clock = new WallClock();
      const longTalk = { outcomes: { human: 1 }, talkSec: { kind: "fixed", value: 60 } };
      const node = (store: typeof storeA, nodeId: string, seed: number) => {
        const driver = new KeepingDriver(createDriver("sim", { clock }, { seed, scenario: longTalk }));
        const errors: unknown[] = [];
        const engine = new Engine({
          store,
          clock,
          driver,
          nodeId,
          leaseMs: LEASE_MS,
          maxChannels: null,
          onError: (e) => errors.push(e),
        });
        return { driver, engine, errors };
      };
      const a = node(storeA, "node-a", 1);
      const b = node(storeB, "node-b", 2);
      const imports: ContactsWriter[] = [];
      try {
        const now = Date.now();
        const accountId = await createAccount(storeA, "acme", now);
        const ids = await createCampaign(storeA, accountId, { maxConcurrent: 3 }, { now });
        const others = [];
        for (let i = 0; i < 4; i++)
          others.push(await createCampaign(storeA, accountId, {}, { now, name: `other ${i}` }));
        await addContacts(
          storeA,
          { accountId, ...ids },
          Array.from({ length: 20 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
          now,
        );
        await a.engine.run();
        await b.engine.run();
        await a.engine.start(accountId, ids.campaignId);
        await sleep(1_000);
        assert.equal(a.driver.requests.length, 3, "node A placed 3 calls (60 s each)");
        // Four CSV uploads into other campaigns' lists begin on node A (slow clients: they stay open).
        // (The pool is 4 here as in the test stores; in production 10, with no cap on concurrent uploads.)
        for (const other of others) {
          const w = createWriter(storeA, { accountId, ...other, orderClass: 0, now });
          imports.push(w);
          await w.begin();
        }
        await sleep(4 * LEASE_MS);
        const rows = await storeB.db
          .selectFrom("attempts")
          .select(["owner", "outcome"])
          .where("campaign_id", "=", ids.campaignId)
          .orderBy("id")
          .execute();
        const lost = rows.filter((r) => r.outcome === "lost").length;
        assert.equal(lost, 0, `${lost} of node A's live calls recorded lost by node B`);
        assert.equal(b.driver.requests.length, 0, "node B dialed while node A still had its calls up");
      } finally {
        for (const w of imports) await w.abort().catch(() => {});
        await a.engine.shutdown();
        await b.engine.shutdown();
        await a.driver.close();
        await b.driver.close();
        await storeB.close();
        await storeA.close();
      }
    });
  });
}
