// `outdial import --campaign ID FILE` killed with SIGKILL while the file streams in (the OOM killer,
// `kill -9`, a container stopped past its grace period), where no cleanup of its own runs: the contacts
// are all or nothing, and so is the list it makes for them. It used to insert that list in a statement
// of its own before reading a byte and delete it only from JavaScript, so every killed import (and every
// retry of it) left an empty list named after the file for good. The list is now made by the commit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { insertAccount } from "../../src/store/accounts.ts";
import { openStore } from "../../src/store/db.ts";
import { createCampaign } from "../helpers/fixtures.ts";

/** A file large enough to be parsed in a worker and staged in a scratch file for a while. */
function bigCsv(file: string): void {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, "phone,name\n");
  for (let j = 0; j < 12; j++) {
    let chunk = "";
    for (let i = 0; i < 25_000; i++)
      chunk += `+1212555${String(i % 10_000).padStart(4, "0")},person ${j}-${i} ${"x".repeat(30)}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

test("an import killed with SIGKILL while staging rows leaves no list behind, however often retried", {
  timeout: 120_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-import-killed-"));
  try {
    const dbFile = path.join(dir, "outdial.db");
    const store = await openStore({ url: dbFile });
    const accountId = await insertAccount(store.db, "acme", 0);
    const { campaignId } = await createCampaign(store, accountId);
    await store.close();
    const csv = path.join(dir, "big.csv");
    bigCsv(csv);
    const seen = new Set<string>();
    // The scratch files of an attempt: a killed one's stay until the next start sweeps them.
    const staging = () => fs.readdirSync(dir).filter((n) => n.startsWith(".outdial-import-") && !seen.has(n));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const child = spawn(
        process.execPath,
        ["bin/outdial.mjs", "import", "--campaign", String(campaignId), csv],
        {
          env: { ...process.env, OUTDIAL_DATABASE_URL: dbFile },
          stdio: ["ignore", "ignore", "ignore"],
        },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, s) => resolve(s)));
      const until = Date.now() + 60_000;
      while (staging().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.ok(staging().length > 0, `attempt ${attempt}: the import started staging rows`);
      child.kill("SIGKILL");
      for (const name of staging()) seen.add(name);
      assert.equal(await exited, "SIGKILL");

      const after = await openStore({ url: dbFile });
      try {
        const lists = await after.db.selectFrom("lists").select("name").execute();
        const contacts = await after.db.selectFrom("contacts").select("id").execute();
        assert.equal(contacts.length, 0, `attempt ${attempt}: no contact was committed`);
        assert.deepEqual(
          lists.map((l) => l.name),
          ["list"],
          `attempt ${attempt}: only the campaign's own list, none of the killed import's`,
        );
      } finally {
        await after.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
