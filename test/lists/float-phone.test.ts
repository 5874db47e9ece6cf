// A phone written as a spreadsheet's float ("4930123456.0": a numeric column with an empty cell is exported
// as floats) was read with the "." as punctuation and its 0 glued to the number: with default_country=DE
// +49301234560, a different, valid Berlin number, was stored and dialed with no report. Such a text (digits,
// a leading "+", then "." or "," and zeros only) is now read as the whole number it stands for; any other
// text with a decimal part is read as before.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizePhone, phoneAsWritten } from "../../src/lib/phone.ts";
import { contactRows, fixture, run } from "./helpers.ts";

test("CSV import: a float-formatted phone is stored as the number it stands for", async () => {
  const f = await fixture();
  const report = await run(
    f,
    'phone,name\n4930123456.0,Ann\n+43664123456.0,Bob\n 4930123457.00 ,Cid\n"4930123458,0",Dan\n',
    { defaultCountry: "DE" },
  );
  assert.deepEqual({ inserted: report.inserted, skipped: report.skipped }, { inserted: 4, skipped: 0 });
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => JSON.parse(r.phones)),
    [["+4930123456"], ["+43664123456"], ["+4930123457"], ["+4930123458"]],
  );
});

test("CSV import: a float-formatted phone in a multi-number cell is read the same way", async () => {
  const f = await fixture();
  const report = await run(f, "phone\n4930123456.0;+43664123456.0\n", { defaultCountry: "DE" });
  assert.equal(report.inserted, 1);
  const [row] = await contactRows(f);
  assert.deepEqual(JSON.parse(row.phones), ["+4930123456", "+43664123456"]);
});

test("only digits before the zeros are a float: other text with a decimal part is read as before", () => {
  assert.equal(phoneAsWritten("4930123456.0"), "4930123456");
  assert.equal(phoneAsWritten(" +43664123456.000 "), "+43664123456");
  assert.equal(phoneAsWritten("4930123456,0"), "4930123456");
  for (const kept of ["4930123456.5", "4930123456.01", "12345.0", "030 123456.0", "+49 30 123456.0", "0.0"])
    assert.equal(phoneAsWritten(kept), kept, kept);
  // The library's own reading is unchanged: the fast path and libphonenumber-js still agree on it.
  assert.deepEqual(normalizePhone("4930123456.0", "DE"), {
    ok: true,
    e164: "+49301234560",
    country: "DE",
  });
});
