// A 200,000-row generated stream goes through the worker thread and the batched writer intact.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { countContacts, fixture, target } from "./helpers.ts";

function* csvChunks(rows: number): Generator<Buffer> {
  yield Buffer.from("phone,first_name,city,amount\n");
  const formats = [
    (n: number) => `+7 916 ${String(n).padStart(7, "0")}`,
    (n: number) => `8 (926) ${String(n).padStart(7, "0")}`,
    (n: number) => `+1 212 555 ${String(n % 10_000).padStart(4, "0")}`,
  ];
  let text = "";
  for (let i = 0; i < rows; i++) {
    // Unique numbers except the US ones, whose 10,000 values repeat: those repeats are skipped.
    text += `${formats[i % 3](i)},Name${i},"City, ${i % 50}",${i * 3}\n`;
    if (text.length > 60_000) {
      yield Buffer.from(text);
      text = "";
    }
  }
  yield Buffer.from(text);
}

test("a 200,000-row stream is imported through the worker", async () => {
  const f = await fixture();
  const rows = 200_000;
  const report = await importCsv(
    f.store,
    { ...target(f), defaultCountry: "RU" },
    Readable.from(csvChunks(rows)),
  );
  const seen = new Set<number>();
  let repeatedUs = 0;
  for (let i = 2; i < rows; i += 3) {
    if (seen.has(i % 10_000)) repeatedUs++;
    else seen.add(i % 10_000);
  }
  assert.equal(report.rows, rows);
  assert.equal(report.skipped, repeatedUs);
  assert.equal(report.inserted, rows - repeatedUs);
  assert.equal(report.errors.length, Math.min(repeatedUs, 10_000));
  assert.equal(report.errorsTruncated, repeatedUs > 10_000);
  assert.equal(await countContacts(f), rows - repeatedUs);
});
