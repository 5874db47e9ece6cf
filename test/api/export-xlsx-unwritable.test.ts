// An XLSX export with U+FFFE or U+FFFF in any field was a file no strict XML parser (Excel's among them)
// opens (review39): XML 1.0's Char excludes both, and exceljs writes them as they are (it escapes only the
// C0 controls and DEL). The import and the text guard keep them, so one contact made the whole sheet
// unreadable. They are now written as _xFFFE_ and _xFFFF_, as Excel writes them and as the export already
// wrote the control characters. With them: a "_" before "xHHHH" and such a character, or overlapping
// another escaped "_", is escaped too (a reader decoded it), and a cell cut to Excel's 32,767 units is cut
// before an escape rather than inside one (whose start a reader showed as it is, "_x00…"), its mark
// counting the characters of the text, not of its escapes.
import assert from "node:assert/strict";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import JSZip from "jszip";
import { XLSX_MAX_CELL_CHARS, xlsxStream } from "../../src/api/native/export/writers.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

let f: ApiFixture;
before(async () => {
  f = await apiFixture();
});
after(() => f.close());

/** A character XML 1.0 cannot carry: outside its Char production (tab, LF, CR, U+0020–U+D7FF,
 *  U+E000–U+FFFD, U+10000–U+10FFFF). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

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

/** The sheet XML of an XLSX file. */
async function sheetXml(file: Buffer): Promise<string> {
  const zip = await JSZip.loadAsync(file);
  const sheetName = Object.keys(zip.files).find((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n));
  assert.ok(sheetName, "a worksheet");
  return zip.file(sheetName)!.async("string");
}

/** The sheet's texts as written (exceljs without shared strings writes a text cell as <v>, an ST_Xstring). */
const writtenTexts = (xml: string) => [...xml.matchAll(/<(t|v)(?: [^>]*)?>([^<]*)<\/\1>/g)].map((m) => m[2]);

/** A stream that fails is destroyed with its error, which `streamed` then throws. */
const ignoreError = () => {};

async function streamed(out: Readable): Promise<Buffer> {
  return Buffer.concat((await out.toArray()) as Buffer[]);
}

test("XLSX export: U+FFFE and U+FFFF, in a field's value or name, give a sheet XML can read, opened as written", async () => {
  const c = await createCampaignViaApi(f, { name: "nonchar" });
  const custom = { note: "a\uffffb", other: "c\ufffed", "key\uffff": "v", end: "_x0041\uffff" };
  // Through the public JSON add: its rules take the characters as they are.
  const add = await f.call({
    method: "POST",
    url: `/v1/campaigns/${c.id}/lists/${c.listId}/contacts`,
    payload: { contacts: [{ phone: "+12125550199", custom }] },
  });
  assert.equal(add.statusCode, 200, add.body);
  assert.equal(add.json().inserted, 1, add.body);
  const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=xlsx` });
  assert.equal(res.statusCode, 200);
  const xml = await sheetXml(res.rawPayload);
  const bad = NOT_XML_CHAR.exec(xml);
  assert.equal(bad, null, `a character XML cannot carry in the sheet at ${bad?.index}`);
  const texts = writtenTexts(xml).map(asExcelReads);
  for (const text of [...Object.values(custom), "key\uffff"])
    assert.ok(
      texts.includes(text),
      `${JSON.stringify(text)} as Excel reads it; texts: ${JSON.stringify(texts)}`,
    );
});

test("XLSX: a literal _xHHHH_ next to an escape or overlapping another opens as written", async () => {
  // "_x000B" then U+0001: the "_" begins an escape only once U+0001 is written _x0001_. "_x005F_x005F_": the
  // second "_" begins one once the first is written _x005F_.
  const values = ["_x000B\u0001", "_x0041\uffff", "_x005F_x005F_", "a_x0041_x0042_b"];
  async function* rows() {
    yield values;
  }
  const xml = await sheetXml(await streamed(xlsxStream("s", ["a", "b", "c", "d"], rows(), ignoreError)));
  const texts = writtenTexts(xml).map(asExcelReads);
  for (const value of values)
    assert.ok(
      texts.includes(value),
      `${JSON.stringify(value)} as Excel reads it; texts: ${JSON.stringify(texts)}`,
    );
});

test("XLSX: a cell cut to Excel's limit is cut before an escape, not inside one, and counts its characters", async () => {
  // Each \v is written as seven units (_x000B_): 5,000 of them are 35,000, over the 32,767 a cell holds. The
  // seven leads put the cut at each place inside an escape in turn.
  const leads = Array.from({ length: 7 }, (_, k) => "a".repeat(k));
  async function* rows() {
    for (const lead of leads) yield [`${lead}${"\u000b".repeat(5000)}`];
  }
  const xml = await sheetXml(await streamed(xlsxStream("s", ["long"], rows(), ignoreError)));
  const cells = writtenTexts(xml).slice(1);
  assert.equal(cells.length, leads.length);
  for (const [k, written] of cells.entries()) {
    const lead = leads[k];
    assert.ok(written.length <= XLSX_MAX_CELL_CHARS, `row ${k + 1}: ${written.length} units written`);
    const read = asExcelReads(written);
    const mark = `… [cut: ${lead.length + 5000} characters]`;
    assert.ok(read.endsWith(mark), `row ${k + 1} ends ${JSON.stringify(read.slice(-40))}, not with ${mark}`);
    const kept = read.slice(0, -mark.length);
    assert.equal(
      kept,
      lead + "\u000b".repeat(kept.length - lead.length),
      `row ${k + 1}: the cut left part of an escape: ${JSON.stringify(kept.slice(-12))}`,
    );
    // Nothing more is left out than the escape the cut fell in.
    assert.ok(written.length > XLSX_MAX_CELL_CHARS - 7, `row ${k + 1}: ${written.length} units written`);
  }
});
