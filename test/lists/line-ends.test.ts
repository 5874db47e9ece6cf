// A file whose lines do not all end alike (a Windows-made header with rows appended by a Unix tool, or the
// reverse, or old Mac CRs): every line end outside quotes ends a row, CRLF as one, in the main thread and in
// the worker, on the fast parser and on csv-parse (a dialect the fast one does not take).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { contactRows, fixture, run, target } from "./helpers.ts";

const dialects = [
  { name: "fast parser", delimiter: ",", quote: '"' },
  // A two-character delimiter is csv-parse's.
  { name: "csv-parse", delimiter: ";;", quote: '"' },
];

for (const { name, delimiter } of dialects) {
  for (const worker of [false, true]) {
    test(`${name}${worker ? ", worker" : ""}: CRLF, LF and CR mixed, each ends a row; CR/LF inside quotes are data`, async () => {
      const f = await fixture();
      const body = [
        "phone,name\r\n",
        "+12125550101,Ann\n",
        "+12125550102,Bob\r\n",
        "+12125550103,Cy\r",
        '+12125550104,"two\r\nlines"\n',
        "\r\n\n",
        "+12125550105,Eve",
      ]
        .join("")
        .replaceAll(",", delimiter);
      const report = await run(f, body, { delimiter, worker });
      assert.equal(report.rows, 5, JSON.stringify(report));
      assert.equal(report.inserted, 5);
      const rows = await contactRows(f);
      assert.deepEqual(
        rows.map((r) => [r.phone, JSON.parse(r.custom).name]),
        [
          ["+12125550101", "Ann"],
          ["+12125550102", "Bob"],
          ["+12125550103", "Cy"],
          ["+12125550104", "two\r\nlines"],
          ["+12125550105", "Eve"],
        ],
      );
    });
  }
}

test("CRLF header, LF rows, phone_policy=flag: no merged phone is kept flagged", async () => {
  const f = await fixture();
  const report = await run(f, "phone\r\n+12125550101\n+12125550102\n", { phonePolicy: "flag" });
  assert.deepEqual([report.rows, report.inserted, report.flagged], [2, 2, 0]);
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => [r.phone, r.flagged]),
    [
      ["+12125550101", 0],
      ["+12125550102", 0],
    ],
  );
});

test("a CRLF cut between two chunks is one line end, not an empty row (1-byte chunks)", async () => {
  const f = await fixture();
  const bytes = Buffer.from("phone,name\r\n+12125550101,a\r\n+12125550102,b\n+12125550103,c\r\n");
  const chunks = [...bytes].map((b) => Buffer.from([b]));
  const report = await importCsv(f.store, target(f), Readable.from(chunks));
  assert.deepEqual([report.rows, report.inserted], [3, 3]);
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => JSON.parse(r.custom).name),
    ["a", "b", "c"],
  );
});
