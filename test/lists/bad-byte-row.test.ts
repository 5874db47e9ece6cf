// A byte that is not valid in the file's encoding (or a NUL) is refused as bad_encoding naming the row
// and line it is in, whatever the file's line ends and whichever parser reads it. When the bad byte
// started a row, the parser could still hold the row before it whole (a CR may yet become a CRLF;
// csv-parse keeps a line end's bytes until it sees the next), and the error named that valid row: with
// CR line ends (Excel for Mac's "CSV (Macintosh)") on the fast parser, with any line end on csv-parse
// (the escape or quote the fast one does not take). The parser's own cap on a row names the row over it.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { importCsv } from "../../src/lists/import.ts";
import { countContacts, fixture, rejects, run, target } from "./helpers.ts";

const ROWS = ["name,phone", "Ann,+14155550100", "Bob,+14155550101"];
const LINE_ENDS = [
  ["LF", "\n"],
  ["CRLF", "\r\n"],
  ["CR", "\r"],
] as const;
// The fast parser takes the quote as its own escape; another escape is csv-parse's.
const PARSERS = [
  ["fast parser", '"'],
  ["csv-parse", "\\"],
] as const;
const BAD = [
  ["a windows-1252 byte", Buffer.from([0xc9]), /has bytes that are not valid UTF-8/],
  ["a NUL", Buffer.from([0]), /has a NUL character/],
] as const;

/** Where the bad byte `%` goes (after `ROWS`, or in their place), and the row and line it is in. */
function cases(eol: string): { what: string; text: string; row: number; line: number }[] {
  const before = ROWS.join(eol) + eol;
  return [
    { what: "starting row 3", text: `${before}%mile,+14155550102${eol}`, row: 3, line: 4 },
    { what: "inside row 3", text: `${before}Emi%le,+14155550102${eol}`, row: 3, line: 4 },
    { what: "after a closing quote in row 3", text: `${before}"Emi"%,+14155550102${eol}`, row: 3, line: 4 },
    {
      what: "on the second line of a quoted cell of row 3",
      text: `${before}"Emi\n%le",+1${eol}`,
      row: 3,
      line: 5,
    },
    { what: "starting row 1", text: `${ROWS[0]}${eol}%mile,+14155550102${eol}`, row: 1, line: 2 },
    { what: "in the header", text: `na%me,phone${eol}Ann,+14155550100${eol}`, row: 0, line: 1 },
  ];
}

for (const [eolName, eol] of LINE_ENDS) {
  for (const [parser, escapeChar] of PARSERS) {
    test(`${eolName} line ends, ${parser}: bad_encoding names the row and line of the bad byte`, async () => {
      const f = await fixture();
      for (const [bad, byte, message] of BAD) {
        for (const { what, text, row, line } of cases(eol)) {
          const [head, tail] = text.split("%");
          const body = Buffer.concat([Buffer.from(head), byte, Buffer.from(tail)]);
          const err = await rejects(run(f, body, { escape: escapeChar }), {
            code: "bad_encoding",
            status: 400,
          });
          assert.equal(err.row, row, `${bad} ${what}: ${err.message}`);
          assert.ok(err.message.startsWith(`row ${row} (line ${line}) `), `${bad} ${what}: ${err.message}`);
          assert.match(err.message, message);
        }
      }
      assert.equal(await countContacts(f), 0);
    });
  }
}

test("CR line ends: a row over the parser's own cap, starting a chunk, is named as itself", async () => {
  for (const [parser, escapeChar] of PARSERS) {
    const f = await fixture();
    const chunks = [Buffer.from(`${ROWS.join("\r")}\r`), Buffer.from(`Eve,${"x".repeat(400_000)}\r`)];
    const err = await rejects(
      importCsv(f.store, { ...target(f), escape: escapeChar }, Readable.from(chunks)),
      {
        code: "field_too_long",
        status: 400,
      },
    );
    assert.equal(err.row, 3, `${parser}: ${err.message}`);
    assert.match(err.message, /^row 3 \(line 4\)/, parser);
  }
});
