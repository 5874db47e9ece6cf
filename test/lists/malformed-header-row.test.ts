// ImportError.row numbers the header 0 (src/lists/README.md), and the header's other whole-file errors keep
// to it (bad bytes: bad_encoding row 0; the parser's own size cap: field_too_long row 0). A malformed header
// (a quote left open, a stray quote, text after a closing quote) was malformed_csv at row 1, sending the
// user to the first data row, which is well formed. Now the row is 0 while the header has not been read,
// on the calling thread and in the parse worker alike (both run CsvContactParser), and a malformed data row
// still names its own row.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, rejects, run } from "./helpers.ts";

const BAD_HEADERS = [
  ["an unclosed quote", 'phone,"name\n+14155550100,Ann\n'],
  ["a stray quote", 'ph"one,name\n+14155550100,Ann\n'],
  ["text after a closing quote", 'phone,"name"x\n+14155550100,Ann\n'],
] as const;

for (const [what, csv] of BAD_HEADERS) {
  for (const worker of [false, true]) {
    test(`a header with ${what} is malformed_csv at row 0 (worker: ${worker})`, async () => {
      const f = await fixture();
      const err = await rejects(run(f, csv, { worker }), { code: "malformed_csv", status: 400 });
      assert.equal(err.row, 0, err.message);
      await f.store.close();
    });
  }
}

test("control: a malformed data row names its row; without a header the first row is row 1", async () => {
  const f = await fixture();
  await rejects(run(f, 'phone,name\n+14155550100,Ann\n+14155550101,B"ob\n'), {
    code: "malformed_csv",
    row: 2,
  });
  await rejects(run(f, 'ph"one,name\n', { header: false }), { code: "malformed_csv", row: 1 });
  await f.store.close();
});
