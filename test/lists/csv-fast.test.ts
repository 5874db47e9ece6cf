// FastCsvCore against csv-parse (createCsvCore's other choice) on generated inputs, cut into random
// chunks: the same records, or the same error code and line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createCsvCore } from "../../src/lists/csv-contacts.ts";

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
