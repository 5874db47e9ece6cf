// Child process of scratch-files.test.ts: an import into account "victim" killed with SIGKILL at the start
// of its SQLite commit, when its scratch file is complete and the contacts transaction has not begun.
import { Readable } from "node:stream";
import Database from "better-sqlite3";
import { importCsv } from "../../src/lists/import.ts";
import { openStore } from "../../src/store/db.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";

const dbFile = process.argv[2];
const store = await openStore({ url: dbFile });
const accountId = await createAccount(store, "victim", 0);
const { campaignId, listId } = await createCampaign(store, accountId, {}, { name: "victim", now: 0 });
const exec = Database.prototype.exec;
Database.prototype.exec = function (this: Database.Database, sql: string) {
  if (sql === "BEGIN IMMEDIATE") process.kill(process.pid, "SIGKILL");
  return exec.call(this, sql);
};
let csv = "phone,secret\n";
for (let i = 0; i < 600; i++) csv += `+7916${String(1000000 + i)},victim-secret-${i}\n`;
await importCsv(store, { accountId, campaignId, listId }, Readable.from([csv]));
