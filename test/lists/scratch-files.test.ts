// The scratch file an import stages its rows in, after the process was killed with it on disk: a restart
// removes it, even when the new process has the killed one's pid (pid 1 in a container), and no later
// import ever takes its rows for its own — they belong to another import, maybe another account.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { removeStaleScratchFiles } from "../../src/lists/sqlite-writer.ts";
import { openStore } from "../../src/store/db.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";

const scratchFiles = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith(".outdial-import-"));

test("a killed import's scratch file is removed at restart under the same pid, and never imported", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-scratch-"));
  try {
    const dbFile = path.join(dir, "outdial.db");
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "killed-import-child.ts"), dbFile],
      { encoding: "utf8" },
    );
    assert.equal(child.signal, "SIGKILL", child.stderr);
    const left = scratchFiles(dir);
    assert.ok(left.length > 0, "the killed import left its scratch file");
    // The restarted server got the killed one's pid.
    for (const name of left) {
      const renamed = name.replace(/^\.outdial-import-\d+-/, `.outdial-import-${process.pid}-`);
      fs.renameSync(path.join(dir, name), path.join(dir, renamed));
    }
    assert.equal(removeStaleScratchFiles(dbFile).length, left.length, "removed at startup");
    assert.deepEqual(scratchFiles(dir), []);

    const store = await openStore({ url: dbFile });
    try {
      const accountId = await createAccount(store, "other tenant", 0);
      const target = await createCampaign(store, accountId, {}, { name: "mine", now: 0 });
      const report = await importCsv(
        store,
        { accountId, ...target, worker: false },
        Readable.from(["phone\n+12125550100\n"]),
      );
      assert.equal(report.inserted, 1);
      const mine = await store.db
        .selectFrom("contacts")
        .select("phone")
        .where("account_id", "=", accountId)
        .execute();
      assert.deepEqual(mine, [{ phone: "+12125550100" }]);
      assert.deepEqual(scratchFiles(dir), [], "the import removed its own scratch file");
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a scratch file of an import under way in this process is not taken for a stale one", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-scratch-"));
  const dbFile = path.join(dir, "outdial.db");
  const store = await openStore({ url: dbFile });
  try {
    const accountId = await createAccount(store, "acme", 0);
    const target = await createCampaign(store, accountId, {}, { name: "c", now: 0 });
    let removedMidway: string[] = [];
    async function* rows() {
      yield "phone\n";
      for (let i = 0; i < 8000; i++) yield `+1212555${1000 + i}\n`;
      // Wait until the worker's first batches are staged: then sweep, as a restart on another server would.
      const until = Date.now() + 10_000;
      while (scratchFiles(dir).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      assert.ok(scratchFiles(dir).length > 0, "rows were staged before the end of the upload");
      removedMidway = removeStaleScratchFiles(dbFile);
      yield "+12125559999\n";
    }
    const report = await importCsv(store, { accountId, ...target, worker: true }, Readable.from(rows()));
    assert.deepEqual(removedMidway, []);
    assert.equal(report.inserted, 8001);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
