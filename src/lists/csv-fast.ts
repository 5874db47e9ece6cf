// A CSV record parser for the usual dialect (one-character delimiter and quote, the quote doubled as its
// own escape) that gives the same records, errors and line numbers as csv-parse with the options
// csvParserOptions sets, at several times its speed: csv-parse appends every byte to a growing buffer
// and decodes each field on its own, which made it the largest single cost of a large import. This one
// decodes a chunk once and cuts fields out of the text. test/lists/csv-fast.test.ts compares the two
// on generated inputs, malformed ones included.
//
// A record ends at any line end outside quotes, CRLF, LF or CR alike (CRLF is one), wherever it is in
// the file: csv-parse is given all three as record delimiters (csvParserOptions), not left to fix the
// one it finds first, which made a file whose lines do not all end alike merge its rows into one.

import { StringDecoder } from "node:string_decoder";

/** The part of csv-parse's core that CsvContactParser uses. */
export interface CsvCore {
  parse(
    buf: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): Error | undefined;
  info: { lines: number };
}

export interface FastCsvOptions {
  delimiter: string;
  quote: string;
  escape: string;
  maxRecordSize: number;
  /** Rows of any width (csv-parse's relax_column_count). */
  relaxColumnCount?: boolean;
}

const CR = 13;
const LF = 10;

/** Whether these options are ones FastCsvCore reproduces csv-parse for. */
export function fastCsvSupports(opts: { delimiter: string; quote: string; escape: string }): boolean {
  const { delimiter, quote } = opts;
  return (
    delimiter.length === 1 &&
    quote.length === 1 &&
    opts.escape === quote &&
    delimiter !== quote &&
    !/[\r\n]/.test(delimiter + quote) &&
    delimiter.charCodeAt(0) < 0x80 &&
    quote.charCodeAt(0) < 0x80
  );
}

class CsvFormatError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly lines: number,
  ) {
    super(message);
  }
}

export class FastCsvCore implements CsvCore {
  readonly info = { lines: 1 };
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly quoteChar: string;
  private readonly maxRecordSize: number;
  private readonly relaxColumnCount: boolean;
  private pending = "";
  // Callers hand over whole characters (byte-decoder.ts); this only guards against a cut one.
  private readonly decoder = new StringDecoder("utf8");
  private expected = -1;

  constructor(opts: FastCsvOptions) {
    this.delimiter = opts.delimiter.charCodeAt(0);
    this.quote = opts.quote.charCodeAt(0);
    this.quoteChar = opts.quote;
    this.maxRecordSize = opts.maxRecordSize;
    this.relaxColumnCount = opts.relaxColumnCount === true;
  }

  parse(
    buf: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): Error | undefined {
    const added = (buf && buf.length > 0 ? this.decoder.write(buf) : "") + (end ? this.decoder.end() : "");
    const text = this.pending.length > 0 ? this.pending + added : added;
    this.pending = "";
    try {
      const consumed = this.records(text, end, push);
      if (!end) this.pending = consumed < text.length ? text.slice(consumed) : "";
      else close();
      return undefined;
    } catch (err) {
      if (err instanceof CsvFormatError) return err;
      throw err;
    }
  }

  /** Emits every complete record of `text`; returns where the first incomplete one starts. */
  private records(text: string, end: boolean, push: (record: string[]) => void): number {
    const { delimiter, quote } = this;
    const n = text.length;
    let start = 0;
    while (start < n) {
      let lines = this.info.lines;
      let p = start;
      let c = text.charCodeAt(p);
      if (c === LF || c === CR) {
        // A line end where a record starts: csv-parse skips empty lines. "\r" ending the text may still
        // become "\r\n".
        if (c === CR && p + 1 >= n && !end) return start;
        this.info.lines = lines + 1;
        start = p + lineEndLength(text, p);
        continue;
      }
      const record: string[] = [];
      let recordChars = 0;
      for (;;) {
        // One field from p.
        let value: string;
        if (p < n && text.charCodeAt(p) === quote) {
          const field = this.quoted(text, p, end, lines, recordChars);
          if (field === null) return start;
          ({ value, p, lines } = field);
          if (p < n && text.charCodeAt(p) === 0) {
            // csv-parse takes a NUL after a closing quote as ending the quote, then as field text.
            const rest = this.unquoted(text, p, end, lines, record.length, recordChars + value.length);
            if (rest === null) return start;
            value += rest.value;
            p = rest.p;
          }
        } else {
          const field = this.unquoted(text, p, end, lines, record.length, recordChars);
          if (field === null) return start;
          ({ value, p } = field);
        }
        record.push(value);
        recordChars += value.length;
        if (p >= n) break; // the end of the text (`end` is set, or unquoted/quoted returned null)
        c = text.charCodeAt(p);
        if (c === delimiter) {
          p++;
          if (p >= n && !end) return start;
          continue;
        }
        break; // a record delimiter
      }
      if (!this.relaxColumnCount && this.expected >= 0 && record.length !== this.expected) {
        throw inconsistent(this.expected, record.length, lines);
      }
      if (p < n) {
        // A line end, whole: a "\r" ending the text made unquoted()/quoted() wait for what follows.
        p += lineEndLength(text, p);
        lines++;
      }
      if (this.expected < 0) this.expected = record.length;
      this.info.lines = lines;
      start = p;
      push(record);
    }
    return start;
  }

  /** A quoted field from the quote at `p`, up to after its closing quote; null when the text ends first. */
  private quoted(
    text: string,
    p: number,
    end: boolean,
    linesIn: number,
    recordChars: number,
  ): { value: string; p: number; lines: number } | null {
    const { delimiter, quote } = this;
    const n = text.length;
    let lines = linesIn;
    let value = "";
    let from = p + 1;
    let q = from;
    for (;;) {
      const next = text.indexOf(this.quoteChar, q);
      const stop = next < 0 ? n : next;
      for (let k = q; k < stop; k++) {
        const ch = text.charCodeAt(k);
        if (ch === LF || ch === CR) lines++;
      }
      if (next < 0 || (next + 1 >= n && !end)) {
        this.checkSize(recordChars + value.length, text, from, stop, linesIn);
        if (!end) return null;
        // csv-parse counts a line end when it reads the next character, and there is none.
        const line = lines - (isLineEnd(text.charCodeAt(n - 1)) ? 1 : 0);
        throw new CsvFormatError(
          "CSV_QUOTE_NOT_CLOSED",
          `Quote Not Closed: the parsing is finished with an opening quote at line ${line}`,
          line,
        );
      }
      const after = next + 1 < n ? text.charCodeAt(next + 1) : -1;
      if (after === quote) {
        value += text.slice(from, next + 1);
        from = next + 2;
        q = from;
        continue;
      }
      value += text.slice(from, next);
      this.checkSize(recordChars, value, 0, value.length, linesIn);
      if (after === -1 || after === delimiter || after === 0) return { value, p: next + 1, lines };
      if (after === LF || after === CR) {
        // "\r" ending the text may still become "\r\n" (records() steps over the line end whole).
        if (after === CR && next + 2 >= n && !end) return null;
        return { value, p: next + 1, lines };
      }
      throw new CsvFormatError(
        "CSV_INVALID_CLOSING_QUOTE",
        `Invalid Closing Quote: got "${String.fromCharCode(firstByte(text.codePointAt(next + 1) ?? after))}" at line ${lines} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
        lines,
      );
    }
  }

  /**
   * An unquoted field from `p` up to a delimiter or a line end (not consumed). Null when the text ends
   * before the field can be known complete. Such a field holds no line end, so its line is `lines`.
   */
  private unquoted(
    text: string,
    p: number,
    end: boolean,
    lines: number,
    column: number,
    recordChars: number,
  ): { value: string; p: number } | null {
    const { delimiter, quote } = this;
    const n = text.length;
    const from = p;
    let k = p;
    for (; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c === delimiter) break;
      if (c === LF || c === CR) {
        // "\r" at the end of the text may still become "\r\n".
        if (c === CR && k + 1 >= n && !end) return null;
        break;
      }
      if (c === quote) {
        this.checkSize(recordChars, text, from, k, lines);
        throw new CsvFormatError(
          "INVALID_OPENING_QUOTE",
          `Invalid Opening Quote: a quote is found on field ${JSON.stringify(column)} at line ${lines}, value is ${JSON.stringify(text.slice(from, k))}`,
          lines,
        );
      }
    }
    this.checkSize(recordChars, text, from, k, lines);
    if (k >= n && !end) return null;
    return { value: text.slice(from, k), p: k };
  }

  /**
   * csv-parse's max_record_size: the earlier fields' characters plus this field's bytes, checked before
   * each byte is added. Also what keeps a runaway quote from holding the whole upload.
   */
  private checkSize(recordChars: number, text: string, from: number, to: number, lines: number): void {
    const max = this.maxRecordSize;
    if (max === 0 || recordChars + (to - from) * 3 <= max) return;
    let bytes = 0;
    let line = lines;
    for (let k = from; k < to; k++) {
      if (recordChars + bytes > max) {
        throw new CsvFormatError(
          "CSV_MAX_RECORD_SIZE",
          `Max Record Size: record exceed the maximum number of tolerated bytes of ${max} at line ${line}`,
          line,
        );
      }
      const c = text.charCodeAt(k);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xdc00 && c <= 0xdfff ? 1 : 3;
      if (c === LF || c === CR) line++;
    }
  }
}

function isLineEnd(c: number): boolean {
  return c === LF || c === CR;
}

/** The length of the line end at `k` (CR, LF or CRLF): 2 for CRLF, else 1. */
function lineEndLength(text: string, k: number): number {
  return text.charCodeAt(k) === CR && text.charCodeAt(k + 1) === LF ? 2 : 1;
}

function inconsistent(expected: number, got: number, lines: number): CsvFormatError {
  return new CsvFormatError(
    "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH",
    `Invalid Record Length: expect ${expected}, got ${got} on line ${lines}`,
    lines,
  );
}

/** csv-parse reports the byte after a closing quote as a character: the first byte of its UTF-8 form. */
function firstByte(code: number): number {
  if (code < 0x80) return code;
  return Buffer.from(String.fromCodePoint(code), "utf8")[0];
}
