// CSV bytes → validated contact tuples, in batches. Runs in the import worker thread for large files
// and in the calling thread for small ones; it is synchronous and keeps no more than one batch.
// Whole-import problems (malformed CSV, bad bytes, limits, a "reject" policy) are thrown as ImportError.
import { Parser } from "csv-parse";
import { addCellPhones, phoneAsWritten } from "../lib/phone.ts";
import { ByteDecoder, type EncodingPlan, encodingAdvice } from "./byte-decoder.ts";
import { type ResolvedColumns, resolveColumns, resolvePositions } from "./columns.ts";
import { ContactRules, jsonString, longerThan, type RowInput, type RulesOptions } from "./contact-rules.ts";
import { type CsvCore, FastCsvCore, fastCsvSupports } from "./csv-fast.ts";
import { badRequestWithHint, ImportError } from "./errors.ts";
import { type ColumnMapping, DEFAULT_LIMITS, type LenientRows, type RowIssue } from "./types.ts";

/** An international number written without its '+' (LenientRows.plusOptional). */
const BARE_DIGITS = /^\d{8,15}$/;

export interface CsvOptions {
  encoding: EncodingPlan;
  delimiter: string;
  quote: string;
  escape: string;
  header: boolean;
  columns?: ColumnMapping;
  maxRows: number;
  maxFieldLength: number;
  rules: Omit<RulesOptions, "startAtNumbers" | "dailyFields">;
  /** Rows per emitted batch. */
  batchRows: number;
  lenient?: LenientRows;
}

export interface CsvSummary {
  rows: number;
  skipped: number;
  flagged: number;
  issues: RowIssue[];
  issuesTruncated: boolean;
  /** Staged rows may repeat an earlier row's phone: the commit decides (ContactRules.phoneRepeats). */
  phoneRepeats: boolean;
}

/** Receives a batch of flat tuples (ROW_STRIDE values per row). */
export type BatchSink = (tuples: unknown[]) => void;

interface ColumnsPlan {
  names: string[];
  phones: number[];
  externalId: number;
  timeZone: number;
  dailyFrom: number;
  dailyTo: number;
  startAt: number;
  priority: number;
  custom: { index: number; key: string }[];
  /** The columns the import reads, in column order, whose values are held to maxFieldLength; null: every
   *  cell of a row (headerless, the unmapped cells being custom fields). */
  read: number[] | null;
  /** Columns with no name in the header row (a spreadsheet's trailing empty columns): no field, and their
   *  cells must be empty, as cells past the header must. */
  unnamed: number[];
  /** Null with a header. Without one (resolvePositions, `names` and `unnamed` empty) rows may be of any
   *  width: a cell a row lacks is empty, and no cell is past a header. */
  headerless: {
    /** Every cell not mapped to a field is a custom field named by its position (no custom mapping). */
    restCustom: boolean;
    /** Per index, whether a field is mapped to it (restCustom only). */
    taken: boolean[];
  } | null;
}

type CoreOptions = Pick<CsvOptions, "delimiter" | "quote" | "escape" | "maxFieldLength" | "lenient"> & {
  /** Rows of another width than the header are handed on, for the reader to even out or refuse row by
   *  row (CsvContactParser.record: a short row's missing cells are empty, a value past the header makes
   *  its row invalid, extra_cells); else such a row is a malformed_csv for the whole file. */
  raggedRows?: boolean;
};

/** Any line end ends a record, wherever it is in the file (CRLF as one): csv-parse would otherwise keep
 *  the first one it meets as the only one, and a file whose lines do not all end alike (a Windows-made
 *  header, rows appended on Unix) would merge rows or keep "\r" in the last cell. Checked in this order,
 *  so CRLF is matched before its CR alone. FastCsvCore does the same; every csv-parse of an upload (the
 *  faces' own scans among them) takes this. */
export const ANY_LINE_END = ["\r\n", "\n", "\r"];

export function csvParserOptions(opts: CoreOptions) {
  return {
    delimiter: opts.delimiter,
    quote: opts.quote,
    escape: opts.escape,
    relax_column_count: opts.raggedRows === true,
    relax_quotes: false,
    record_delimiter: ANY_LINE_END,
    skip_empty_lines: true,
    // A runaway quoted field would otherwise grow until the whole upload is in memory.
    max_record_size: opts.maxFieldLength * 256 + 65_536,
    // The stream class routes errors to a "skip" event unless this is cleared.
    on_skip: undefined,
  };
}

/**
 * The record parser for these options: csv-parse's synchronous core (the one its stream class wraps),
 * or for the usual dialect FastCsvCore, which gives the same records faster. Option errors become a
 * 400 naming the option.
 */
export function createCsvCore(opts: CoreOptions, fast = true): CsvCore {
  let parser: Parser;
  try {
    parser = new Parser(csvParserOptions(opts) as never);
  } catch (err) {
    const code = String((err as { code?: string }).code ?? "");
    const field = /DELIMITER/.test(code)
      ? "delimiter"
      : /QUOTE/.test(code)
        ? "quote"
        : /ESCAPE/.test(code)
          ? "escape"
          : undefined;
    throw new ImportError({ code: "invalid_option", status: 400, message: (err as Error).message, field });
  }
  if (fast && fastCsvSupports(opts)) {
    return new FastCsvCore({
      ...opts,
      maxRecordSize: csvParserOptions(opts).max_record_size,
      relaxColumnCount: opts.raggedRows === true,
    });
  }
  const core = (parser as unknown as { api?: CsvCore }).api;
  if (!core || typeof core.parse !== "function")
    throw new Error("csv-parse no longer exposes its parser core");
  return core;
}

export class CsvContactParser {
  private readonly decoder: ByteDecoder;
  private readonly csv: CsvCore;
  private readonly rules: ContactRules;
  private columns: ColumnsPlan | null = null;
  private batch: unknown[] = [];
  private batchCount = 0;
  private rows = 0;
  private readonly onRecord = (record: string[]) => this.record(record);

  constructor(
    private readonly opts: CsvOptions,
    private readonly sink: BatchSink,
  ) {
    this.decoder = new ByteDecoder(opts.encoding);
    this.csv = createCsvCore({ ...opts, raggedRows: true });
    this.rules = new ContactRules({
      ...opts.rules,
      startAtNumbers: "seconds",
      dailyFields: ["daily_from", "daily_to"],
      openWindowEnds: opts.lenient?.openWindowEnds === true,
    });
  }

  write(chunk: Buffer): void {
    const decoded = this.decoder.decode(chunk);
    this.feed(decoded.bytes, false);
    if (decoded.bad) this.badEncoding(decoded.nul === true);
  }

  end(): CsvSummary {
    const decoded = this.decoder.end();
    this.feed(decoded.bytes, false);
    if (decoded.bad) this.badEncoding(decoded.nul === true);
    this.feed(undefined, true);
    if (this.batchCount > 0) this.flush();
    const { rules } = this;
    return {
      rows: this.rows,
      skipped: rules.skipped,
      flagged: rules.flagged,
      issues: rules.issues,
      issuesTruncated: rules.issuesTruncated,
      phoneRepeats: rules.phoneRepeats,
    };
  }

  private feed(bytes: Buffer | undefined, end: boolean): void {
    if (!end && (!bytes || bytes.length === 0)) return;
    const err = this.csv.parse(bytes, end, this.onRecord, noop);
    if (err === undefined) return;
    if (err instanceof ImportError) throw err;
    const line = (err as { lines?: number }).lines ?? this.csv.info.lines;
    if ((err as { code?: string }).code === "CSV_MAX_RECORD_SIZE") {
      // The parser's own cap on a row (a runaway quoted field would otherwise grow until the whole upload
      // is in memory) is met by a value far over the field limit: said as that limit, not a parse error.
      const row = this.rowBeingRead();
      throw new ImportError({
        code: "field_too_long",
        status: 400,
        message:
          `row ${row} (line ${line}): a value is longer than ${this.opts.maxFieldLength} ` +
          "characters (or a quote is never closed)",
        row,
      });
    }
    throw new ImportError({
      code: "malformed_csv",
      status: 400,
      message: `malformed CSV at line ${line}: ${err.message}`,
      row: this.rowBeingRead(),
    });
  }

  /** The row a parse error is in: 0 while the header has not been read (ImportError.row: the header is
   *  row 0, as its bad bytes say), else the data row after the last one counted. */
  private rowBeingRead(): number {
    return this.columns === null && this.opts.header ? 0 : this.rows + 1;
  }

  private badEncoding(nul: boolean): never {
    const { row, line } = this.badByteRow();
    const where = `row ${row} (line ${line})`;
    const name = this.decoder.encodingName;
    if (nul) {
      // ByteDecoder: no text CSV holds a NUL, while every ASCII character of UTF-16 text does.
      const utf8 = name === "UTF-8";
      throw badRequestWithHint(
        "bad_encoding",
        `${where} has a NUL character, which no CSV of contacts holds: the file is not ${name}` +
          (utf8 ? " (a NUL byte is in every ASCII character of UTF-16 text)" : ""),
        encodingAdvice(name, true),
        "encoding",
        row,
      );
    }
    throw badRequestWithHint(
      "bad_encoding",
      `${where} has bytes that are not valid ${name}`,
      encodingAdvice(name, false),
      "encoding",
      row,
    );
  }

  /**
   * The row (and line) the bad byte is in, the text before it having been parsed. The parser may still
   * hold the row before it whole, waiting for what follows its line end (a CR may yet be a CRLF; csv-parse
   * keeps a line end's bytes until it sees the next), so `rows + 1` can name that row instead. A stand-in
   * character in the bad byte's place ends the text, and the rows are counted up to the record holding
   * it: the header is row 0, and a row of blank cells no row, as record() counts them. A stand-in that
   * breaks the CSV (right after a closing quote) is in the record being read.
   */
  private badByteRow(): { row: number; line: number } {
    let header = this.columns === null && this.opts.header;
    let rows = this.rows;
    let row = 0;
    const count = (record: string[]) => {
      if (header) header = false;
      else if (record.some((f) => f.trim() !== "")) row = ++rows;
    };
    const err =
      this.csv.parse(Buffer.from(standIn(this.opts)), false, count, noop) ??
      this.csv.parse(undefined, true, count, noop);
    if (err === undefined) return { row, line: this.csv.info.lines };
    return { row: header ? 0 : rows + 1, line: (err as { lines?: number }).lines ?? this.csv.info.lines };
  }

  private record(record: string[]): void {
    let fields = record;
    if (this.columns === null) {
      this.columns = this.planColumns(fields);
      if (this.opts.header) return;
    }
    const plan = this.columns;
    const { headerless } = plan;
    // Without a header a row is not filled up: a mapped cell it lacks is read as empty (`?? ""` below),
    // however far the mapping reaches.
    const width = headerless === null ? plan.names.length : 0;
    if (fields.length < width) fields = fields.concat(new Array<string>(width - fields.length).fill(""));
    // A row of empty cells (spreadsheets leave them at the end) is no row at all.
    if (
      plan.phones.length > 0 &&
      (fields[plan.phones[0]] ?? "").trim() === "" &&
      fields.every((f) => f.trim() === "")
    )
      return;
    const row = ++this.rows;
    if (row > this.opts.maxRows) {
      throw new ImportError({
        code: "too_many_rows",
        status: 413,
        message: `the file has more than ${this.opts.maxRows} rows`,
        row,
      });
    }
    if (fields.length > width && headerless === null) {
      const extra = fields.length - width;
      if (fields.slice(width).some((f) => f.trim() !== "")) {
        this.rules.invalidRow(
          row,
          `column ${width + 1}`,
          "extra_cells",
          `the row has ${fields.length} cells, the header ${width}: a cell past the header must be empty`,
        );
        return;
      }
      fields = fields.slice(0, fields.length - extra);
    }
    const filled = plan.unnamed.find((i) => fields[i].trim() !== "");
    if (filled !== undefined) {
      this.rules.invalidRow(
        row,
        `column ${filled + 1}`,
        "unnamed_column",
        `column ${filled + 1} has no name in the header row: its cells must be empty (name it to import it)`,
      );
      return;
    }
    this.checkLengths(row, fields, plan);
    const phones: string[] = [];
    const separator = this.opts.lenient?.phoneSeparator;
    for (const i of plan.phones) {
      const cell = fields[i] ?? "";
      if (separator) for (const part of cell.split(separator)) addCellPhones(phones, part);
      else addCellPhones(phones, cell);
    }
    if (this.opts.lenient?.plusOptional) {
      // Read as written first (a spreadsheet's "79261234567.0" is those digits), as the rules read it after.
      for (let p = 0; p < phones.length; p++) {
        const written = phoneAsWritten(phones[p]);
        if (BARE_DIGITS.test(written)) phones[p] = `+${written}`;
      }
    }
    let custom = "{";
    for (let c = 0; c < plan.custom.length; c++) {
      const col = plan.custom[c];
      custom += (c === 0 ? "" : ",") + col.key + jsonString(fields[col.index] ?? "");
    }
    if (headerless?.restCustom) custom += this.restCustom(row, fields, headerless.taken);
    const input: RowInput = {
      phones,
      externalId: plan.externalId >= 0 ? (fields[plan.externalId] ?? "") : null,
      timeZone: plan.timeZone >= 0 ? (fields[plan.timeZone] ?? "") : null,
      dailyFrom: plan.dailyFrom >= 0 ? (fields[plan.dailyFrom] ?? "") : null,
      dailyTo: plan.dailyTo >= 0 ? (fields[plan.dailyTo] ?? "") : null,
      startAt: plan.startAt >= 0 ? (fields[plan.startAt] ?? "") : null,
      priority: plan.priority >= 0 ? (fields[plan.priority] ?? "") : null,
      customJson: `${custom}}`,
    };
    if (this.rules.accept(row, input, this.batch)) {
      this.batchCount++;
      if (this.batchCount >= this.opts.batchRows) this.flush();
    }
  }

  /** A value over maxFieldLength in a cell the import reads fails the file; cells a mapping leaves out are
   *  not read, so not checked either ("only the mapped columns are used"). */
  private checkLengths(row: number, fields: string[], plan: ColumnsPlan): void {
    const max = this.opts.maxFieldLength;
    const { read, headerless } = plan;
    const count = read === null ? fields.length : read.length;
    for (let k = 0; k < count; k++) {
      const i = read === null ? k : read[k];
      if (longerThan(fields[i] ?? "", max))
        this.tooLong(row, headerless === null ? plan.names[i] || `column ${i + 1}` : String(i + 1));
    }
  }

  private planColumns(first: string[]): ColumnsPlan {
    if (!this.opts.header) return this.planPositions();
    const max = this.opts.maxFieldLength;
    const names = first.map((n) => n.trim());
    for (const name of names) if (longerThan(name, max)) this.tooLong(0, name.slice(0, 40));
    // A header cell left empty names no column (spreadsheets end lines with empty cells once formatted).
    const unnamed = names.flatMap((n, i) => (n === "" ? [i] : []));
    const resolved = resolveColumns(
      names.filter((n) => n !== ""),
      this.opts.columns,
    );
    tooManyCustomFields(resolved.custom.length);
    const indexes = plan(resolved, (name) => names.indexOf(name));
    return { ...indexes, read: readColumns(indexes), names, unnamed, headerless: null };
  }

  /** Without a header: columns are positions 1, 2, …, whatever the first row's width (resolvePositions). */
  private planPositions(): ColumnsPlan {
    const resolved = resolvePositions(this.opts.columns);
    tooManyCustomFields(resolved.custom.length);
    const indexes = plan(resolved, (position) => Number(position) - 1);
    const mapped = readColumns(indexes);
    const taken = new Array<boolean>(Math.max(-1, ...mapped) + 1).fill(false);
    for (const i of mapped) taken[i] = true;
    const restCustom = resolved.restCustom === true;
    return {
      ...indexes,
      // Each cell is read when the ones no field is mapped to are custom fields.
      read: restCustom ? null : mapped,
      names: [],
      unnamed: [],
      headerless: { restCustom, taken },
    };
  }

  /**
   * Without a header nor a custom mapping, the row's cells no field is mapped to, as the rest of the
   * custom fields' JSON (each with a leading comma unless first). No more than maxCustomFields: past
   * that the file is refused, as a header naming that many custom columns is.
   */
  private restCustom(row: number, fields: string[], taken: boolean[]): string {
    let out = "";
    let count = 0;
    for (let i = 0; i < fields.length; i++) {
      if (taken[i] === true) continue;
      if (++count > DEFAULT_LIMITS.maxCustomFields) {
        const cells = fields.length - taken.filter(Boolean).length;
        tooManyCustomFields(cells, row);
      }
      out += `${count === 1 ? "" : ","}"${i + 1}":${jsonString(fields[i])}`;
    }
    return out;
  }

  private tooLong(row: number, column: string): never {
    throw new ImportError({
      code: "field_too_long",
      status: 400,
      message: `row ${row}, column "${column}": a value is longer than ${this.opts.maxFieldLength} characters`,
      field: column,
      row,
    });
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    this.batchCount = 0;
    this.sink(batch);
  }
}

function noop(): void {}

/** A character that is plain text in this dialect: not in its delimiter, quote or escape. */
function standIn(opts: { delimiter: string; quote: string; escape: string }): string {
  const special = opts.delimiter + opts.quote + opts.escape;
  return [..."xyz"].find((c) => !special.includes(c)) ?? "x";
}

/** The indexes of the columns a plan reads (its fields', custom ones included), in column order. */
function readColumns(indexes: Omit<ColumnsPlan, "read" | "names" | "unnamed" | "headerless">): number[] {
  const mapped = [
    ...indexes.phones,
    indexes.externalId,
    indexes.timeZone,
    indexes.dailyFrom,
    indexes.dailyTo,
    indexes.startAt,
    indexes.priority,
    ...indexes.custom.map((c) => c.index),
  ];
  return [...new Set(mapped.filter((i) => i >= 0))].sort((a, b) => a - b);
}

/** The field indexes of resolved columns, `index` giving a column's. */
function plan(
  resolved: ResolvedColumns,
  index: (column: string) => number,
): Omit<ColumnsPlan, "read" | "names" | "unnamed" | "headerless"> {
  const at = (column: string | undefined) => (column === undefined ? -1 : index(column));
  return {
    phones: resolved.phone.map(index),
    externalId: at(resolved.external_id),
    timeZone: at(resolved.time_zone),
    dailyFrom: at(resolved.daily_from),
    dailyTo: at(resolved.daily_to),
    startAt: at(resolved.start_at),
    priority: at(resolved.priority),
    custom: resolved.custom.map((c) => ({ index: index(c), key: `${jsonString(c)}:` })),
  };
}

/** More custom fields than a contact may have: the whole file is refused (from a header's columns, or
 *  without a header from the cells of row `row`). */
function tooManyCustomFields(count: number, row?: number): void {
  const max = DEFAULT_LIMITS.maxCustomFields;
  if (count <= max) return;
  if (row !== undefined) {
    throw badRequestWithHint(
      "too_many_custom_fields",
      `row ${row} has ${count} cells that would become custom fields, at most ${max} are allowed`,
      "map the columns to keep by number (map.custom=2,3,…), and with it every other column you want (map.phone=1, map.external_id=…)",
      "columns.custom",
      row,
    );
  }
  throw badRequestWithHint(
    "too_many_custom_fields",
    `${count} columns would become custom fields, at most ${max} are allowed`,
    "map the ones to keep (map.custom=<column>,…), and with it every other column you want, since a mapping turns off finding columns by their header names (map.phone=, map.external_id=, map.time_zone=…)",
    "columns.custom",
  );
}
