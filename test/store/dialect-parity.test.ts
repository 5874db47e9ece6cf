// The same answer from both dialects where they differ underneath: SQLite's lower() folds only ASCII, a
// PostgreSQL database may compare text by a language's collation, and SQLite's migrations run without the
// lock and transaction PostgreSQL's have.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { listCampaigns } from "../../src/store/campaigns.ts";
import { accountList, addDncNumbers, listDncNumbers, nextDigitPrefix } from "../../src/store/dnc.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

for (const dialect of dialects()) {
  describe(`dialect parity [${dialect.name}]`, () => {
    test("a campaign name search ignores case in any script, not only ASCII", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        await createCampaign(store, accountId, {}, { name: "Обзвон КЛИЕНТОВ Ёлка" });
        await createCampaign(store, accountId, {}, { name: "other" });
        for (const needle of ["клиентов", "ОБЗВОН", "ёлка", "Обзвон"]) {
          const found = await listCampaigns(store.db, accountId, { nameContains: needle, limit: 10 });
          assert.deepEqual(
            found.map((c) => c.name),
            ["Обзвон КЛИЕНТОВ Ёлка"],
            needle,
          );
        }
        // LIKE's own wildcards in the text are literal.
        assert.equal((await listCampaigns(store.db, accountId, { nameContains: "%", limit: 10 })).length, 0);
        // Letters PostgreSQL's lower() folds otherwise than JavaScript's (a final capital sigma, a dotted
        // capital I): found by a word copied from the name, or typed in lower case (parity11).
        await createCampaign(store, accountId, {}, { name: "ΝΕΟΙ ΠΕΛΑΤΕΣ" });
        await createCampaign(store, accountId, {}, { name: "İSTANBUL leads" });
        for (const [needle, name] of [
          ["ΠΕΛΑΤΕΣ", "ΝΕΟΙ ΠΕΛΑΤΕΣ"],
          ["πελατες", "ΝΕΟΙ ΠΕΛΑΤΕΣ"],
          ["İSTANBUL", "İSTANBUL leads"],
          // Folded, not only lowered (review37): a plain i for the dotted capital, σ for a final ς.
          ["istanbul", "İSTANBUL leads"],
          ["ΝΕΟΙ ΠΕΛΑΤΕΣ", "ΝΕΟΙ ΠΕΛΑΤΕΣ"],
        ]) {
          const found = await listCampaigns(store.db, accountId, { nameContains: needle, limit: 10 });
          assert.deepEqual(
            found.map((c) => c.name),
            [name],
            needle,
          );
        }
        // A word typed whole ends in ς when lowered; inside the name it is σ.
        await createCampaign(store, accountId, {}, { name: "ΠΡΟΣΦΟΡΑ 2026" });
        const offer = await listCampaigns(store.db, accountId, { nameContains: "ΠΡΟΣ", limit: 10 });
        assert.deepEqual(
          offer.map((c) => c.name),
          ["ΠΡΟΣΦΟΡΑ 2026"],
        );
        // Paged as without a search: newest first, offset and keyset alike.
        for (const n of [1, 2, 3]) await createCampaign(store, accountId, {}, { name: `page ${n}` });
        const names = async (q: { offset?: number; beforeId?: number }) =>
          (await listCampaigns(store.db, accountId, { nameContains: "PAGE", limit: 2, ...q })).map(
            (c) => c.name,
          );
        assert.deepEqual(await names({}), ["page 3", "page 2"]);
        assert.deepEqual(await names({ offset: 2 }), ["page 1"]);
        const [, second] = await listCampaigns(store.db, accountId, { nameContains: "page", limit: 2 });
        assert.deepEqual(await names({ beforeId: second.id }), ["page 1"]);
      } finally {
        await store.close();
      }
    });

    test("a do-not-call prefix search finds its numbers whatever the database's collation", async (t) => {
      const store = await dialect.open();
      try {
        if (dialect.name === "postgres") {
          // A database made with a language's locale (en_US.UTF-8, or ICU en-US) sorts ":" after the digits.
          const icu = await store.pool!.query("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'");
          if (icu.rowCount === 0) return t.skip("this PostgreSQL has no ICU collations");
          await store.pool!.query(
            `ALTER TABLE dnc_numbers ALTER COLUMN phone TYPE text COLLATE "en-US-x-icu"`,
          );
        }
        const accountId = await createAccount(store);
        const phones = ["+12125550100", "+12125550199", "+12135550100", "+13125550100", "+19995550100"];
        await addDncNumbers(
          store,
          accountList(accountId),
          phones.map((phone) => ({ phone, source: "t", reason: null, expiresAt: null })),
          NOW,
        );
        const among = async (prefix: string) =>
          (
            await listDncNumbers(store.db, accountList(accountId), { phonePrefix: prefix, limit: 10 }, NOW)
          ).map((r) => r.phone);
        assert.deepEqual(await among("+1212"), ["+12125550100", "+12125550199"]);
        assert.deepEqual(await among("+121"), ["+12125550100", "+12125550199", "+12135550100"]);
        assert.deepEqual(await among("+1999"), ["+19995550100"]);
        assert.deepEqual(await among("+12125550199"), ["+12125550199"]);
        assert.deepEqual(await among("+1"), phones);
      } finally {
        await store.close();
      }
    });
  });
}

test("nextDigitPrefix carries over nines", () => {
  assert.equal(nextDigitPrefix("+1212"), "+1213");
  assert.equal(nextDigitPrefix("+1299"), "+13");
  assert.equal(nextDigitPrefix("+99"), null);
  assert.equal(nextDigitPrefix("+"), null);
});

test("processes opening one new SQLite file at once all migrate it, none fails", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-migrate-"));
  const dbModule = pathToFileURL(path.resolve("src/store/db.ts")).href;
  const script = `import { openStore } from ${JSON.stringify(dbModule)};
    const s = await openStore({ url: process.argv[1] }); await s.close();`;
  const open = (file: string) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, file], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
      });
      child.on("exit", (code) => resolve({ code, err }));
    });
  try {
    for (let round = 0; round < 2; round++) {
      const file = path.join(dir, `r${round}.db`);
      const runs = await Promise.all([open(file), open(file), open(file)]);
      for (const r of runs) assert.equal(r.code, 0, r.err);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
