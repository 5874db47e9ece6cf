// Tuple batches packed by the import worker come back on the main thread exactly as they were.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ContactRules, ROW_STRIDE } from "../../src/lists/contact-rules.ts";
import { packRows, unpackRows } from "../../src/lists/row-pack.ts";

test("packed rows unpack to the same tuples, nulls, numbers and any text included", () => {
  const rules = new ContactRules({
    defaultCountry: "RU",
    phonePolicy: "flag",
    duplicatePolicy: "allow",
    now: 0,
    startAtNumbers: "seconds",
    dailyFields: ["daily_from", "daily_to"],
  });
  const tuples: unknown[] = [];
  const inputs = [
    { phones: ["+79161234567"], customJson: "{}" },
    {
      phones: ["8 916 123-45-68", "+12125550123"],
      externalId: "ext\u00a0id ☎",
      timeZone: "+03:00",
      dailyFrom: "09:00",
      dailyTo: "18:30",
      startAt: "1700000000",
      priority: "-7",
      customJson: '{"note":"tab\\t \\u001f quote\\" Москва 𝄞"}',
    },
    { phones: ["not\u0001 a\u001e phone"], customJson: '{"a":""}' },
  ];
  for (const [i, input] of inputs.entries()) assert.ok(rules.accept(i + 1, input, tuples));
  assert.equal(tuples.length, 3 * ROW_STRIDE);
  assert.deepEqual(unpackRows(packRows(tuples)), tuples);
  assert.deepEqual(unpackRows(packRows([])), []);
});
