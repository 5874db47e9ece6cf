// Under phone_policy=flag a phone that is not valid is kept as written, and the duplicate check within the
// import keyed every first phone that looked like E.164 (/^\+\d{1,15}$/) by its digits as a number, kept
// texts included: "+0442071838750" (typed with the trunk 0 after the country code, kept flagged for a person
// to fix) became the key of the valid "+442071838750" and was skipped as duplicate_phone of a row with
// another phone (the commit's stored-contacts check compares texts and would keep it). Now only a number
// that parsed is keyed by its digits; a kept text is keyed by the text, so it repeats only the same text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { contactRows, fixture, run } from "./helpers.ts";

test("a flagged '+0…' text is not a duplicate of the valid number without the 0, either way round", async () => {
  for (const csv of [
    "phone,name\n+442071838750,Ann\n+0442071838750,Bob\n",
    "phone,name\n+0442071838750,Bob\n+442071838750,Ann\n",
  ]) {
    const f = await fixture();
    const report = await run(f, csv, { phonePolicy: "flag" });
    const rows = await contactRows(f);
    assert.deepEqual(
      rows.map((r) => [r.phone, r.flagged]),
      csv.startsWith("phone,name\n+44")
        ? [
            ["+442071838750", 0],
            ["+0442071838750", 1],
          ]
        : [
            ["+0442071838750", 1],
            ["+442071838750", 0],
          ],
      JSON.stringify(report),
    );
    assert.deepEqual([report.inserted, report.skipped, report.flagged], [2, 0, 1]);
    await f.store.close();
  }
});

test("the same kept text twice, or one number written two ways, is a duplicate; a look-alike text is not", async () => {
  const f = await fixture();
  const csv =
    "phone,external_id\n+0442071838750,\n+0442071838750,\n+44 20 7183 8750,\n+442071838750,\n+0442071838750,x\n";
  const report = await run(f, csv, { phonePolicy: "flag" });
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => r.phone),
    ["+0442071838750", "+442071838750"],
  );
  assert.deepEqual(
    report.errors.filter((e) => e.code === "duplicate_phone").map((e) => e.row),
    [2, 4, 5],
  );
  await f.store.close();
});
