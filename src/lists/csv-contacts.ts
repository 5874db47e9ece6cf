// CSV bytes → validated contact tuples, in batches. Runs in the import worker thread for large files
// and in the calling thread for small ones; it is synchronous and keeps no more than one batch.
// Whole-import problems (malformed CSV, bad bytes, limits, a "reject" policy) are thrown as ImportError.
import { Parser } from "csv-parse";
import { ByteDecoder, type EncodingPlan } from "./byte-decoder.ts";
import { resolveColumns } from "./columns.ts";
import { ContactRules, jsonString, longerThan, type RowInput, type RulesOptions } from "./contact-rules.ts";
import { type CsvCore, FastCsvCore, fastCsvSupports } from "./csv-fast.ts";
import { badRequestWithHint, ImportError } from "./errors.ts";
import { type ColumnMapping, DEFAULT_LIMITS, type LenientRows, type RowIssue } from "./types.ts";

/** An international number written without its '+' (LenientRows.plusOptional). */
const BARE_DIGITS = /^\s*\d{8,15}\s*$/;

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
  /** Columns with no name in the header row (a spreadsheet's trailing empty columns): no field, and their
   *  cells must be empty, as cells past the header must. */
  unnamed: number[];
}

type CoreOptions = Pick<CsvOptions, "delimiter" | "quote" | "escape" | "maxFieldLength" | "lenient"> & {
  /** Rows of another width than the header are handed on, for the reader to even out or refuse row by
   *  row (CsvContactParser.record: a short row's missing cells are empty, a value past the header makes
   *  its row invalid, extra_cells); else such a row is a malformed_csv for the whole file. */
  raggedRows?: boolean;
};

export function csvParserOptions(opts: CoreOptions) {
  return {
    delimiter: opts.delimiter,
    quote: opts.quote,
    escape: opts.escape,
    relax_column_count: opts.raggedRows === true,
    relax_quotes: false,
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
    if (decoded.bad) this.badEncoding();
  }

  end(): CsvSummary {
    const decoded = this.decoder.end();
    this.feed(decoded.bytes, false);
    if (decoded.bad) this.badEncoding();
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
      // In the header while that has not been read: row 0, as the header's other errors say.
      const row = this.columns === null && this.opts.header ? 0 : this.rows + 1;
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
      row: this.rows + 1,
    });
  }

  private badEncoding(): never {
    // Rows before the bad byte were parsed; the bad byte sits in the next one, or in the header (row 0)
    // while that has not been read.
    const row = this.columns === null && this.opts.header ? 0 : this.rows + 1;
    throw badRequestWithHint(
      "bad_encoding",
      `row ${row} (line ${this.csv.info.lines}) has bytes that are not valid ${this.decoder.encodingName}`,
      "pass the file's encoding (e.g. encoding=windows-1251)",
      "encoding",
      row,
    );
  }

  private record(record: string[]): void {
    let fields = record;
    if (this.columns === null) {
      this.columns = this.planColumns(fields);
      if (this.opts.header) return;
    }
    const plan = this.columns;
    const width = plan.names.length;
    if (fields.length < width) fields = fields.concat(new Array<string>(width - fields.length).fill(""));
    // A row of empty cells (spreadsheets leave them at the end) is no row at all.
    if (
      plan.phones.length > 0 &&
      fields[plan.phones[0]].trim() === "" &&
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
    if (fields.length > width) {
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
    const max = this.opts.maxFieldLength;
    for (let i = 0; i < fields.length; i++) {
      if (longerThan(fields[i], max)) this.tooLong(row, plan.names[i] || `column ${i + 1}`);
    }
    const phones: string[] = [];
    const separator = this.opts.lenient?.phoneSeparator;
    for (const i of plan.phones) {
      if (separator) phones.push(...fields[i].split(separator));
      else phones.push(fields[i]);
    }
    if (this.opts.lenient?.plusOptional) {
      for (let p = 0; p < phones.length; p++)
        if (BARE_DIGITS.test(phones[p])) phones[p] = `+${phones[p].trim()}`;
    }
    let custom = "{";
    for (let c = 0; c < plan.custom.length; c++) {
      const col = plan.custom[c];
      custom += (c === 0 ? "" : ",") + col.key + jsonString(fields[col.index]);
    }
    const input: RowInput = {
      phones,
      externalId: plan.externalId >= 0 ? fields[plan.externalId] : null,
      timeZone: plan.timeZone >= 0 ? fields[plan.timeZone] : null,
      dailyFrom: plan.dailyFrom >= 0 ? fields[plan.dailyFrom] : null,
      dailyTo: plan.dailyTo >= 0 ? fields[plan.dailyTo] : null,
      startAt: plan.startAt >= 0 ? fields[plan.startAt] : null,
      priority: plan.priority >= 0 ? fields[plan.priority] : null,
      customJson: `${custom}}`,
    };
    if (this.rules.accept(row, input, this.batch)) {
      this.batchCount++;
      if (this.batchCount >= this.opts.batchRows) this.flush();
    }
  }

  private planColumns(first: string[]): ColumnsPlan {
    const max = this.opts.maxFieldLength;
    const names = this.opts.header ? first.map((n) => n.trim()) : first.map((_, i) => String(i + 1));
    if (this.opts.header) {
      for (const name of names) if (longerThan(name, max)) this.tooLong(0, name.slice(0, 40));
    }
    // A header cell left empty names no column (spreadsheets end lines with empty cells once formatted).
    const unnamed = names.flatMap((n, i) => (n === "" ? [i] : []));
    const resolved = resolveColumns(
      names.filter((n) => n !== ""),
      this.opts.columns,
    );
    if (resolved.custom.length > DEFAULT_LIMITS.maxCustomFields) {
      throw badRequestWithHint(
        "too_many_custom_fields",
        `${resolved.custom.length} columns would become custom fields, at most ${DEFAULT_LIMITS.maxCustomFields} are allowed`,
        "map the ones to keep (map.custom=<column>,…), and with it every other column you want, since a mapping turns off finding columns by their header names (map.phone=, map.external_id=, map.time_zone=…)",
        "columns.custom",
      );
    }
    const at = (name: string | undefined) => (name === undefined ? -1 : names.indexOf(name));
    return {
      names,
      phones: resolved.phone.map((n) => names.indexOf(n)),
      externalId: at(resolved.external_id),
      timeZone: at(resolved.time_zone),
      dailyFrom: at(resolved.daily_from),
      dailyTo: at(resolved.daily_to),
      startAt: at(resolved.start_at),
      priority: at(resolved.priority),
      custom: resolved.custom.map((n) => ({ index: names.indexOf(n), key: `${jsonString(n)}:` })),
      unnamed,
    };
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
