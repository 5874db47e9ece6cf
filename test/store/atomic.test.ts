// Writes that run on SQLite's raw connection (atomically(), an import's commit) while a Kysely transaction of
// another request is open across its awaits: they wait for it, rather than become its savepoint and go
// with its rollback, or fail to begin.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { atomically } from "../../src/store/atomic.ts";
import { openStore } from "../../src/store/db.ts";
import { accountList, dncInserts, findDncNumber } from "../../src/store/dnc.ts";
import { createCampaign } from "../helpers/fixtures.ts";

test("a do-not-call write made while another request's transaction is open survives that one's rollback", async () => {
  const store = await openStore({ url: ":memory:" });
  try {
    const accountId = await insertAccount(store.db, "acme", 0);
    const now = Date.UTC(2026, 0, 5);
    const list = accountList(accountId);
    const entry = { phone: "+12125550100", source: "api", reason: null, expiresAt: null };
    let written: Promise<number[]> | null = null;
    const failed = store.db
      .transaction()
      .execute(async (trx) => {
        // Request A: a multi-statement transaction, open across its awaits.
        await trx.updateTable("accounts").set({ name: "renamed" }).where("id", "=", accountId).execute();
        // Request B's handler runs between A's awaits.
        written = atomically(store, dncInserts(store.db, list, [entry], now));
        await new Promise((r) => setTimeout(r, 20));
        throw new Error("A fails");
      })
      .then(
        () => "committed",
        (err: Error) => err.message,
      );
    assert.equal(await failed, "A fails");
    assert.deepEqual(await written, [1]);
    assert.ok(await findDncNumber(store.db, list, entry.phone, now), "B's listing outlived A's rollback");
    const account = await store.db.selectFrom("accounts").select("name").executeTakeFirstOrThrow();
    assert.equal(account.name, "acme", "A's own write was rolled back");
  } finally {
    await store.close();
  }
});

test("an import that commits while another request's transaction is open waits for it, then commits", async () => {
  const store = await openStore({ url: ":memory:" });
  try {
    const accountId = await insertAccount(store.db, "acme", 0);
    const target = await createCampaign(store, accountId, {}, { name: "c", now: 0 });
    const upload = new PassThrough();
    const imported = importCsv(store, { accountId, ...target, worker: false }, upload);
    upload.write("phone\n");
    await new Promise((r) => setTimeout(r, 50)); // its campaign and list are looked up by now
    await store.db.transaction().execute(async (trx) => {
      await trx.updateTable("accounts").set({ name: "renamed" }).where("id", "=", accountId).execute();
      upload.end("+12125550100\n"); // the upload ends: the import commits while this transaction is open
      await new Promise((r) => setTimeout(r, 100));
    });
    const report = await imported;
    assert.equal(report.inserted, 1);
  } finally {
    await store.close();
  }
});
