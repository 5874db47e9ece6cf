// Streams a results export in one of three formats. Each reads the contacts page by page and writes as
// the client reads, so neither the rows nor the file are ever whole in memory.
import { type EventEmitter, once } from "node:events";
import { PassThrough, pipeline, Readable } from "node:stream";
import { stringify } from "csv-stringify";
import ExcelJS from "exceljs";
import type { Kysely } from "kysely";
import type { Database } from "../../../store/schema.ts";
import { ApiError } from "../../plugins/errors.ts";
import {
  BASE_COLUMN_COUNT,
  type Cell,
  ExportColumns,
  resultPages,
  resultRows,
  scanForExport,
} from "./contact-results.ts";

export const EXPORT_FORMATS = ["csv", "json", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export interface ExportSource {
  db: Kysely<Database>;
  campaignId: number;
  /** CSV: begin with a UTF-8 byte order mark. */
  bom?: boolean;
  /** XLSX: rows in a sheet, the header row included (Excel's own by default; a test takes a few). */
  xlsxMaxRows?: number;
  onError(err: unknown): void;
}

/** Excel's limits: columns and rows in a sheet (the header row is one), characters in a cell. */
export const XLSX_MAX_COLUMNS = 16_384;
export const XLSX_MAX_ROWS = 1_048_576;
export const XLSX_MAX_CELL_CHARS = 32_767;

export async function openExport(format: ExportFormat, src: ExportSource): Promise<Readable> {
  // Every format names the custom fields the same way: from all of the campaign's contacts, so that two
  // different fields never share a name (ExportColumns). The export holds the contacts this pass saw.
  const scope = await scanForExport(src.db, src.campaignId);
  const columns = new ExportColumns(scope.customKeys);
  if (format === "json") return jsonExport(src, scope.lastId, columns);
  const width = columns.list.length;
  if (format === "xlsx" && width > XLSX_MAX_COLUMNS) {
    throw new ApiError(
      "too_many_columns",
      400,
      `the export has ${width} columns (its contacts have ${width - BASE_COLUMN_COUNT} different ` +
        `custom fields); an XLSX sheet holds at most ${XLSX_MAX_COLUMNS}: export as csv or json`,
      "querystring.format",
    );
  }
  const maxRows = src.xlsxMaxRows ?? XLSX_MAX_ROWS;
  if (format === "xlsx" && scope.rows > maxRows - 1) {
    throw new ApiError(
      "too_many_rows",
      400,
      `the export has ${scope.rows} contacts; an XLSX sheet holds at most ${maxRows - 1} under its ` +
        "header row: export as csv or json",
      "querystring.format",
    );
  }
  const headers = columns.list.map((c) => c.header);
  const rows = resultRows(src.db, src.campaignId, scope.lastId, columns.list);
  const flat = mapRows(rows);
  return format === "csv"
    ? csvStream(headers, flat, { bom: src.bom }, src.onError)
    : xlsxStream("results", headers, flat, src.onError, maxRows);
}

/** Lists go into one cell: "+12125550100;+12125550101". */
function flatCell(cell: Cell): string | number | boolean | null {
  return Array.isArray(cell) ? cell.join(";") : cell;
}

type FlatCell = string | number | boolean | null;

/** A text a spreadsheet would run as a formula (=, +, -, @, tab or CR first: OWASP's CSV injection) gets a
 *  leading apostrophe, which spreadsheets show as text; so does each part after a ',' ';' or tab inside it:
 *  a spreadsheet whose list separator is another than the file's (Excel's is ';' in much of Europe) splits
 *  the cell there, and "x;=cmd|…" would open as a DDE formula (reports9). Numbers and phones stay as they
 *  are (+12125550100, a contact's phones "+12125550100;+12125550101"): digits and punctuation alone cannot
 *  call anything: "-150,50", "-1,234.50" and "-5%" as much as their positive forms (reports11), nor can an
 *  exponent's e or a leading dot: "-5e3", "-.5" (reports13). */
export function inertCell(value: string): string {
  if (/^[+-]?(?:\d[\d ().,;+-]*|\.\d+)(?:[eE][+-]?\d+)?%?$/.test(value)) return value;
  const inner = value.replace(/([,;\t])(?=[=+\-@\t\r])/g, "$1'");
  return /^[=+\-@\t\r]/.test(inner) ? `'${inner}` : inner;
}

/** Headers made unique again after the formula guard: "=total" and "'=total" both come out "'=total", and
 *  a reader by header name would keep one of the two columns (reports11). A repeat gets "#2", "#3", …. */
function uniqueHeaders(headers: string[]): string[] {
  const taken = new Set<string>();
  return headers.map((h) => {
    let header = h;
    for (let n = 2; taken.has(header); n++) header = `${h}#${n}`;
    taken.add(header);
    return header;
  });
}

/** A CSV with a header row, written as the client reads (also the Voximplant face's list details). */
export function csvStream(
  headers: string[],
  rows: AsyncIterable<FlatCell[]>,
  opts: { delimiter?: string; bom?: boolean },
  onError: (err: unknown) => void,
): Readable {
  const csv = stringify({
    bom: opts.bom ?? false,
    header: true,
    columns: uniqueHeaders(headers.map(inertCell)),
    delimiter: opts.delimiter ?? ",",
    cast: { boolean: (b) => (b ? "true" : "false"), string: inertCell },
  });
  // pipeline carries the client's pace back to the reads and tears everything down on an error.
  return pipeline(Readable.from(rows), csv, (err) => {
    if (err) onError(err);
  });
}

async function* mapRows(rows: AsyncIterable<Cell[]>): AsyncGenerator<FlatCell[]> {
  for await (const row of rows) yield row.map(flatCell);
}

/** A JSON array of flat objects, the same fields as the CSV columns but with `phones` as an array, and of the
 *  custom fields only those the contact has (one given to it after the first pass too). */
function jsonExport(src: ExportSource, lastId: number, columns: ExportColumns): Readable {
  const base = columns.list.filter((c) => c.customKey === undefined);
  async function* chunks(): AsyncGenerator<string> {
    yield "[";
    let first = true;
    for await (const page of resultPages(src.db, src.campaignId, lastId)) {
      const parts: string[] = [];
      for (const row of page) {
        const custom = JSON.parse(row.custom) as Record<string, unknown>;
        // A contact's own custom fields, by name: a campaign of thousands of sparse fields is not walked per row.
        const own = Object.keys(custom)
          .map((key) => columns.indexOf(key))
          .sort((x, y) => x - y)
          .map((i) => columns.list[i]);
        const record = Object.fromEntries([...base, ...own].map((c) => [c.header, c.value(row, custom)]));
        parts.push((first ? "\n" : ",\n") + JSON.stringify(record));
        first = false;
      }
      yield parts.join("");
    }
    yield "\n]\n";
  }
  const out = Readable.from(chunks());
  out.on("error", src.onError);
  return out;
}

/** One sheet through exceljs' streaming writer: rows are committed (written out and dropped) as they are
 *  added (also the Voximplant face's list details). */
export function xlsxStream(
  sheetName: string,
  headers: string[],
  rows: AsyncIterable<FlatCell[]>,
  onError: (err: unknown) => void,
  maxRows = XLSX_MAX_ROWS,
): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(sheetName);
  void (async () => {
    sheet.addRow(headers.map(literalEscapes)).commit();
    let n = 0;
    for await (const row of rows) {
      if (out.destroyed) return;
      // Past Excel's last row the file would open as damaged, the rows beyond "repaired" away: a caller that
      // cannot count its rows first (the native export refuses with a 400) ends the download as failed.
      if (n + 1 >= maxRows) throw new Error(`an XLSX sheet holds at most ${maxRows} rows`);
      sheet.addRow(row.map(withinCellLimit)).commit();
      // exceljs takes no backpressure, neither from the client nor from its own compressor (the sheet's XML
      // is written into the zip's input without waiting, and piles up there while the reads outrun
      // deflate: +87 MB for 300,000 rows). Every 100 rows, wait for both to catch up.
      if (++n % 100 === 0) {
        for (const pipe of compressorInputs(sheet))
          if (pipe.needDrain) await drainedOrClosed(pipe.stream, out);
        if (out.writableNeedDrain) await drainedOrClosed(out, out);
      }
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err) => {
    onError(err);
    out.destroy(err as Error);
  });
  return out;
}

/** Characters XML 1.0 cannot carry, and DEL, to write as _xHHHH_ as Excel writes them. exceljs drops the
 *  control characters (all but tab, line feed and carriage return) and DEL without a trace ("Line 1\vLine
 *  2", FileMaker's line break in a field, opened as "Line 1Line 2"; import12), and writes the noncharacters
 *  U+FFFE and U+FFFF as they are, which XML's Char excludes: one in any field made the whole sheet an XML
 *  no strict parser reads, Excel's "We found a problem with some content" (review39). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters to write as _xHHHH_
const UNWRITABLE = /[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/;

/** What literalEscapes writes as _xHHHH_: each UNWRITABLE character, and each "_" a reader would take for
 *  the start of an escape once those are written: one before "xHHHH_", or before "xHHHH" and an UNWRITABLE
 *  character ("_x000B" then U+0001 is written "_x005F_x000B_x0001_", not "_x000B_x0001_", read "\vx0001_"). */
const WRITTEN_ESCAPED = new RegExp(
  `_(?=x[0-9A-Fa-f]{4}(?:_|${UNWRITABLE.source}))|${UNWRITABLE.source}`,
  "g",
);

/** An _xHHHH_ escape, as a reader finds them: left to right, each after the end of the one before. */
const ESCAPE = /_x[0-9A-Fa-f]{4}_/g;

/** Text as a spreadsheet shows it: ECMA-376 (22.4.2.4) reads "_xHHHH_" in a cell as the character U+HHHH,
 *  so a literal one is written with its "_" escaped, "_x005F_" (an id "A_x0041_" opened as "AA";
 *  reports11), and a character XML cannot carry is written so, as Excel writes it ("_x000B_"). Each "_" is
 *  judged on its own, overlapping ones too: "_x005F_x005F_" with its first "_" alone escaped,
 *  "_x005F_x005F_x005F_", is read "_x005F_" (its last seven decoded too). */
function literalEscapes(text: string): string {
  return text.replace(
    WRITTEN_ESCAPED,
    (ch) => `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`,
  );
}

/** A text longer than an Excel cell holds is cut to fit, and says so at its end (Excel would call the file
 *  damaged); only the Voximplant face's custom_data (every field of a task in one JSON text) gets there. */
function withinCellLimit(cell: FlatCell): FlatCell {
  if (typeof cell !== "string") return cell;
  const written = literalEscapes(cell);
  // Excel's limit is in UTF-16 units, as JavaScript's length, and held to by the text as written; the mark
  // counts the characters of the text as it was, before its escapes.
  if (written.length <= XLSX_MAX_CELL_CHARS) return written;
  let characters = 0;
  for (const _ of cell) characters++;
  const mark = `… [cut: ${characters} characters]`;
  return written.slice(0, cutPoint(written, XLSX_MAX_CELL_CHARS - mark.length)) + mark;
}

/** Where to cut a text as written to keep at most `room` UTF-16 units of it: not inside an emoji (two
 *  units), whose half the file would carry as U+FFFD, nor inside an _xHHHH_ escape, whose start a reader
 *  would show as it is ("_x00"). The escapes are found from the text's start, as a reader finds them
 *  (ESCAPE); an escape is ASCII, so a cut before an emoji's second half is in none. */
function cutPoint(written: string, room: number): number {
  const last = written.charCodeAt(room - 1);
  if (last >= 0xd800 && last <= 0xdbff) return room - 1;
  for (const m of written.matchAll(ESCAPE)) {
    if (m.index >= room) break;
    if (m.index + m[0].length > room) return m.index;
  }
  return room;
}

/** The streams exceljs writes a sheet's XML into (its StreamBuf's pipes), with whether each is over its
 *  high-water mark. Read from exceljs' internals (4.x); nothing if they ever change shape. */
function compressorInputs(sheet: ExcelJS.Worksheet): { stream: EventEmitter; needDrain: boolean }[] {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  if (!Array.isArray(pipes)) return [];
  return pipes.flatMap((p: { _writableState?: { needDrain?: boolean }; on?: unknown }) =>
    p._writableState && typeof p.on === "function"
      ? [{ stream: p as unknown as EventEmitter, needDrain: p._writableState.needDrain === true }]
      : [],
  );
}

/** Until `stream` drains, or the client's stream closes (a client gone leaves nothing to wait for). */
async function drainedOrClosed(stream: EventEmitter, client: PassThrough): Promise<void> {
  const ac = new AbortController();
  const settled = (on: EventEmitter, event: string) =>
    once(on, event, { signal: ac.signal }).catch(() => undefined);
  await Promise.race([settled(stream, "drain"), settled(client, "close")]);
  ac.abort();
}
