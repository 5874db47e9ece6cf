// A campaign file saved as "UTF-8" by Windows tools (Notepad before 2019, PowerShell 5's
// `-Encoding utf8`) starts with a byte order mark; simulate reads it as the same file without one (a contacts
// CSV with a BOM already imported). It was "not valid JSON (Unexpected token '…')", naming an invisible mark.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { outdialSync as outdial } from "../helpers/child.ts";

test("simulate reads a campaign file saved as UTF-8 with a byte-order mark", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "campaign-bom-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "campaign.json");
  fs.writeFileSync(
    file,
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync("examples/campaign.json")]),
  );
  const plain = outdial({}, "simulate", "examples/campaign.json", "examples/contacts.csv", "--json");
  assert.equal(plain.code, 0, plain.err);
  const bom = outdial({}, "simulate", file, "examples/contacts.csv", "--json");
  assert.equal(bom.code, 0, `exit ${bom.code}: ${bom.err}`);
  const strip = (s: string) => s.replace(/"(wallMs|attemptsPerSec)": [\d.e+-]+,?\n/g, "");
  assert.equal(strip(bom.out), strip(plain.out));
});
