// The XLSX export wrote text shaped like OOXML's escape _xHHHH_ as it was, and a spreadsheet reading the
// file by ECMA-376 (22.4.2.4) turned it into the character U+HHHH: "SKU_x0041_" opened as "SKUA" (audit
// reports11). A literal one is now written with its first "_" escaped (_x005F_).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import JSZip from "jszip";
import { type ApiFixture, apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

/** A cell's text as Excel reads it: each _xHHHH_ decoded, left to right (ECMA-376 22.4.2.4). */
function asExcelReads(xmlText: string): string {
  const unxml = xmlText
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
  return unxml.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** The sheet's texts, as Excel reads them, of an XLSX export of the campaign. */
async function sheetTexts(campaignId: number): Promise<string[]> {
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${campaignId}/export?format=xlsx` });
  assert.equal(res.statusCode, 200);
  const zip = await JSZip.loadAsync(res.rawPayload);
  const sheetName = Object.keys(zip.files).find((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n));
  assert.ok(sheetName, "a worksheet");
  const xml = await zip.file(sheetName)!.async("string");
  // exceljs without shared strings writes a text cell as <c t="str"><v>…</v></c>; <v> is an ST_Xstring too.
  return [...xml.matchAll(/<(t|v)(?: [^>]*)?>([^<]*)<\/\1>/g)].map((m) => asExcelReads(m[2]));
}

// exceljs dropped the control characters XML cannot carry: "Line 1\vLine 2" (FileMaker's line break in a
// field, which the import keeps) opened as "Line 1Line 2", while CSV and JSON keep it (import12). Written
// as _x000B_, as Excel writes it.
test("XLSX export: a text with a vertical tab, a unit separator or a DEL opens as written", async () => {
  const c = await createCampaignViaApi(f, { name: "controls" });
  const custom = { note: "Line 1\u000bLine 2", code: "A\u001fB", del: "p\u007fq", both: "_x0041_\u0001" };
  await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
    { phones: JSON.stringify(["+12125550199"]), custom: JSON.stringify(custom) },
  ]);
  const texts = await sheetTexts(c.id);
  for (const value of Object.values(custom)) {
    assert.ok(
      texts.includes(value),
      `${JSON.stringify(value)} as Excel reads it; texts: ${JSON.stringify(texts)}`,
    );
  }
});

test("XLSX export: a text holding _xHHHH_ opens as written", async () => {
  const c = await createCampaignViaApi(f, { name: "xhhhh" });
  const external = "Reserve_TT_A_BLOCAGE_CAG_x6904_2";
  const sku = "SKU_x0041_";
  await insertContacts(f.store, { accountId: f.accountId, campaignId: c.id, listId: c.listId }, [
    { external_id: external, phones: JSON.stringify(["+12125550199"]), custom: JSON.stringify({ sku }) },
  ]);
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=xlsx` });
  assert.equal(res.statusCode, 200);
  const zip = await JSZip.loadAsync(res.rawPayload);
  const sheetName = Object.keys(zip.files).find((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n));
  assert.ok(sheetName, "a worksheet");
  const xml = await zip.file(sheetName)!.async("string");
  // exceljs without shared strings writes a text cell as <c t="str"><v>…</v></c>; <v> is an ST_Xstring too.
  const texts = [...xml.matchAll(/<(t|v)(?: [^>]*)?>([^<]*)<\/\1>/g)].map((m) => asExcelReads(m[2]));
  assert.ok(
    texts.includes(external),
    `"${external}" as Excel reads the sheet; its texts: ${JSON.stringify(texts)}`,
  );
  assert.ok(texts.includes(sku), `"${sku}" as Excel reads the sheet; its texts: ${JSON.stringify(texts)}`);
});
