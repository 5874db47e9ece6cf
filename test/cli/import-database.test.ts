// `outdial import` and the database it writes to (audit cliweb12). The default OUTDIAL_DATABASE_URL,
// ./data/outdial.db, is relative to where the command runs: run from another directory than the server's,
// the import made and migrated a new empty database there (folders and all) and failed with only
// "campaign 2 not found" — of a campaign the API and the dashboard show — leaving the stray database behind.
// A SQLite database that is not there is refused now, naming its path (and where that resolves to) and the
// variable that sets it, and nothing is created; a campaign not found names the database it was looked for in.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { insertAccount } from "../../src/store/accounts.ts";
import { openStore } from "../../src/store/db.ts";
import { createCampaign } from "../helpers/fixtures.ts";

const BIN = path.resolve("bin/outdial.mjs");

/** An empty directory with a one-contact CSV in it, removed after the test. */
function workDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-import-db-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "people.csv"), "phone\n+14155550101\n");
  return dir;
}

/** `outdial import --campaign ID people.csv` in `cwd`, OUTDIAL_DATABASE_URL set to `url` or unset. */
function importIn(cwd: string, campaignId: number, url: string | undefined) {
  const env = { ...process.env };
  delete env.OUTDIAL_DATABASE_URL;
  if (url !== undefined) env.OUTDIAL_DATABASE_URL = url;
  const r = spawnSync(process.execPath, [BIN, "import", "--campaign", String(campaignId), "people.csv"], {
    cwd,
    env,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("an import run where the default database is not refuses, naming it and its variable, and makes none", (t) => {
  const dir = workDir(t);
  const r = importIn(dir, 2, undefined);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.out, "");
  const resolved = path.join(fs.realpathSync(dir), "data", "outdial.db");
  assert.match(r.err, /^outdial import: no database at \.\/data\/outdial\.db \(/, r.err);
  assert.ok(r.err.includes(resolved) || r.err.includes(path.join(dir, "data", "outdial.db")), r.err);
  assert.match(r.err, /set OUTDIAL_DATABASE_URL to the server's database/, r.err);
  assert.deepEqual(fs.readdirSync(dir), ["people.csv"], "no database, no data folder");
});

test("a database path that names no file is refused the same way, nothing made on the way", (t) => {
  const dir = workDir(t);
  const url = path.join(dir, "elsewhere", "outdial.db");
  const r = importIn(dir, 2, url);
  assert.equal(r.code, 1, r.err);
  assert.equal(
    r.err,
    `outdial import: no database at ${url}: set OUTDIAL_DATABASE_URL to the server's database, or run the import from the server's directory\n`,
  );
  assert.deepEqual(fs.readdirSync(dir), ["people.csv"]);
});

test("a campaign the database does not hold is not found, and the error names the database", async (t) => {
  const dir = workDir(t);
  const url = path.join(dir, "outdial.db");
  const store = await openStore({ url });
  const { campaignId } = await createCampaign(store, await insertAccount(store.db, "acme", 0));
  await store.close();
  const missing = importIn(dir, campaignId + 1, url);
  assert.equal(missing.code, 1, missing.err);
  assert.equal(missing.err, `outdial import: campaign ${campaignId + 1} not found in database ${url}\n`);
  const found = importIn(dir, campaignId, url);
  assert.equal(found.code, 0, found.err);
  assert.equal(JSON.parse(found.out).inserted, 1);
});
