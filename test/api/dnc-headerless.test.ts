// A do-not-call CSV without a header (header=false) reads its columns as positions, as a contact import
// does (lists/columns.ts resolvePositions): rows may be of any width (a later wider row is no
// malformed_csv, a shorter one has its missing phone cell empty), and phone_column may name a column only
// later rows have. With a header a row of another width is still malformed. A NUL (UTF-16 read as UTF-8)
// is bad_encoding with a hint to utf-16le/be, not to windows-1251.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import iconv from "iconv-lite";
import { DncBatch, readDncCsv } from "../../src/api/native/dnc-input.ts";
import { ImportError } from "../../src/lists/errors.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, errorOf } from "./helpers.ts";

const entry = { source: "csv", reason: null, expiresAt: null };

function read(csv: string | Buffer, opts: { header?: boolean; phoneColumns?: string[]; encoding?: string }) {
  const batch = new DncBatch({ phonePolicy: "skip" });
  readDncCsv(Buffer.isBuffer(csv) ? csv : Buffer.from(csv), { ...opts, maxRows: 100, entry }, batch);
  return batch;
}

describe("readDncCsv without a header", () => {
  test("a later row wider than the first is read, not refused", () => {
    const batch = read("+12125550100\n+12125550101,Ann\n+12125550102,Bob,x\n", { header: false });
    assert.deepEqual([...batch.entries.keys()], ["+12125550100", "+12125550101", "+12125550102"]);
    assert.deepEqual([batch.rows, batch.skipped], [3, 0]);
  });

  test("phone_column may name a column only later rows have; a row without it has no phone", () => {
    const batch = read("Ann\nBob,+12125550101\nCid,,+12125550102\n", {
      header: false,
      phoneColumns: ["2", "3"],
    });
    assert.deepEqual([...batch.entries.keys()], ["+12125550101", "+12125550102"]);
    assert.deepEqual(
      batch.issues.map((i) => [i.row, i.code, i.field]),
      [[1, "missing_phone", "2"]],
    );
  });

  test("a row shorter than the phone column has it empty (no crash)", () => {
    const batch = read("Ann,+12125550100\nBob\n", { header: false, phoneColumns: ["2"] });
    assert.deepEqual([...batch.entries.keys()], ["+12125550100"]);
    assert.deepEqual(
      batch.issues.map((i) => [i.row, i.code, i.field]),
      [[2, "missing_phone", "2"]],
    );
  });

  test("a column that is no position is refused as phone_column", () => {
    for (const wanted of ["0", "x", "16385"]) {
      assert.throws(
        () => read("+12125550100\n", { header: false, phoneColumns: [wanted] }),
        (err: unknown) =>
          err instanceof ImportError && err.code === "unknown_column" && err.field === "phone_column",
        wanted,
      );
    }
  });

  test("with a header a row of another width is still malformed", () => {
    assert.throws(
      () => read("phone\n+12125550100\n+12125550101,Ann\n", {}),
      (err: unknown) => err instanceof ImportError && err.code === "malformed_csv",
    );
  });

  test("a NUL is bad_encoding with a hint to UTF-16, and the file reads as utf-16le", () => {
    const utf16 = iconv.encode("phone\n+12125550100\n", "utf-16le");
    assert.throws(
      () => read(utf16, {}),
      (err: unknown) =>
        err instanceof ImportError &&
        err.code === "bad_encoding" &&
        err.field === "encoding" &&
        /NUL/.test(err.message) &&
        /encoding=utf-16le/.test(err.message) &&
        !/windows-1251/.test(err.message),
    );
    assert.deepEqual([...read(utf16, { encoding: "utf-16le" }).entries.keys()], ["+12125550100"]);
  });
});

for (const dialect of dialects()) {
  describe(`POST /v1/dnc/import?header=false [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());
    beforeEach(() => f.store.db.deleteFrom("dnc_numbers").execute());

    const csv = (body: string, query: string) =>
      f.call({
        method: "POST",
        url: `/v1/dnc/import${query}`,
        headers: { "content-type": "text/csv" },
        payload: body,
      });

    test("rows of any width; phone_column names a column only later rows have", async () => {
      const wider = await csv("+12125550100\n+12125550101,Ann\n", "?header=false");
      assert.equal(wider.statusCode, 200, wider.body);
      assert.equal(wider.json().added, 2);

      const later = await csv("Ann\nBob,+12125550102\n", "?header=false&phone_column=2");
      assert.equal(later.statusCode, 200, later.body);
      assert.deepEqual([later.json().added, later.json().skipped], [1, 1]);
      assert.equal(later.json().errors[0].code, "missing_phone");

      const beyond = await csv("+12125550100\n", "?header=false&phone_column=16385");
      assert.deepEqual(
        [beyond.statusCode, errorOf(beyond).code, errorOf(beyond).field],
        [400, "unknown_column", "phone_column"],
      );
    });
  });
}
