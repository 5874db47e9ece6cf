// FastCsvCore against csv-parse (createCsvCore's other choice) on generated inputs, cut into random
// chunks: the same records, or the same error code and line. And a record cut by chunk ends is read
// once: FastCsvCore goes on where the last chunk stopped instead of reading the record again from its
// start, which made a long value in small chunks cost its length times its chunks (a 200,000-character
// value in 7-byte chunks blocked the thread that dials for 17 s).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { createCsvCore } from "../../src/lists/csv-contacts.ts";
import { FastCsvCore } from "../../src/lists/csv-fast.ts";
import { importCsv } from "../../src/lists/import.ts";
import { fixture, rejects, target } from "./helpers.ts";

type Outcome = { records: string[][]; error?: { code: string; lines: number; message: string } };

function run(text: string, cuts: number[], fast: boolean, delimiter = ","): Outcome {
  const core = createCsvCore({ delimiter, quote: '"', escape: '"', maxFieldLength: 4 }, fast);
  const bytes = Buffer.from(text, "utf8");
  const records: string[][] = [];
  const push = (r: string[]) => records.push(r);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    const to = Math.min(Math.max(cut, at), bytes.length);
    const err = core.parse(bytes.subarray(at, to), false, push, () => {});
    at = to;
    if (err) return { records, error: errorOf(err) };
  }
  const err = core.parse(undefined, true, push, () => {});
  return err ? { records, error: errorOf(err) } : { records };
}

function errorOf(err: Error) {
  const e = err as Error & { code: string; lines: number };
  return { code: e.code, lines: e.lines, message: e.message };
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "a",
  "bc",
  ",",
  ",",
  '"',
  '""',
  "\n",
  "\r\n",
  "\r",
  " ",
  "é",
  "Ж",
  "😀",
  "x,y",
  '"q"',
  "\n\n",
];

test("the same records, errors and lines as csv-parse on random inputs and chunkings", () => {
  const rnd = random(42);
  for (let i = 0; i < 20_000; i++) {
    let text = "";
    const len = 1 + Math.floor(rnd() * 14);
    for (let k = 0; k < len; k++) text += PIECES[Math.floor(rnd() * PIECES.length)];
    const size = Buffer.byteLength(text);
    const cuts = Array.from({ length: Math.floor(rnd() * 4) }, () => Math.floor(rnd() * size)).sort(
      (a, b) => a - b,
    );
    const expected = run(text, [size], false);
    if (expected.error?.code === "CSV_MAX_RECORD_SIZE") continue;
    const actual = run(text, cuts, true);
    assert.deepEqual(actual, expected, `input ${JSON.stringify(text)}, cuts ${cuts}`);
  }
});

test("well-formed files: quoted delimiters, quotes and line ends, CRLF, other delimiters", () => {
  const cases: [string, string][] = [
    ['phone,note\r\n+7916,"a,b ""c"""\r\n+7917,"x\r\ny"\r\n', ","],
    ["phone;note\n+7916;a,b\n\n\n+7917;\n", ";"],
    ['phone\tnote\n+7916\t"x\ty"\n', "\t"],
    ["a,b\rc,d\r", ","],
  ];
  for (const [text, delimiter] of cases) {
    const expected = run(text, [], false, delimiter);
    for (let cut = 0; cut < text.length; cut++) {
      assert.deepEqual(run(text, [cut], true, delimiter), expected, `${JSON.stringify(text)} cut at ${cut}`);
    }
  }
});

test("mixed line ends: CRLF, LF and CR each end a record anywhere in the file, CRLF as one", () => {
  // Records as expected, from both parsers, whole and cut at every byte (a CRLF split across chunks).
  const cases: [string, string[][], number][] = [
    // A Windows-made header, rows appended by a Unix tool.
    [
      "phone,name\r\n+1,Ann\n+2,Bob\n",
      [
        ["phone", "name"],
        ["+1", "Ann"],
        ["+2", "Bob"],
      ],
      4,
    ],
    // The reverse: no "\r" is left at the end of the last cells.
    [
      "phone,name\n+1,Ann\r\n+2,Bob\r\n",
      [
        ["phone", "name"],
        ["+1", "Ann"],
        ["+2", "Bob"],
      ],
      4,
    ],
    // Old Mac line ends among the others, and empty lines of each kind skipped.
    [
      "a,b\r1,2\n\r\n3,4\r\n\r5,6\n\n",
      [
        ["a", "b"],
        ["1", "2"],
        ["3", "4"],
        ["5", "6"],
      ],
      8,
    ],
    // "\n\r" is two line ends (an empty line between), not one.
    ["a\n\rb\n", [["a"], ["b"]], 4],
    // Line ends inside quotes are data, whichever they are; a closing quote may meet any line end.
    [
      'phone,note\n+1,"x\r\ny"\r+2,"p\rq\nr"\r\n+3,"z"\n+4,"\r"',
      [
        ["phone", "note"],
        ["+1", "x\r\ny"],
        ["+2", "p\rq\nr"],
        ["+3", "z"],
        ["+4", "\r"],
      ],
      10,
    ],
    // A last record without a line end, after a CR.
    [
      "a,b\r1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
      2,
    ],
  ];
  for (const [text, records, lines] of cases) {
    const size = Buffer.byteLength(text);
    for (const fast of [false, true]) {
      assert.deepEqual(run(text, [], fast), { records }, `${JSON.stringify(text)}, fast=${fast}`);
      const core = createCsvCore({ delimiter: ",", quote: '"', escape: '"', maxFieldLength: 4 }, fast);
      core.parse(
        Buffer.from(text),
        false,
        () => {},
        () => {},
      );
      core.parse(
        undefined,
        true,
        () => {},
        () => {},
      );
      assert.equal(core.info.lines, lines, `lines of ${JSON.stringify(text)}, fast=${fast}`);
    }
    for (let cut = 0; cut <= size; cut++) {
      assert.deepEqual(run(text, [cut], true), { records }, `${JSON.stringify(text)} cut at ${cut}`);
      for (let cut2 = cut; cut2 <= size; cut2++) {
        const got = run(text, [cut, cut2], true);
        assert.deepEqual(got, { records }, `${JSON.stringify(text)} cut at ${cut}, ${cut2}`);
      }
    }
  }
});

test("mixed line ends: errors name the same line from both parsers", () => {
  const cases = [
    'a,b\r\n1,2\n3,"x"y\r\n',
    "a,b\n1,2\r\n3,4,5\n",
    'a\r1\n"open\r\nstill\n',
    'a\n1\r2 "q"\r\n',
  ];
  for (const text of cases) {
    const expected = run(text, [], false);
    assert.ok(expected.error, `${JSON.stringify(text)} is malformed`);
    for (let cut = 0; cut <= text.length; cut++) {
      assert.deepEqual(run(text, [cut], true), expected, `${JSON.stringify(text)} cut at ${cut}`);
    }
  }
});

test("the same records, errors and lines in chunks of any size, one byte included", () => {
  const rnd = random(7);
  for (let i = 0; i < 5_000; i++) {
    let text = "";
    const len = 1 + Math.floor(rnd() * 16);
    for (let k = 0; k < len; k++) text += PIECES[Math.floor(rnd() * PIECES.length)];
    const size = Buffer.byteLength(text);
    const expected = run(text, [size], false);
    if (expected.error?.code === "CSV_MAX_RECORD_SIZE") continue;
    const everyByte = Array.from({ length: size }, (_, k) => k);
    assert.deepEqual(run(text, everyByte, true), expected, `input ${JSON.stringify(text)} byte by byte`);
  }
});

/** A record of `value` cut into 7-byte chunks; the parser and the records it gave. */
function longRecord(value: string) {
  const core = createCsvCore({ delimiter: ",", quote: '"', escape: '"', maxFieldLength: 1024 });
  assert.ok(core instanceof FastCsvCore);
  const bytes = Buffer.from(`phone,note\n+14155550100,${value}\n`);
  const records: string[][] = [];
  let chunks = 0;
  for (let at = 0; at < bytes.length; at += 7, chunks++) {
    assert.equal(
      core.parse(
        bytes.subarray(at, at + 7),
        false,
        (r) => records.push(r),
        () => {},
      ),
      undefined,
    );
  }
  assert.equal(
    core.parse(
      undefined,
      true,
      (r) => records.push(r),
      () => {},
    ),
    undefined,
  );
  return { core, records, bytes: bytes.length, chunks };
}

test("a long record in small chunks is read once: characters read grow with its length, not with length × chunks", () => {
  const long = "x".repeat(200_000);
  for (const [value, text] of [
    [`"${long}"`, long],
    [
      `"${long.slice(0, 99_999)}""${long.slice(0, 99_999)}"`,
      `${long.slice(0, 99_999)}"${long.slice(0, 99_999)}`,
    ],
    [long, long],
    [`"a\r${long}\rb"`, `a\r${long}\rb`],
  ]) {
    const { core, records, bytes, chunks } = longRecord(value);
    assert.deepEqual(records, [
      ["phone", "note"],
      ["+14155550100", text],
    ]);
    assert.equal(core.info.lines, value.includes("\r") ? 5 : 3);
    // Only a CR or a quote ending a chunk (its meaning hangs on the next character) is read again. Read
    // from its start on every chunk, the record would cost some 28,600 chunks × 100,000 characters.
    assert.ok(core.charsRead <= bytes + 2 * chunks, `${core.charsRead} characters read for ${bytes} bytes`);
  }
});

test("a value past the parser's cap, in small chunks: field_too_long naming its row", async () => {
  const f = await fixture();
  const body = Buffer.from(`phone,note\n+14155550100,ok\n+14155550101,"${"x".repeat(400_000)}"\n`);
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += 7) chunks.push(body.subarray(at, at + 7));
  const err = await rejects(importCsv(f.store, { ...target(f), worker: false }, Readable.from(chunks)), {
    code: "field_too_long",
    status: 400,
    row: 2,
  });
  assert.match(err.message, /^row 2 \(line 3\): a value is longer than 1024 characters/);
});
