// CSV injection past a cell's first character: Excel in a locale whose list separator is ";" (German,
// French, Russian, … the default when a .csv is double-clicked there) splits an unquoted field at ";", and
// quoting does not help once earlier fields precede it on the line, so "x;=cmd|' /C calc'!A0;" opened as the
// DDE formula =cmd|… (reports9). Each part after a ',' ';' or tab that starts a formula gets its apostrophe.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

/** The cells Excel sees in a line when its list separator is ";": split at ";" outside double quotes. */
function semicolonCells(line: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (ch === ";" && !quoted) {
      cells.push(cur);
      cur = "";
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

test("CSV export: no cell a ';'-separator spreadsheet reads starts a formula", async () => {
  const c = await createCampaignViaApi(f, { name: "semicolon" });
  const payload = "x;=cmd|' /C calc'!A0;";
  await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
    {
      external_id: payload,
      phones: JSON.stringify(["+12125550199"]),
      custom: JSON.stringify({ note: payload }),
    },
  ]);
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=csv` });
  assert.equal(res.statusCode, 200);
  const formulas = res.body
    .split(/\r?\n/)
    .flatMap(semicolonCells)
    .filter((cell) => /^[=+\-@]/.test(cell) && !/^[+-]?\d[\d ().+-]*$/.test(cell));
  assert.deepEqual(formulas, [], `cells read as formulas in a ";" locale; the CSV was:\n${res.body}`);
});
