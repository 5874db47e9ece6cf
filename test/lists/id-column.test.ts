// A file with both a generic `id` column and one named `external_id` (the results export's own header:
// id, external_id, phone, phones, …) took external_id from the first aliased column in file order, `id`:
// outdial's row ids were stored as external_ids, the CRM's own moved to custom fields, and a re-import
// refused real contacts as duplicate_external_id. A field now takes its most telling alias first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveColumns } from "../../src/lists/columns.ts";
import { contactRows, fixture, run } from "./helpers.ts";

test("an export-shaped file keeps the column named external_id as the external_id", async () => {
  const f = await fixture();
  const csv = [
    "id,external_id,phone,phones,status,attempts,name",
    "17,CRM-0001,+79161234567,+79161234567,completed,1,Ann",
    "18,CRM-0002,+79161234568,+79161234568,failed,3,Bob",
  ].join("\n");
  const report = await run(f, csv);
  assert.equal(report.inserted, 2, JSON.stringify(report.errors));
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => [r.external_id, JSON.parse(r.custom)]),
    [
      ["CRM-0001", { id: "17", status: "completed", attempts: "1", name: "Ann" }],
      ["CRM-0002", { id: "18", status: "failed", attempts: "3", name: "Bob" }],
    ],
  );
});

test("re-importing an export whose id column holds outdial's row ids refuses no contact as a duplicate", async () => {
  const f = await fixture();
  await run(f, "external_id,phone\n1,+79160000001\n2,+79160000002\n");
  const report = await run(f, "id,external_id,phone\n1,CRM-9,+79160000009\n2,CRM-8,+79160000008\n");
  assert.deepEqual(
    { inserted: report.inserted, skipped: report.skipped },
    { inserted: 2, skipped: 0 },
    JSON.stringify(report.errors),
  );
});

test("every single field takes its aliases in their order, not the file's; the others stay custom", () => {
  assert.deepEqual(resolveColumns(["uuid", "ID", "External ID", "phone"], undefined), {
    phone: ["phone"],
    external_id: "External ID",
    custom: ["uuid", "ID"],
  });
  assert.deepEqual(resolveColumns(["uuid", "id", "phone"], undefined), {
    phone: ["phone"],
    external_id: "id",
    custom: ["uuid"],
  });
  assert.deepEqual(resolveColumns(["gmtZone", "tz", "Time Zone", "phone"], undefined), {
    phone: ["phone"],
    time_zone: "Time Zone",
    custom: ["gmtZone", "tz"],
  });
  // A lone alias is taken as before; phones stay all taken, in file order.
  assert.deepEqual(resolveColumns(["mobile", "id", "phone2", "tz"], undefined), {
    phone: ["mobile", "phone2"],
    external_id: "id",
    time_zone: "tz",
    custom: [],
  });
});
