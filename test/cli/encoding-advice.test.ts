// A UTF-16 file without a byte order mark, read as UTF-8, is a bad_encoding for its NULs (lists/
// byte-decoder.ts). The CLI words the advice in its own terms, and that advice must point at UTF-16
// (--encoding utf-16le, a campaign file's "utf-16le"), not only at windows-1251; bytes not valid in the
// encoding still get the windows-1251 example.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import iconv from "iconv-lite";
import { insertAccount } from "../../src/store/accounts.ts";
import { openStore } from "../../src/store/db.ts";
import { outdialSync as outdial } from "../helpers/child.ts";
import { createCampaign } from "../helpers/fixtures.ts";

function tmp(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-nul-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const UTF16 = iconv.encode("phone,name\n+12125550100,Ann\n", "utf-16le");

test("import: a NUL (UTF-16 read as UTF-8) is advised --encoding utf-16le, which then imports", async (t) => {
  const dir = tmp(t);
  const env = { OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db") };
  const store = await openStore({ url: env.OUTDIAL_DATABASE_URL });
  const accountId = await insertAccount(store.db, "acme", 0);
  const { campaignId } = await createCampaign(store, accountId);
  await store.close();
  const run = (...args: string[]) => outdial(env, "import", "--campaign", String(campaignId), ...args);

  const file = path.join(dir, "utf16.csv");
  fs.writeFileSync(file, UTF16);
  const nul = run(file);
  assert.equal(nul.code, 1, nul.out);
  assert.match(nul.err, /has a NUL character/, nul.err);
  assert.match(nul.err, /--encoding utf-16le or utf-16be/, nul.err);
  assert.doesNotMatch(nul.err, /encoding=/, nul.err);
  const ok = run("--encoding", "utf-16le", file);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).inserted, 1);

  // Bytes not valid UTF-8 keep their example.
  const cp1251 = path.join(dir, "cp1251.csv");
  fs.writeFileSync(
    cp1251,
    Buffer.concat([Buffer.from("phone,name\n+79161234567,"), Buffer.from([0xc8, 0xec, 0xff, 0x0a])]),
  );
  const bad = run(cp1251);
  assert.equal(bad.code, 1, bad.out);
  assert.match(
    bad.err,
    /not valid UTF-8; pass the file's encoding with --encoding \(e\.g\. --encoding windows-1251/,
  );
});

test("simulate: a NUL is advised csv.encoding utf-16le in the campaign file's terms", (t) => {
  const dir = tmp(t);
  const campaign = path.join(dir, "c.json");
  fs.writeFileSync(campaign, "{}");
  const file = path.join(dir, "utf16.csv");
  fs.writeFileSync(file, UTF16);
  const r = outdial({}, "simulate", campaign, file);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /has a NUL character/, r.err);
  assert.match(r.err, /set the file's encoding as csv\.encoding in .*c\.json/, r.err);
  assert.match(r.err, /"utf-16le" or "utf-16be"/, r.err);
  assert.doesNotMatch(r.err, /encoding=/, r.err);
});
