// importCsv against a real in-memory SQLite store: encodings, CSV dialects, column mapping and options.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import iconv from "iconv-lite";
import { ByteDecoder, resolveEncoding } from "../../src/lists/byte-decoder.ts";
import { importCsv } from "../../src/lists/import.ts";
import { contactRows, countContacts, fixture, NOW, rejects, run, streamOf, target } from "./helpers.ts";

const clean = { errors: [], errorsTruncated: false, skipped: 0, flagged: 0 };

test("UTF-8: rows become pending contacts exactly as the contract says", async () => {
  const f = await fixture({ attemptOrder: "repeated_attempts" });
  const csv = [
    "phone,external_id,time_zone,priority,daily_from,daily_to,start_at,first_name",
    "+7 916 123-45-67,A-1,GMT-03:00,5,09:00,18:30,,Иван",
    '"+1 (212) 555-0123",A-2,,,,,1893456000,"Smith, John"',
    "+44 20 7946 0958,,Europe/London,-2,,,2020-01-01T00:00:00Z,",
  ].join("\r\n");
  const report = await run(f, csv);
  assert.deepEqual(report, { ...clean, rows: 3, inserted: 3 });
  const rows = await contactRows(f);
  assert.equal(rows.length, 3);
  const [a, b, c] = rows;
  assert.deepEqual(
    {
      account_id: a.account_id,
      campaign_id: a.campaign_id,
      list_id: a.list_id,
      external_id: a.external_id,
      phones: a.phones,
      phone: a.phone,
      custom: JSON.parse(a.custom),
      time_zone: a.time_zone,
      daily_from_sec: a.daily_from_sec,
      daily_to_sec: a.daily_to_sec,
      start_at: a.start_at,
      priority: a.priority,
      status: a.status,
      ready: a.ready,
      order_class: a.order_class,
      attempts: a.attempts,
      phone_index: a.phone_index,
      phone_attempts: a.phone_attempts,
      retry_counts: a.retry_counts,
      next_attempt_at: a.next_attempt_at,
      flagged: a.flagged,
      created_at: a.created_at,
      updated_at: a.updated_at,
    },
    {
      account_id: f.accountId,
      campaign_id: f.campaignId,
      list_id: f.listId,
      external_id: "A-1",
      phones: '["+79161234567"]',
      phone: "+79161234567",
      custom: { first_name: "Иван" },
      time_zone: "UTC-03:00",
      daily_from_sec: 9 * 3600,
      daily_to_sec: 18 * 3600 + 1800,
      start_at: null,
      priority: 5,
      status: "pending",
      ready: 1, // due now: straight into the dial queue
      order_class: 1,
      attempts: 0,
      phone_index: 0,
      phone_attempts: "[0]",
      retry_counts: "{}",
      next_attempt_at: NOW,
      flagged: 0,
      created_at: NOW,
      updated_at: NOW,
    },
  );
  // A zone inferred from the number; a future start pushes next_attempt_at; a past one does not.
  assert.equal(b.time_zone, "America/New_York");
  assert.equal(b.start_at, 1893456000 * 1000);
  assert.equal(b.next_attempt_at, 1893456000 * 1000);
  assert.deepEqual(JSON.parse(b.custom), { first_name: "Smith, John" });
  assert.equal(c.time_zone, "Europe/London");
  assert.equal(c.priority, -2);
  assert.equal(c.start_at, Date.UTC(2020, 0, 1));
  assert.equal(c.next_attempt_at, NOW);
  assert.equal(c.external_id, null);
});

test("windows-1251: Cyrillic custom fields round-trip", async () => {
  const f = await fixture();
  const csv = "телефон;Имя;Город\n89161234567;Пётр Иванович;Москва\n";
  const report = await run(f, iconv.encode(csv, "windows-1251"), {
    encoding: "windows-1251",
    delimiter: ";",
    defaultCountry: "RU",
    columns: { phone: "телефон" },
  });
  assert.deepEqual(report, { ...clean, rows: 1, inserted: 1 });
  const [row] = await contactRows(f);
  assert.deepEqual(JSON.parse(row.custom), { Имя: "Пётр Иванович", Город: "Москва" });
  assert.equal(row.phone, "+79161234567");
});

test("UTF-16LE with a byte order mark, even when the encoding is not declared", async () => {
  for (const encoding of [undefined, "utf-16le"]) {
    const f = await fixture();
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode("phone\tname\n+79161234567\tЁлка\n", "utf-16le"),
    ]);
    const report = await run(f, bytes, { encoding, delimiter: "\t" });
    assert.deepEqual(report, { ...clean, rows: 1, inserted: 1 }, `encoding ${encoding}`);
    const [row] = await contactRows(f);
    assert.deepEqual(JSON.parse(row.custom), { name: "Ёлка" });
  }
});

test("a UTF-8 byte order mark is dropped from the first header name", async () => {
  const f = await fixture();
  const report = await run(f, "\ufeffphone,name\n+79161234567,x\n");
  assert.equal(report.inserted, 1);
  assert.deepEqual(JSON.parse((await contactRows(f))[0].custom), { name: "x" });
});

test("a byte order mark wins over the encoding declared: the file is read in the mark's encoding", async () => {
  const utf8 = Buffer.from("\ufeffphone,name\n+79161234567,Анна\n", "utf8");
  const utf16le = Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    iconv.encode("phone,name\n+79161234567,Анна\n", "utf-16le"),
  ]);
  const utf16be = Buffer.concat([
    Buffer.from([0xfe, 0xff]),
    iconv.encode("phone,name\n+79161234567,Анна\n", "utf-16be"),
  ]);
  for (const [label, bytes] of [
    ["UTF-8", utf8],
    ["UTF-16LE", utf16le],
    ["UTF-16BE", utf16be],
  ] as const) {
    for (const encoding of ["windows-1251", "koi8-r", "latin1", "gb18030", "big5", "utf-16le", "utf-8"]) {
      const f = await fixture();
      const report = await run(f, bytes, { encoding });
      assert.deepEqual(report, { ...clean, rows: 1, inserted: 1 }, `${label} file declared ${encoding}`);
      assert.deepEqual(
        JSON.parse((await contactRows(f))[0].custom),
        { name: "Анна" },
        `${label} as ${encoding}`,
      );
      await f.store.close();
    }
  }
});

test("a bad byte in the header is reported in the header (row 0), one in the first row as row 1", async () => {
  const f = await fixture();
  const header = Buffer.concat([
    Buffer.from("phone,"),
    iconv.encode("Имя", "windows-1251"),
    Buffer.from("\n"),
  ]);
  const body = Buffer.from("+79161234567,Ann\n");
  for (const worker of [false, true]) {
    const inHeader = await rejects(run(f, Buffer.concat([header, body]), { worker }), {
      code: "bad_encoding",
      row: 0,
      field: "encoding",
    });
    assert.match(inHeader.message, /^row 0 \(line 1\)/);
    const inRow = Buffer.concat([
      Buffer.from("phone,name\n+79161234567,"),
      iconv.encode("Имя", "windows-1251"),
    ]);
    await rejects(run(f, inRow, { worker }), { code: "bad_encoding", row: 1 });
    // Without a header the first line is data row 1.
    await rejects(run(f, Buffer.concat([header, body]), { worker, header: false }), {
      code: "bad_encoding",
      row: 1,
    });
  }
  assert.equal(await countContacts(f), 0);
});

test("windows-1251 bytes declared as UTF-8: 400 bad_encoding naming the row, nothing written", async () => {
  const f = await fixture();
  const bytes = Buffer.concat([
    Buffer.from("phone,name\n+79161234567,ok\n+79161234568,fine\n"),
    iconv.encode("+79161234569,Иван\n", "windows-1251"),
  ]);
  for (const worker of [false, true]) {
    const err = await rejects(run(f, bytes, { worker }), {
      code: "bad_encoding",
      status: 400,
      row: 3,
      field: "encoding",
    });
    assert.match(err.message, /row 3/);
  }
  assert.equal(await countContacts(f), 0);
});

test("a lone UTF-16 surrogate, or a character cut by the end of the file: 400 bad_encoding", async () => {
  const f = await fixture();
  const utf16 = (text: string) => iconv.encode(text, "utf-16le");
  const lone = [0x00, 0xd8]; // a high surrogate without its low half
  const cases: [string, Buffer, string | undefined][] = [
    [
      "UTF-16 mark",
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        utf16("phone,n\n+79161234567,A"),
        Buffer.from(lone),
        utf16("B\n"),
      ]),
      undefined,
    ],
    [
      "UTF-16LE declared",
      Buffer.concat([utf16("phone,n\n+79161234567,A"), Buffer.from(lone), utf16("B\n")]),
      "utf-16le",
    ],
    ["UTF-16LE, last", Buffer.concat([utf16("phone,n\n+79161234567,A"), Buffer.from(lone)]), "utf-16le"],
    [
      "UTF-16BE, low half first",
      Buffer.concat([iconv.encode("phone,n\n+79161234567,A", "utf-16be"), Buffer.from([0xdc, 0x00])]),
      "utf-16be",
    ],
    [
      "gbk lead byte cut",
      Buffer.concat([Buffer.from("phone,n\n+79161234567,A"), Buffer.from([0x81])]),
      "gbk",
    ],
    [
      "shift_jis lead byte cut",
      Buffer.concat([Buffer.from("phone,n\n+79161234567,A"), Buffer.from([0x82])]),
      "shift_jis",
    ],
    [
      "gb18030 4-byte sequence cut",
      Buffer.concat([Buffer.from("phone,n\n+79161234567,A"), Buffer.from([0x94, 0x39, 0xfc])]),
      "gb18030",
    ],
    [
      "gb18030 unmapped 4-byte sequence",
      Buffer.concat([
        Buffer.from("phone,n\n+79161234567,A"),
        Buffer.from([0x84, 0x31, 0xa9, 0x30]),
        Buffer.from("B\n"),
      ]),
      "gb18030",
    ],
    [
      "big5 lead byte cut",
      Buffer.concat([Buffer.from("phone,n\n+79161234567,A"), Buffer.from([0xa4])]),
      "big5",
    ],
    [
      "big5 bad trail byte",
      Buffer.concat([Buffer.from("phone,n\n+79161234567,A"), Buffer.from([0xa4, 0x20]), Buffer.from("B\n")]),
      "big5",
    ],
  ];
  for (const [label, bytes, encoding] of cases) {
    await rejects(run(f, bytes, { encoding }), {
      code: "bad_encoding",
      status: 400,
      field: "encoding",
    }).catch((err) => assert.fail(`${label}: ${err.message}`));
  }
  assert.equal(await countContacts(f), 0);
  // Surrogate pairs split across chunks (7 bytes each) and whole multi-byte characters are fine.
  const emoji = "phone,n\n+79161234567,A😀B𝄞\n+79161234568,😀😀😀\n";
  const hanzi = "phone,n\n+79161234567,漢字\n+79161234568,中文\n";
  for (const [encoding, text] of [
    ["utf-16le", emoji],
    ["utf-16be", emoji],
    ["gbk", hanzi],
  ]) {
    const g = await fixture();
    assert.equal((await run(g, iconv.encode(text, encoding), { encoding })).inserted, 2, encoding);
    assert.deepEqual(
      (await contactRows(g)).map((c) => JSON.parse(c.custom).n),
      text
        .split("\n")
        .slice(1, 3)
        .map((line) => line.split(",")[1]),
    );
  }
});

test("GB18030: a chunk starting with the last byte of an emoji loses nothing (the phone after it is kept whole)", async () => {
  const f = await fixture();
  let csv = "phone,name\n+79160000001,王小明😀\n";
  for (let i = 2; i <= 40; i++) csv += `+7916${String(i).padStart(7, "0")},Li\n`;
  csv += "+4930123456789,Müller\n";
  const bytes = iconv.encode(csv, "gb18030");
  const at = bytes.indexOf(iconv.encode("😀", "gb18030")) + 3;
  const phone = Buffer.from("+4930123456789");
  const cut = bytes.indexOf(phone) + phone.length - 1;
  const chunks = [bytes.subarray(0, at), bytes.subarray(at, cut), bytes.subarray(cut)];
  const report = await importCsv(f.store, { ...target(f), encoding: "gb18030" }, Readable.from(chunks));
  assert.deepEqual(report, { ...clean, rows: 41, inserted: 41 });
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((r) => r.phone),
    csv
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[0]),
  );
  assert.equal(JSON.parse(rows[0].custom).name, "王小明😀");
});

test("GB18030 and Big5(-HKSCS): the decoded text is the same however the bytes are cut", () => {
  // Astral characters (4 bytes in GB18030, 2 in Big5-HKSCS) and Big5's pairs (0x8862 is Ê + U+0304).
  const cases: [string, string][] = [
    ["gb18030", "a😀b,王𠀋\n€😀😀x\n"],
    ["big5", "a𧉧b,中Ê̄\n文𧉧𧉧x\n"],
  ];
  for (const [encoding, text] of cases) {
    const bytes = iconv.encode(text, encoding);
    assert.equal(iconv.decode(bytes, encoding), text, `${encoding} test data`);
    const decode = (chunks: Buffer[]): string => {
      const decoder = new ByteDecoder(resolveEncoding(encoding));
      const out: Buffer[] = [];
      for (const chunk of chunks) {
        const d = decoder.decode(chunk);
        assert.equal(d.bad, false);
        out.push(d.bytes);
      }
      const d = decoder.end();
      assert.equal(d.bad, false);
      out.push(d.bytes);
      return Buffer.concat(out).toString("utf8");
    };
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        assert.equal(decode(chunks), text, `${encoding} cut at ${i} and ${j}`);
      }
    }
    const oneByOne = [...bytes].map((b) => Buffer.from([b]));
    assert.equal(decode(oneByOne), text, `${encoding} one byte at a time`);
  }
});

test("semicolon and tab delimiters, quoted fields with delimiters and quotes inside", async () => {
  const f = await fixture();
  const semi = 'phone;note\n+79161234567;"a;b ""quoted"""\n';
  assert.equal((await run(f, semi, { delimiter: ";" })).inserted, 1);
  const tab = "phone\tnote\n+79161234568\tx\ty\n".replace("x\ty", '"x\ty"');
  assert.equal((await run(f, tab, { delimiter: "\t" })).inserted, 1);
  const notes = (await contactRows(f)).map((r) => JSON.parse(r.custom).note);
  assert.deepEqual(notes, ['a;b "quoted"', "x\ty"]);
});

test("malformed CSV: 400 malformed_csv with the line number, nothing written", async () => {
  const f = await fixture();
  const badQuote = 'phone,name\n+79161234567,a\n+79161234568,"b"x\n+79161234569,c\n';
  const err = await rejects(run(f, badQuote), { code: "malformed_csv", status: 400, row: 2 });
  assert.match(err.message, /line 3/);
  const unclosed = 'phone,name\n+79161234567,"a\n';
  await rejects(run(f, unclosed), { code: "malformed_csv", status: 400 });
  assert.equal(await countContacts(f), 0);
});

test("rows of another width than the header: short ones get empty cells, a value past it makes its row invalid (import6)", async () => {
  const f = await fixture();
  const file = [
    "phone,name,city",
    "+79161234567,a,Omsk",
    "+79161234568,b", // short: its city is empty, as an empty cell
    "+79161234569,c,Tver,extra", // a value past the header
    "+79161234570,d,Ufa,", // an empty cell past it: nothing lost
    "  ", // a line of blanks is no row
    "+79161234571,e,Kazan",
  ].join("\n");
  const report = await run(f, `${file}\n`);
  assert.deepEqual([report.rows, report.inserted, report.skipped], [5, 4, 1]);
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.code, e.field]),
    [[3, "extra_cells", "column 4"]],
  );
  const rows = await contactRows(f);
  assert.deepEqual(
    rows.map((c) => [c.phone, JSON.parse(c.custom).city]),
    [
      ["+79161234567", "Omsk"],
      ["+79161234568", ""],
      ["+79161234570", "Ufa"],
      ["+79161234571", "Kazan"],
    ],
  );
  // Under phone_policy reject an invalid row fails the import, naming it; nothing is written.
  const g = await fixture();
  await rejects(run(g, `${file}\n`, { phonePolicy: "reject" }), { code: "extra_cells", row: 3 });
  assert.equal(await countContacts(g), 0);
});

test("several phone columns, in order, blanks ignored; custom fields as chosen", async () => {
  const f = await fixture();
  const csv =
    "Name,Mobile,Home,Work,City,Notes\nAnn,+79161234567,,+74951234567,Moscow,vip\nBob,,+79161234568,,Tver,\n";
  const report = await run(f, csv, {
    columns: { phone: ["Mobile", "Home", "Work"], custom: ["Name", "City"] },
  });
  assert.deepEqual(report, { ...clean, rows: 2, inserted: 2 });
  const [ann, bob] = await contactRows(f);
  assert.equal(ann.phones, '["+79161234567","+74951234567"]');
  assert.equal(ann.phone_attempts, "[0,0]");
  assert.deepEqual(JSON.parse(ann.custom), { Name: "Ann", City: "Moscow" });
  assert.equal(bob.phones, '["+79161234568"]');
  assert.equal(bob.phone, "+79161234568");
});

test("header recognition without a mapping, and header=false", async () => {
  const f = await fixture();
  const csv = "MSISDN,UUID,gmtZone,Priority,Segment\n79161234567,u-1,+05:00,3,gold\n";
  assert.equal((await run(f, csv, { defaultCountry: "RU" })).inserted, 1);
  const [row] = await contactRows(f);
  assert.deepEqual(
    [row.phone, row.external_id, row.time_zone, row.priority, row.custom],
    ["+79161234567", "u-1", "UTC+05:00", 3, '{"Segment":"gold"}'],
  );
  const g = await fixture();
  assert.equal((await run(g, "+79161234567,gold\n", { header: false })).inserted, 1);
  assert.equal((await contactRows(g))[0].custom, '{"2":"gold"}');
  await rejects(run(g, "name,city\nx,y\n"), { code: "missing_phone_column", field: "columns.phone" });
  await rejects(run(g, "phone\n+79161234567\n", { columns: { phone: "Tel" } }), {
    code: "unknown_column",
    field: "columns.phone",
  });
});

test('a column headed "zone" (a CRM\'s sales region) is a custom field, not the time zone', async () => {
  const f = await fixture();
  const report = await run(f, "phone,name,Zone\n+12125550100,Ann,North\n+12125550101,Bob,South\n");
  assert.deepEqual(report, { ...clean, rows: 2, inserted: 2 });
  const rows = await contactRows(f);
  // The zone is the one the (New York) number decides, as for any row without a zone column.
  assert.deepEqual(
    rows.map((r) => [JSON.parse(r.custom), r.time_zone]),
    [
      [{ name: "Ann", Zone: "North" }, "America/New_York"],
      [{ name: "Bob", Zone: "South" }, "America/New_York"],
    ],
  );
});

test("options are checked before anything is read", async () => {
  const f = await fixture();
  await rejects(run(f, "phone\n", { encoding: "klingon" }), { code: "unknown_encoding", field: "encoding" });
  // Known to iconv-lite, but no character set for a file, or lossy where a chunk ends (UTF-7).
  for (const encoding of ["utf-7", "UTF7", "base64", "hex"]) {
    await rejects(run(f, "phone\n", { encoding }), { code: "unknown_encoding", field: "encoding" });
  }
  await rejects(run(f, "phone\n", { defaultCountry: "XX" }), { field: "default_country" });
  await rejects(run(f, "phone\n", { phonePolicy: "maybe" as never }), { field: "phone_policy" });
  await rejects(importCsv(f.store, { ...target(f), campaignId: 999 }, streamOf("phone\n")), {
    status: 404,
    code: "campaign_not_found",
  });
  await rejects(importCsv(f.store, { ...target(f), accountId: 999 }, streamOf("phone\n")), { status: 404 });
  await rejects(importCsv(f.store, { ...target(f), listId: 999 }, streamOf("phone\n")), {
    status: 404,
    code: "list_not_found",
  });
});

test("an empty file and a header-only file import nothing without error", async () => {
  const f = await fixture();
  assert.deepEqual(await run(f, ""), { ...clean, rows: 0, inserted: 0 });
  assert.deepEqual(await run(f, "phone,name\n\n,\n"), { ...clean, rows: 0, inserted: 0 });
});
