// A face (Xcally, Voximplant, JAICP) brings a completed campaign back after the new contacts commit; a
// process killed in between left the campaign completed with contacts nobody would dial, and the client's
// retry added nothing (duplicates). At start the server now brings such campaigns back. The state a kill
// leaves is built here directly: contacts committed into a completed campaign, no dialAgain after them.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { dialAgain } from "../../src/api/compat/dial-again.ts";
import { findOrCreateList } from "../../src/api/compat/named-list.ts";
import { loadConfig } from "../../src/config/config.ts";
import { LOW_BALANCE_REASON } from "../../src/model/billing.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { startServer } from "../../src/server.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { insertCampaignToken } from "../../src/store/campaign-tokens.ts";
import { insertCampaign } from "../../src/store/campaigns.ts";
import { insertContacts } from "../../src/store/contacts-insert.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { dialects } from "../helpers/stores.ts";
import { twin24Fixture } from "./twin24/helpers.ts";

const MINUTE = 60_000;

/** A campaign that completed a minute ago, then got one contact committed (the dialAgain lost). */
async function completedThenGiven(
  store: Store,
  accountId: number,
  name: string,
  vendor: Record<string, unknown>,
  now: number,
  phone: string,
  /** When the adding request began: its contacts carry that time, even if it is before the completion. */
  addedAt = now,
): Promise<number> {
  const { id: campaignId } = await insertCampaign(store.db, {
    accountId,
    name,
    settings: withDefaults({ vendor }),
    now: now - 10 * MINUTE,
  });
  await store.db
    .updateTable("campaigns")
    .set({ status: "completed", started_at: now - 10 * MINUTE, finished_at: now - MINUTE })
    .where("id", "=", campaignId)
    .execute();
  const list = await findOrCreateList(store, { accountId, campaignId, name: "added", now });
  await insertContacts(store.db, { accountId, campaignId, listId: list.id, now: addedAt }, [
    { phones: [phone] },
  ]);
  return campaignId;
}

const statusOf = async (store: Store, id: number) =>
  (await store.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow())
    .status;

for (const dialect of dialects()) {
  describe(`contacts a face added just before a restart [${dialect.name}]`, () => {
    test("are dialed: the face's completed campaigns come back; native and manual Voximplant ones stay completed", async () => {
      const f = await twin24Fixture({ openStore: dialect.open });
      try {
        const now = f.clock.now();
        const give = (name: string, vendor: Record<string, unknown>, phone: string, addedAt = now) =>
          completedThenGiven(f.store, f.accountId, name, vendor, now, phone, addedAt);
        const xcally = await give("xcally queue", { xcally: { name: "q" } }, "+14155550101");
        const voxAuto = await give("vox automatic", { voximplant: { type: "AUTOMATIC" } }, "+14155550102");
        const voxManual = await give("vox manual", { voximplant: { type: "MANUAL" } }, "+14155550103");
        const native = await give("native", {}, "+14155550104");
        const jaicp = await give("jaicp", {}, "+14155550105");
        await insertCampaignToken(f.store.db, {
          accountId: f.accountId,
          campaignId: jaicp,
          name: "calls api",
          prefix: "tok",
          hash: "0".repeat(64),
          now,
        });
        // A long import that began before the campaign completed commits contacts older than its completion.
        const early = await give("xcally early", { xcally: { name: "e" } }, "+14155550107", now - 5 * MINUTE);
        // One that dialAgain left completed for the balance waits for the client's own start.
        const broke = await give("xcally broke", { xcally: { name: "b" } }, "+14155550108");
        await f.store.db
          .updateTable("campaigns")
          .set({ status_reason: LOW_BALANCE_REASON })
          .where("id", "=", broke)
          .execute();
        // A face campaign that completed with nothing added since stays completed.
        const idle = await give("xcally idle", { xcally: { name: "idle" } }, "+14155550106");
        await f.store.db
          .updateTable("contacts")
          .set({ status: "succeeded", ready: 0 })
          .where("campaign_id", "=", idle)
          .execute();

        assert.equal(await f.engine.recoverFaceAdds(), 4);
        for (const id of [xcally, voxAuto, jaicp, early])
          assert.equal(await statusOf(f.store, id), "running");
        for (const id of [voxManual, native, idle, broke])
          assert.equal(await statusOf(f.store, id), "completed");
        await f.run(10 * MINUTE);
        assert.deepEqual(
          f.originated.map((o) => o.to).sort(),
          ["+14155550101", "+14155550102", "+14155550105", "+14155550107"],
          "the brought-back campaigns dialed their new contacts, the others nothing",
        );
        // Once they are dialed, nothing is left to bring back.
        assert.equal(await f.engine.recoverFaceAdds(), 0);

        // An add under 1 USD leaves the campaign completed and says why; a top-up and a restart do not
        // dial it behind the client's back (the README: it waits for the client's start).
        const topUp = (amountUsd: number) =>
          f.call({ method: "POST", url: "/v1/balance/top-up", payload: { amountUsd } });
        assert.equal((await topUp(0.5)).statusCode, 200);
        const later = f.clock.now();
        const poor = await completedThenGiven(
          f.store,
          f.accountId,
          "poor",
          { xcally: { name: "p" } },
          later,
          "+14155550109",
        );
        await dialAgain({ store: f.store, engine: f.engine }, f.accountId, poor);
        const row = await f.store.db
          .selectFrom("campaigns")
          .select(["status", "status_reason"])
          .where("id", "=", poor)
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { status: "completed", status_reason: LOW_BALANCE_REASON });
        const explained = await f.engine.explain(f.accountId, poor);
        assert.deepEqual(
          explained.reasons.map((r) => r.code),
          ["balance"],
        );
        assert.equal((await topUp(20)).statusCode, 200);
        assert.equal(await f.engine.recoverFaceAdds(), 0);
        assert.equal(await statusOf(f.store, poor), "completed");
      } finally {
        await f.close();
      }
    });
  });
}

test("the server brings them back at start", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-dial-again-"));
  const databaseUrl = path.join(dir, "outdial.db");
  try {
    const store = await openStore({ url: databaseUrl });
    const accountId = await insertAccount(store.db, "acme", Date.now());
    const id = await completedThenGiven(
      store,
      accountId,
      "queue",
      { xcally: { name: "q" } },
      Date.now(),
      "+14155550111",
    );
    await store.close();
    const server = await startServer(
      loadConfig({
        OUTDIAL_DATABASE_URL: databaseUrl,
        OUTDIAL_PORT: "0",
        OUTDIAL_LOG_LEVEL: "silent",
        OUTDIAL_NODE_ID: "restarted",
      }),
    );
    try {
      assert.equal(await statusOf(server.store, id), "running");
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
