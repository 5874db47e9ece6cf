// addContacts (the JSON bulk add): the CSV import's rules, policies and report for JSON contacts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addContacts, ImportError } from "../../src/lists/import.ts";
import { contactRows, countContacts, fixture, NOW, target } from "./helpers.ts";

test("JSON contacts are stored like CSV rows, with ms start times and daily windows", async () => {
  const f = await fixture();
  const report = await addContacts(f.store, { ...target(f), defaultCountry: "RU" }, [
    { phone: "8 916 123-45-67", external_id: "c1", custom: { name: "Ann", vip: true, score: 7 } },
    {
      phones: ["+12125550123", "+13125550123"],
      time_zone: "America/Chicago",
      daily_window: { from: "13:00", to: "22:00" },
      start_at: NOW + 60_000,
      priority: -1,
    },
    { phone: 79161234568 as unknown as string, start_at: "2030-01-01T00:00:00+03:00" },
  ]);
  assert.deepEqual(report, {
    rows: 3,
    inserted: 3,
    skipped: 0,
    flagged: 0,
    errors: [],
    errorsTruncated: false,
  });
  const [a, b, c] = await contactRows(f);
  assert.deepEqual(
    [a.phone, a.external_id, JSON.parse(a.custom), a.time_zone],
    ["+79161234567", "c1", { name: "Ann", vip: "true", score: "7" }, null],
  );
  assert.deepEqual(
    [
      b.phones,
      b.phone_attempts,
      b.time_zone,
      b.daily_from_sec,
      b.daily_to_sec,
      b.start_at,
      b.next_attempt_at,
      b.priority,
    ],
    [
      '["+12125550123","+13125550123"]',
      "[0,0]",
      "America/Chicago",
      13 * 3600,
      22 * 3600,
      NOW + 60_000,
      NOW + 60_000,
      -1,
    ],
  );
  assert.equal(c.phone, "+79161234568");
  assert.equal(c.start_at, Date.UTC(2029, 11, 31, 21));
});

test("policies and duplicates apply to JSON contacts; a rejected request stores nothing", async () => {
  const f = await fixture();
  const contacts = [
    { phone: "+79161234567" },
    { phone: "oops" },
    { phone: "+79161234567" },
    { phone: "+79161234568", time_zone: "Nowhere/City" },
  ];
  const report = await addContacts(
    f.store,
    { ...target(f), phonePolicy: "skip", duplicatePolicy: "skip" },
    contacts,
  );
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.field, e.code]),
    [
      [2, "phone", "invalid_phone"],
      [3, "phone", "duplicate_phone"],
      [4, "time_zone", "invalid_time_zone"],
    ],
  );
  assert.deepEqual([report.rows, report.inserted, report.skipped], [4, 1, 3]);
  await assert.rejects(
    addContacts(f.store, { ...target(f), phonePolicy: "reject" }, [
      { phone: "+79161234569" },
      { phone: "nope" },
    ]),
    (err: unknown) =>
      err instanceof ImportError && err.status === 400 && err.row === 2 && err.field === "phone",
  );
  assert.equal(await countContacts(f), 1);
  const flagged = await addContacts(f.store, { ...target(f), phonePolicy: "flag" }, [{ phone: "12-34" }]);
  assert.deepEqual([flagged.inserted, flagged.flagged], [1, 1]);
});

test("more than 10,000 contacts → 413; a wrong type is an invalid row", async () => {
  const f = await fixture();
  const many = Array.from({ length: 10_001 }, (_, i) => ({ phone: `+7916${String(1_000_000 + i)}` }));
  await assert.rejects(
    addContacts(f.store, target(f), many),
    (err: unknown) => err instanceof ImportError && err.status === 413 && err.code === "too_many_contacts",
  );
  const report = await addContacts(f.store, target(f), [
    { phone: "+79161234567", custom: { nested: { no: 1 } as unknown as string } },
    { phone: "+79161234568", priority: "high" as unknown as number },
    { phone: "+79161234569", daily_window: { from: "9:00", to: "" } },
  ]);
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.field, e.code]),
    [
      [1, "custom.nested", "invalid_custom"],
      [2, "priority", "invalid_priority"],
      [3, "daily_window", "invalid_daily_window"],
    ],
  );
  assert.equal(await countContacts(f), 0);
  const big = await addContacts(f.store, target(f), many.slice(0, 10_000));
  assert.equal(big.inserted, 10_000);
});

test("a start time outside 1970–9999 is an invalid row, whatever its form", async () => {
  const f = await fixture();
  const report = await addContacts(f.store, { ...target(f) }, [
    { phone: "+12125550131", start_at: 1e20 },
    { phone: "+12125550132", start_at: "+275760-09-13T00:00:00Z" },
    { phone: "+12125550133", start_at: -1 },
    { phone: "+12125550134", start_at: "9999-12-31T23:59:59Z" },
  ]);
  assert.deepEqual(
    [report.inserted, report.skipped, report.errors.map((e) => [e.row, e.field, e.code])],
    [
      1,
      3,
      [
        [1, "start_at", "invalid_start_at"],
        [2, "start_at", "invalid_start_at"],
        [3, "start_at", "invalid_start_at"],
      ],
    ],
  );
  assert.equal(await countContacts(f), 1);
});
