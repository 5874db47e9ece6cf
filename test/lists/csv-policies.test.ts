// importCsv's policies and limits against a real in-memory SQLite store, and the promise that a failed
// import writes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addContacts } from "../../src/lists/import.ts";
import { contactRows, countContacts, fixture, rejects, run, target } from "./helpers.ts";

const withBadPhones = "phone,name\n+79161234567,a\nnot-a-phone,b\n+7916,c\n+79161234568,d\n";

test("invalid phones, policy reject: 400 naming the row, nothing written", async () => {
  const f = await fixture();
  await rejects(run(f, withBadPhones, { phonePolicy: "reject" }), {
    code: "invalid_phone",
    status: 400,
    row: 2,
    field: "phone",
  });
  assert.equal(await countContacts(f), 0);
});

test("invalid phones, policy skip: the exact rows are listed", async () => {
  const f = await fixture();
  const report = await run(f, withBadPhones, { phonePolicy: "skip" });
  assert.deepEqual(report, {
    rows: 4,
    inserted: 2,
    skipped: 2,
    flagged: 0,
    errorsTruncated: false,
    errors: [
      {
        row: 2,
        field: "phone",
        code: "invalid_phone",
        message: "not a phone number (or no country: use +code or a default country)",
        value: "not-a-phone",
      },
      {
        row: 3,
        field: "phone",
        code: "invalid_phone",
        message: "not a valid RU phone number",
        value: "+7916",
      },
    ],
  });
  assert.deepEqual(
    (await contactRows(f)).map((r) => r.phone),
    ["+79161234567", "+79161234568"],
  );
});

test("invalid phones, policy flag: rows kept with the raw phone and flagged=1", async () => {
  const f = await fixture();
  const report = await run(f, withBadPhones, { phonePolicy: "flag" });
  assert.equal(report.inserted, 4);
  assert.equal(report.flagged, 2);
  assert.equal(report.skipped, 0);
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.code]),
    [
      [2, "invalid_phone"],
      [3, "invalid_phone"],
    ],
  );
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => [r.phone, r.phones, r.flagged, r.time_zone]),
    [
      ["+79161234567", '["+79161234567"]', 0, null],
      ["not-a-phone", '["not-a-phone"]', 1, null],
      ["+7916", '["+7916"]', 1, null],
      ["+79161234568", '["+79161234568"]', 0, null],
    ],
  );
});

const withDuplicates = "phone,name\n+79161234567,a\n8 916 123-45-67,b\n+79161234568,c\n";

test("duplicates within the file under each policy", async () => {
  const allow = await fixture();
  assert.equal(
    (await run(allow, withDuplicates, { defaultCountry: "RU", duplicatePolicy: "allow" })).inserted,
    3,
  );

  const skip = await fixture();
  assert.deepEqual(await run(skip, withDuplicates, { defaultCountry: "RU", duplicatePolicy: "skip" }), {
    rows: 3,
    inserted: 2,
    skipped: 1,
    flagged: 0,
    errorsTruncated: false,
    errors: [
      {
        row: 2,
        field: "phone",
        code: "duplicate_phone",
        message: "the phone repeats an earlier row",
        value: "+79161234567",
      },
    ],
  });

  const reject = await fixture();
  await rejects(run(reject, withDuplicates, { defaultCountry: "RU", duplicatePolicy: "reject" }), {
    code: "duplicate_phone",
    status: 400,
    row: 2,
    field: "phone",
  });
  assert.equal(await countContacts(reject), 0);
});

test("duplicates against contacts already in the campaign under each policy", async () => {
  const f = await fixture();
  await run(f, "phone\n+79161234567\n");
  const next = "phone,name\n+79161234568,new\n+79161234567,again\n";
  assert.deepEqual(await run(f, next, { duplicatePolicy: "skip" }), {
    rows: 2,
    inserted: 1,
    skipped: 1,
    flagged: 0,
    errorsTruncated: false,
    errors: [
      {
        row: 2,
        field: "phone",
        code: "duplicate_phone",
        message: "the campaign already has a contact with this phone",
        value: "+79161234567",
      },
    ],
  });
  await rejects(run(f, "phone\n+79161234569\n+79161234567\n", { duplicatePolicy: "reject" }), {
    code: "duplicate_phone",
    row: 2,
  });
  assert.equal(await countContacts(f), 2, "the rejected import added nothing");
  assert.equal((await run(f, "phone\n+79161234567\n", { duplicatePolicy: "allow" })).inserted, 1);
  assert.equal(await countContacts(f), 3);
});

test("a repeated external_id is skipped and reported, or rejects the import", async () => {
  const f = await fixture();
  await run(f, "phone,id\n+79161234567,X1\n");
  const report = await run(f, "phone,id\n+79161234568,X1\n+79161234569,X2\n+79161234560,X2\n", {
    duplicatePolicy: "allow",
  });
  assert.deepEqual(report.errors, [
    {
      row: 1,
      field: "external_id",
      code: "duplicate_external_id",
      message: "the campaign already has a contact with this external_id",
      value: "X1",
    },
    {
      row: 3,
      field: "external_id",
      code: "duplicate_external_id",
      message: "external_id repeats an earlier row",
      value: "X2",
    },
  ]);
  assert.equal(report.inserted, 1);
  await rejects(run(f, "phone,id\n+79161234561,X1\n", { duplicatePolicy: "reject" }), {
    code: "duplicate_external_id",
    row: 1,
  });
  assert.equal(await countContacts(f), 2);
});

test("a row set aside for its stored phone claims no external_id: the next row with it is the contact", async () => {
  const f = await fixture();
  await run(f, "phone\n+79161234567\n");
  const csv = "phone,id\n+79161234567,W\n+79161234568,W\n+79161234569,W\n";
  const report = await run(f, csv);
  assert.deepEqual(
    [report.inserted, report.errors.map((e) => [e.row, e.code, e.message])],
    [
      1,
      [
        [1, "duplicate_phone", "the campaign already has a contact with this phone"],
        [3, "duplicate_external_id", "external_id repeats an earlier row"],
      ],
    ],
  );
  assert.deepEqual(
    (await contactRows(f)).map((r) => [r.phone, r.external_id]),
    [
      ["+79161234567", null],
      ["+79161234568", "W"],
    ],
  );
});

test("limits: bytes → 413 payload_too_large, rows → 413 too_many_rows, field length → 400; nothing written", async () => {
  const f = await fixture();
  const body = `phone,name\n${Array.from({ length: 50 }, (_, i) => `+7916123${String(4500 + i)},n${i}`).join("\n")}\n`;
  await rejects(run(f, body, { maxBytes: 100 }), { code: "payload_too_large", status: 413 });
  await rejects(run(f, body, { maxRows: 10 }), { code: "too_many_rows", status: 413, row: 11 });
  const long = `phone,note\n+79161234567,ok\n+79161234568,${"x".repeat(1025)}\n`;
  const err = await rejects(run(f, long), { code: "field_too_long", status: 400, row: 2, field: "note" });
  assert.match(err.message, /row 2, column "note"/);
  assert.equal((await run(f, long, { maxFieldLength: 2000 })).inserted, 2);
  assert.equal(await countContacts(f), 2);
});

test("the field limit counts characters, not UTF-16 units; a value far past it is field_too_long too", async () => {
  const f = await fixture();
  const astral = "\u{1F600}"; // one character, two UTF-16 units
  const fits = `phone,note\n+79161234567,${astral.repeat(1024)}\n`;
  assert.equal((await run(f, fits)).inserted, 1, "1,024 characters (2,048 units) are within 1,024");
  const over = `phone,note\n+79161234568,${astral.repeat(1025)}\n`;
  await rejects(run(f, over), { code: "field_too_long", status: 400, row: 1, field: "note" });
  // Past the parser's own cap on a row (it keeps a runaway quote from holding the upload in memory).
  const huge = `phone,note\n+79161234569,ok\n+79161234560,${"x".repeat(400_000)}\n`;
  const err = await rejects(run(f, huge), { code: "field_too_long", status: 400, row: 2 });
  assert.match(err.message, /row 2 \(line 3\): a value is longer than 1024 characters/);
  assert.equal(await countContacts(f), 1);
  // In the header: row 0, as a header name over the limit is.
  await rejects(run(f, `phone,${"n".repeat(400_000)}\n+79161234562,x\n`), { code: "field_too_long", row: 0 });
  // The JSON bulk add counts the same way.
  const added = await addContacts(f.store, { ...target(f) }, [
    { phone: "+79161234561", custom: { note: astral.repeat(1024) } },
  ]);
  assert.equal(added.inserted, 1);
});

test("a bad zone: 400 naming row and field time_zone under reject, a skipped row otherwise", async () => {
  const f = await fixture();
  const csv = "phone,tz\n+79161234567,Europe/Moscow\n+79161234568,Mars/Olympus\n+79161234569,+03:60\n";
  const err = await rejects(run(f, csv, { phonePolicy: "reject" }), {
    code: "invalid_time_zone",
    status: 400,
    row: 2,
    field: "time_zone",
  });
  assert.match(err.message, /Mars\/Olympus/);
  assert.equal(await countContacts(f), 0);
  for (const phonePolicy of ["skip", "flag"] as const) {
    const g = await fixture();
    const report = await run(g, csv, { phonePolicy });
    assert.equal(report.inserted, 1);
    assert.equal(report.flagged, 0);
    assert.deepEqual(
      report.errors.map((e) => [e.row, e.field, e.code, e.value]),
      [
        [2, "time_zone", "invalid_time_zone", "Mars/Olympus"],
        [3, "time_zone", "invalid_time_zone", "+03:60"],
      ],
    );
  }
});

/** The stored contacts as [phone, external_id, custom.name]. */
async function stored(f: Awaited<ReturnType<typeof fixture>>) {
  return (await contactRows(f)).map((c) => [c.phone, c.external_id, JSON.parse(c.custom).name ?? null]);
}

test("a row set aside at commit for its external_id does not hold its phone against later rows", async () => {
  const f = await fixture();
  const csv = [
    "phone,external_id,name",
    "+12125550101,A,first",
    "+12125550102,A,same id as row 1",
    "+12125550102,,the person of row 2",
    "+12125550101,B,phone of row 1",
    "+12125550101,,phone of row 1 again",
    "+12125550103,C,c",
    "+12125550103,D,phone of row 6",
  ].join("\n");
  const report = await run(f, csv);
  const dup = (row: number, value: string) => ({
    row,
    field: "phone",
    code: "duplicate_phone",
    message: "the phone repeats an earlier row",
    value,
  });
  assert.deepEqual(report, {
    rows: 7,
    inserted: 3,
    skipped: 4,
    flagged: 0,
    errorsTruncated: false,
    errors: [
      {
        row: 2,
        field: "external_id",
        code: "duplicate_external_id",
        message: "external_id repeats an earlier row",
        value: "A",
      },
      dup(4, "+12125550101"),
      dup(5, "+12125550101"),
      dup(7, "+12125550103"),
    ],
  });
  assert.deepEqual(await stored(f), [
    ["+12125550101", "A", "first"],
    ["+12125550102", null, "the person of row 2"],
    ["+12125550103", "C", "c"],
  ]);

  // An external_id the campaign holds already; a kept (flagged) phone the same way.
  const g = await fixture();
  await run(g, "phone,external_id\n+12125550199,X\n555-HELP,Y\n", { phonePolicy: "flag" });
  const next = await run(g, "phone,external_id\n+12125550103,X\n+12125550103,\n555-CALL,Y\n555-CALL,\n", {
    phonePolicy: "flag",
  });
  assert.deepEqual(
    [next.inserted, next.skipped, next.flagged, next.errors.map((e) => [e.row, e.code])],
    [
      2,
      2,
      1,
      [
        [1, "duplicate_external_id"],
        [3, "duplicate_external_id"],
        [4, "invalid_phone"],
      ],
    ],
  );
  assert.deepEqual(
    (await stored(g)).map((c) => c.slice(0, 2)),
    [
      ["+12125550199", "X"],
      ["555-HELP", "Y"],
      ["+12125550103", null],
      ["555-CALL", null],
    ],
  );
  // duplicatePolicy reject still refuses a phone repeating a row that is kept.
  const h = await fixture();
  await rejects(run(h, "phone,external_id\n+12125550101,A\n+12125550101,\n", { duplicatePolicy: "reject" }), {
    code: "duplicate_phone",
    row: 2,
  });
  assert.equal(await countContacts(h), 0);
});

test("phone_policy=flag: only rows kept are reported as kept as written", async () => {
  const f = await fixture();
  const report = await run(f, "phone,time_zone\n12345,Mars/Olympus\n555-CALL,\n555-CALL,\n", {
    phonePolicy: "flag",
  });
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.code, e.message.endsWith("kept as written and flagged")]),
    [
      [1, "invalid_time_zone", false],
      [2, "invalid_phone", true],
      [3, "duplicate_phone", false],
    ],
  );
  assert.deepEqual([report.inserted, report.flagged], [1, 1]);
  // Set aside at commit (the campaign has the phone): not kept either.
  const again = await run(f, "phone\n555-CALL\n", { phonePolicy: "flag" });
  assert.deepEqual(
    [again.inserted, again.flagged, again.errors.map((e) => e.code)],
    [0, 0, ["duplicate_phone"]],
  );
});

test("a phone of control characters only is no phone: missing_phone, under every policy, on either parse path", async () => {
  for (const [worker, phonePolicy] of [
    [false, "flag"],
    [true, "flag"],
    [false, "skip"],
    [true, "skip"],
  ] as const) {
    const f = await fixture();
    const report = await run(f, "phone,name\n+12125550100,a\n\u0001\u0002,b\n\u0003,+12125550101\n", {
      phonePolicy,
      worker,
    });
    assert.deepEqual(
      [report.inserted, report.flagged, report.errors.map((e) => [e.row, e.code])],
      [
        1,
        0,
        [
          [2, "missing_phone"],
          [3, "missing_phone"],
        ],
      ],
      `worker: ${worker}, ${phonePolicy}`,
    );
    assert.deepEqual(
      (await contactRows(f)).map((c) => c.phone),
      ["+12125550100"],
    );
  }
});

test("an external_id over 1,000 UTF-8 bytes, a kept phone over 64 characters and a priority beyond 32 bits are invalid rows", async () => {
  const f = await fixture();
  const longId = "中".repeat(334); // 1,002 bytes
  const csv = [
    "phone,external_id,priority",
    `+12125550101,${"中".repeat(333)},-2147483648`,
    `+12125550102,${longId},`,
    "+12125550103,,2147483647",
    "+12125550104,,2147483648",
    "+12125550105,,-2147483649",
    `${"9".repeat(63)}x,,`,
    `${"9".repeat(64)}x,,`,
  ].join("\n");
  const report = await run(f, csv, { phonePolicy: "flag" });
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.field, e.code]),
    [
      [2, "external_id", "invalid_external_id"],
      [4, "priority", "invalid_priority"],
      [5, "priority", "invalid_priority"],
      [6, "phone", "invalid_phone"],
      [7, "phone", "invalid_phone"],
    ],
  );
  assert.match(report.errors[0].message, /1000 bytes/);
  assert.match(report.errors[3].message, /kept as written and flagged/);
  assert.match(report.errors[4].message, /too long to keep as written/);
  assert.deepEqual([report.inserted, report.skipped, report.flagged], [3, 4, 1]);
  assert.deepEqual(
    (await contactRows(f)).map((c) => [c.priority, c.phone.length]),
    [
      [-2147483648, 12],
      [2147483647, 12],
      [0, 64],
    ],
  );
  await rejects(run(f, `phone,external_id\n+12125550109,${longId}\n`, { phonePolicy: "reject" }), {
    code: "invalid_external_id",
    row: 1,
  });
});

test("columns with no name in the header row: no field, no duplicate; a value under one is an invalid row", async () => {
  const f = await fixture();
  // Spreadsheets end every line with the empty cells of formatted columns.
  const report = await run(
    f,
    "phone,name,,\n+79161234567,Ann,,\n+79161234568,Bob,, \n+79161234569,Cy,,VIP\n",
  );
  assert.deepEqual(
    [report.inserted, report.skipped, report.errors],
    [
      2,
      1,
      [
        {
          row: 3,
          field: "column 4",
          code: "unnamed_column",
          message: "column 4 has no name in the header row: its cells must be empty (name it to import it)",
        },
      ],
    ],
  );
  assert.deepEqual(
    (await contactRows(f)).map((r) => [r.phone, JSON.parse(r.custom)]),
    [
      ["+79161234567", { name: "Ann" }],
      ["+79161234568", { name: "Bob" }],
    ],
  );
  // Under phone_policy reject, the import fails on it and writes nothing.
  const g = await fixture();
  await rejects(run(g, "phone,\n+79161234567,\n+79161234568,x\n", { phonePolicy: "reject" }), {
    code: "unnamed_column",
    row: 2,
  });
  assert.equal(await countContacts(g), 0);
});
