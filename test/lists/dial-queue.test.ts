// Imported contacts that are due now go straight into the dial queue (ready = 1, no wait_reason), so the
// dispatcher claims them without a promotion pass; a start time still ahead keeps a contact waiting with
// wait_reason 'start_at'. Checked for the CSV import (on this thread and in the worker) and the JSON add.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addContacts, importCsv } from "../../src/lists/import.ts";
import { contactRows, fixture, NOW, streamOf, target } from "./helpers.ts";

const NOW_S = NOW / 1000;
const CSV = [
  "phone,start_at",
  "+79161234567,", // no start: due now
  `+79161234568,${NOW_S - 3600}`, // started an hour ago: due now, not in the past
  `+79161234569,${NOW_S}`, // exactly now: due
  `+79161234570,${NOW_S + 3600}`, // an hour ahead: waits
  "",
].join("\n");

function queueState(rows: Awaited<ReturnType<typeof contactRows>>) {
  return rows.map((r) => [r.phone, r.ready, r.wait_reason, r.next_attempt_at, r.status]);
}

const EXPECTED = [
  ["+79161234567", 1, null, NOW, "pending"],
  ["+79161234568", 1, null, NOW, "pending"],
  ["+79161234569", 1, null, NOW, "pending"],
  ["+79161234570", 0, "start_at", NOW + 3_600_000, "pending"],
];

for (const worker of [false, true]) {
  test(`CSV import (${worker ? "worker thread" : "inline"}): due contacts are ready, later ones wait for start_at`, async () => {
    const f = await fixture();
    const report = await importCsv(f.store, { ...target(f), worker }, streamOf(CSV, 16));
    assert.equal(report.inserted, 4);
    assert.deepEqual(queueState(await contactRows(f)), EXPECTED);
  });
}

test("JSON bulk add: due contacts are ready, later ones wait for start_at", async () => {
  const f = await fixture();
  const report = await addContacts(f.store, target(f), [
    { phone: "+79161234567" },
    { phone: "+79161234568", start_at: NOW - 3_600_000 },
    { phone: "+79161234569", start_at: NOW },
    { phone: "+79161234570", start_at: NOW + 3_600_000 },
  ]);
  assert.equal(report.inserted, 4);
  assert.deepEqual(queueState(await contactRows(f)), EXPECTED);
});
