// With a column mapping "only the mapped columns are used", so a value over maxFieldLength (1,024
// characters) in a column the mapping leaves out is not read and fails nothing: it made the whole file a
// 400 field_too_long naming that column (a CRM export's long "notes" could not be imported however it was
// mapped). A mapped column, or any column without a mapping (each one is a field then), is still held to
// the limit. A do-not-call import reads only its phone columns, and likewise checks only those.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiFixture, apiFixture } from "../api/helpers.ts";
import { contactRows, fixture, rejects, run } from "./helpers.ts";

const NOTES = "call after lunch. ".repeat(120); // 2,160 characters

describe("a long value in a column the mapping leaves out", () => {
  test("with a header: the import goes through, the mapped columns stored", async () => {
    const f = await fixture();
    const csv = `phone,name,notes\n+14155550100,Ann,"${NOTES}"\n+14155550101,Bob,short\n`;
    const report = await run(f, csv, { columns: { phone: ["phone"], custom: ["name"] } });
    assert.equal(report.inserted, 2, JSON.stringify(report));
    assert.deepEqual(
      (await contactRows(f)).map((r) => JSON.parse(r.custom)),
      [{ name: "Ann" }, { name: "Bob" }],
    );
  });

  test("without a header: only the mapped positions are read", async () => {
    const f = await fixture();
    const csv = `+14155550100,"${NOTES}",Ann\n`;
    const report = await run(f, csv, { header: false, columns: { phone: ["1"], custom: ["3"] } });
    assert.equal(report.inserted, 1, JSON.stringify(report));
    assert.deepEqual(
      (await contactRows(f)).map((r) => JSON.parse(r.custom)),
      [{ 3: "Ann" }],
    );
  });

  test("a mapped column, or any column without a mapping, is still held to the limit", async () => {
    const csv = `phone,name,notes\n+14155550100,Ann,"${NOTES}"\n`;
    await rejects(run(await fixture(), csv, { columns: { phone: ["phone"], custom: ["name", "notes"] } }), {
      code: "field_too_long",
      field: "notes",
    });
    await rejects(run(await fixture(), csv), { code: "field_too_long", field: "notes" });
    await rejects(run(await fixture(), `+14155550100,"${NOTES}"\n`, { header: false }), {
      code: "field_too_long",
      field: "2",
    });
  });
});

describe("a do-not-call import", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  test("reads the phone column alone: a long note beside it fails nothing", async () => {
    const res = await f.call({
      method: "POST",
      url: "/v1/dnc/import",
      headers: { "content-type": "text/csv" },
      payload: `phone,notes\n+14155550100,"${NOTES}"\n`,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().added, 1);
    const long = await f.call({
      method: "POST",
      url: "/v1/dnc/import",
      headers: { "content-type": "text/csv" },
      payload: `phone,notes\n"${NOTES}",x\n`,
    });
    assert.equal(long.statusCode, 400, long.body);
    assert.deepEqual([long.json().error.code, long.json().error.field], ["field_too_long", "phone"]);
  });
});
