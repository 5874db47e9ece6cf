// Streams a results export in one of three formats. Each reads the contacts page by page and writes as
// the client reads, so neither the rows nor the file are ever whole in memory.
import { once } from "node:events";
import { PassThrough, pipeline, Readable } from "node:stream";
import { stringify } from "csv-stringify";
import ExcelJS from "exceljs";
import type { Kysely } from "kysely";
import type { Database } from "../../../store/schema.ts";
import { type Cell, collectCustomKeys, exportColumns, resultPages, resultRows } from "./contact-results.ts";

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
  onError(err: unknown): void;
}

export async function openExport(format: ExportFormat, src: ExportSource): Promise<Readable> {
  if (format === "json") return jsonExport(src);
  const columns = exportColumns(await collectCustomKeys(src.db, src.campaignId));
  const headers = columns.map((c) => c.header);
  const rows = resultRows(src.db, src.campaignId, columns);
  const flat = mapRows(rows);
  return format === "csv"
    ? csvStream(headers, flat, { bom: src.bom }, src.onError)
    : xlsxStream("results", headers, flat, src.onError);
}

/** Lists go into one cell: "+12125550100;+12125550101". */
function flatCell(cell: Cell): string | number | boolean | null {
  return Array.isArray(cell) ? cell.join(";") : cell;
}

type FlatCell = string | number | boolean | null;

/** A text a spreadsheet would run as a formula (=, +, -, @, tab or CR first: OWASP's CSV injection) gets a
 *  leading apostrophe, which spreadsheets show as text. Numbers and phones stay as they are (+12125550100,
 *  a contact's phones "+12125550100;+12125550101"): digits and punctuation alone cannot call anything. */
export function inertCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d[\d ().;+-]*$/.test(value) ? `'${value}` : value;
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
    columns: headers.map(inertCell),
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

/** A JSON array of flat objects, the same fields as the CSV columns but with `phones` as an array. */
function jsonExport(src: ExportSource): Readable {
  async function* chunks(): AsyncGenerator<string> {
    yield "[";
    let first = true;
    for await (const page of resultPages(src.db, src.campaignId)) {
      const parts: string[] = [];
      for (const row of page) {
        const custom = JSON.parse(row.custom) as Record<string, unknown>;
        const columns = exportColumns(Object.keys(custom));
        const record = Object.fromEntries(columns.map((c) => [c.header, c.value(row, custom)]));
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
): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(sheetName);
  void (async () => {
    sheet.addRow(headers).commit();
    let n = 0;
    for await (const row of rows) {
      if (out.destroyed) return;
      sheet.addRow(row).commit();
      // exceljs takes no backpressure: every page, wait for a slow client to catch up.
      if (++n % 1000 === 0 && out.writableNeedDrain) await drainedOrClosed(out);
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err) => {
    onError(err);
    out.destroy(err as Error);
  });
  return out;
}

async function drainedOrClosed(stream: PassThrough): Promise<void> {
  const ac = new AbortController();
  const settled = (event: string) => once(stream, event, { signal: ac.signal }).catch(() => undefined);
  await Promise.race([settled("drain"), settled("close")]);
  ac.abort();
}
