// `outdial import` writes into the SQLite file a running server uses; imports are serialized by a lock
// of their process only, and the commit marks stored duplicates before it takes the write lock (a large
// import's marking takes long). A contact another process committed in between was not seen: the phone
// was stored twice and called twice (import6). Played by a second connection committing at the moment
// the importer begins its write transaction.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { openStore } from "../../src/store/db.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";

test("a phone committed by another process during the commit's marking is not imported twice", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import6-xproc-"));
  const file = path.join(dir, "o.db");
  const server = await openStore({ url: file }); // the server process
  const cli = await openStore({ url: file }); // the `outdial import` process
  const accountId = await createAccount(server, "a", 0);
  const { campaignId, listId } = await createCampaign(server, accountId, {}, { name: "c", now: 0 });
  const target = { accountId, campaignId, listId, now: 1 };
  // The server's own import of +13125550100 commits while the CLI import's commit is between its
  // duplicate marking and its BEGIN IMMEDIATE.
  const raw = cli.sqlite!;
  const exec = raw.exec.bind(raw);
  let fired = false;
  (raw as unknown as { exec: (sql: string) => unknown }).exec = (sql: string) => {
    if (sql === "BEGIN IMMEDIATE" && !fired) {
      fired = true;
      server
        .sqlite!.prepare(
          `INSERT INTO contacts (account_id, campaign_id, list_id, phones, phone, custom, status, ready, order_class,
           attempts, phone_index, phone_attempts, retry_counts, next_attempt_at, flagged, created_at, updated_at)
         VALUES (?, ?, ?, '["+13125550100"]', '+13125550100', '{}', 'pending', 1, 0, 0, 0, '[0]', '{}', 1, 0, 1, 1)`,
        )
        .run(accountId, campaignId, listId);
    }
    return exec(sql);
  };
  const report = await importCsv(cli, target, Readable.from(["phone\n+13125550100\n+13125550101\n"]));
  const rows = await server.db
    .selectFrom("contacts")
    .select(["phone"])
    .where("phone", "=", "+13125550100")
    .execute();
  await cli.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.ok(fired);
  assert.equal(rows.length, 1, `the phone is stored ${rows.length} times; report ${JSON.stringify(report)}`);
  assert.deepEqual([report.inserted, report.skipped], [1, 1]);
  assert.equal(report.errors[0]?.code, "duplicate_phone");
});
