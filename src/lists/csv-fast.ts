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
//
// A record the end of a chunk cuts is kept as read so far (CutRecord), and the next chunk is read on
// from where reading stopped: each character is read once however the upload is chunked (only a CR or
// a quote ending a chunk waits for the next character to say what it is).

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

/** A field read up to its end, and the line reached. */
interface Field {
  value: string;
  p: number;
  lines: number;
}

/** A field the end of a chunk cut: what was read of it, for the next chunk to go on from. */
interface FieldCut {
  quoted: boolean;
  /** Before an unquoted run: the quoted text it follows (csv-parse reads on after a NUL that follows a
   *  closing quote); else "". */
  head: string;
  /** The run's text so far (inside quotes, unescaped), and its UTF-8 bytes, which the size cap counts. */
  text: string;
  bytes: number;
  lines: number;
  /** Where in the chunk's text reading stops: its end, or a CR or quote whose meaning the next character
   *  decides (the only text read twice). */
  at: number;
}

/**
 * A record the end of a chunk cut: its fields so far and the one being read (null: none yet, the chunk
 * ended after a delimiter). The next chunk goes on from there; reading the record again from its start
 * made a long record cost its length times the chunks it came in (a 200,000-character value in 7-byte
 * chunks took 17 s on the thread that dials).
 */
interface CutRecord {
  fields: string[];
  chars: number;
  lines: number;
  field: FieldCut | null;
}

export class FastCsvCore implements CsvCore {
  readonly info = { lines: 1 };
  /** Characters handed to the record reader: each once, whatever the chunks (a test's measure). */
  charsRead = 0;
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly quoteChar: string;
  private readonly maxRecordSize: number;
  private readonly relaxColumnCount: boolean;
  /** The end of the last chunk whose meaning the next character decides: a CR, or a quote (and a CR). */
  private pending = "";
  private cut: CutRecord | null = null;
  /** The field the end of the text cut, as quoted()/unquoted() leave it for cutRecord(). */
  private fieldCut: FieldCut | null = null;
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
    this.charsRead += text.length;
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

  /**
   * Emits every complete record of `text`, the one the last chunk cut first; returns where reading
   * stopped (the rest is `pending`), keeping a record cut there in `cut`.
   */
  private records(text: string, end: boolean, push: (record: string[]) => void): number {
    const { delimiter, quote } = this;
    const n = text.length;
    let start = 0;
    while (start < n || this.cut !== null) {
      let record: string[];
      let recordChars: number;
      let lines: number;
      let p = start;
      let c: number;
      // A field already read: the end of the one the last chunk cut.
      let field: Field | null = null;
      const cut = this.cut;
      if (cut !== null) {
        if (n === 0 && !end) return 0;
        this.cut = null;
        record = cut.fields;
        recordChars = cut.chars;
        lines = cut.lines;
        if (cut.field !== null) {
          field = cut.field.quoted
            ? this.quotedField(text, 0, end, lines, record.length, recordChars, cut.field)
            : this.unquoted(text, 0, end, lines, record.length, recordChars, cut.field);
          if (field === null) return this.cutRecord(record, recordChars, lines, p);
        }
      } else {
        lines = this.info.lines;
        c = text.charCodeAt(p);
        if (c === LF || c === CR) {
          // A line end where a record starts: csv-parse skips empty lines. "\r" ending the text may still
          // become "\r\n".
          if (c === CR && p + 1 >= n && !end) return start;
          this.info.lines = lines + 1;
          start = p + lineEndLength(text, p);
          continue;
        }
        record = [];
        recordChars = 0;
      }
      for (;;) {
        // One field from p.
        field ??=
          p < n && text.charCodeAt(p) === quote
            ? this.quotedField(text, p + 1, end, lines, record.length, recordChars, null)
            : this.unquoted(text, p, end, lines, record.length, recordChars, null);
        if (field === null) return this.cutRecord(record, recordChars, lines, p);
        const { value } = field;
        p = field.p;
        lines = field.lines;
        field = null;
        record.push(value);
        recordChars += value.length;
        if (p >= n) break; // the end of the text, `end` being set (else the field would have been cut)
        c = text.charCodeAt(p);
        if (c === delimiter) {
          p++;
          if (p >= n && !end) return this.cutRecord(record, recordChars, lines, p);
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

  /**
   * Keeps the record being read for the next chunk: its fields, and the field the text ended in (which
   * quoted()/unquoted() left in `fieldCut`), or none when it ended after a delimiter (at `p`). Returns
   * where reading stopped.
   */
  private cutRecord(fields: string[], chars: number, lines: number, p: number): number {
    const field = this.fieldCut;
    this.fieldCut = null;
    this.cut = { fields, chars, lines: field === null ? lines : field.lines, field };
    return field === null ? p : field.at;
  }

  /** Leaves the field being read for cutRecord(): `part` is what this text held of it, after `run`. */
  private cutField(quoted: boolean, run: FieldCut | null, part: string, lines: number, at: number): null {
    this.fieldCut = {
      quoted,
      head: run === null ? "" : run.head,
      text: run === null ? part : run.text + part,
      bytes: (run === null ? 0 : run.bytes) + utf8Bytes(part, 0, part.length),
      lines,
      at,
    };
    return null;
  }

  /**
   * A quoted field from `from`, just past its opening quote (or where `run`, the part the last chunk
   * held, stopped), and the text csv-parse reads into it after a NUL that follows the closing quote.
   */
  private quotedField(
    text: string,
    from: number,
    end: boolean,
    lines: number,
    column: number,
    recordChars: number,
    run: FieldCut | null,
  ): Field | null {
    const field = this.quoted(text, from, end, lines, recordChars, run);
    if (field === null || field.p >= text.length || text.charCodeAt(field.p) !== 0) return field;
    // csv-parse takes a NUL after a closing quote as ending the quote, then as field text.
    const rest: FieldCut = {
      quoted: false,
      head: field.value,
      text: "",
      bytes: 0,
      lines: field.lines,
      at: 0,
    };
    return this.unquoted(text, field.p, end, field.lines, column, recordChars, rest);
  }

  /** The rest of a quoted field from `from` (see quotedField); null when the text ends first. */
  private quoted(
    text: string,
    start: number,
    end: boolean,
    linesIn: number,
    recordChars: number,
    run: FieldCut | null,
  ): Field | null {
    const { delimiter, quote } = this;
    const n = text.length;
    const before = run === null ? 0 : run.bytes;
    let lines = linesIn;
    let value = "";
    let from = start;
    let q = from;
    for (;;) {
      const next = text.indexOf(this.quoteChar, q);
      const stop = next < 0 ? n : next;
      for (let k = q; k < stop; k++) {
        const ch = text.charCodeAt(k);
        if (ch === LF || ch === CR) lines++;
      }
      if (next < 0 || (next + 1 >= n && !end)) {
        const part = value + text.slice(from, stop);
        this.checkSize(recordChars + before, part, 0, part.length, linesIn);
        if (!end) return this.cutField(true, run, part, lines, stop);
        // csv-parse counts a line end when it reads the next character, and there is none.
        const whole = run === null ? part : run.text + part;
        const line = lines - (isLineEnd(whole.charCodeAt(whole.length - 1)) ? 1 : 0);
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
      this.checkSize(recordChars + before, value, 0, value.length, linesIn);
      if (after === CR && next + 2 >= n && !end) {
        // "\r" ending the text may still become "\r\n" (records() steps over the line end whole).
        return this.cutField(true, run, value, lines, next);
      }
      if (after === -1 || after === delimiter || after === 0 || after === LF || after === CR) {
        return { value: run === null ? value : run.text + value, p: next + 1, lines };
      }
      throw new CsvFormatError(
        "CSV_INVALID_CLOSING_QUOTE",
        `Invalid Closing Quote: got "${String.fromCharCode(firstByte(text.codePointAt(next + 1) ?? after))}" at line ${lines} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
        lines,
      );
    }
  }

  /**
   * An unquoted field from `p` up to a delimiter or a line end (not consumed), after `run` (what the last
   * chunk held of it). Null when the text ends before the field can be known complete. Such a field holds
   * no line end, so its line is `lines`.
   */
  private unquoted(
    text: string,
    p: number,
    end: boolean,
    lines: number,
    column: number,
    recordChars: number,
    run: FieldCut | null,
  ): Field | null {
    const { delimiter, quote } = this;
    const n = text.length;
    const from = p;
    // csv-parse counts a field's text after a closing quote and a NUL on top of the quoted text's
    // characters, as it counts the earlier fields'.
    const before = run === null ? 0 : run.head.length + run.bytes;
    let k = p;
    for (; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c === delimiter) break;
      if (c === LF || c === CR) {
        // "\r" at the end of the text may still become "\r\n".
        if (c === CR && k + 1 >= n && !end) {
          this.checkSize(recordChars + before, text, from, k, lines);
          return this.cutField(false, run, text.slice(from, k), lines, k);
        }
        break;
      }
      if (c === quote) {
        this.checkSize(recordChars + before, text, from, k, lines);
        const value = (run === null ? "" : run.text) + text.slice(from, k);
        throw new CsvFormatError(
          "INVALID_OPENING_QUOTE",
          `Invalid Opening Quote: a quote is found on field ${JSON.stringify(column)} at line ${lines}, value is ${JSON.stringify(value)}`,
          lines,
        );
      }
    }
    this.checkSize(recordChars + before, text, from, k, lines);
    if (k >= n && !end) return this.cutField(false, run, text.slice(from, k), lines, k);
    const value = text.slice(from, k);
    return { value: run === null ? value : run.head + run.text + value, p: k, lines };
  }

  /**
   * csv-parse's max_record_size: the earlier fields' characters (`before`, with the bytes of the field
   * read from earlier chunks) plus this field's bytes, checked before each byte is added. Also what keeps
   * a runaway quote from holding the whole upload.
   */
  private checkSize(before: number, text: string, from: number, to: number, lines: number): void {
    const max = this.maxRecordSize;
    if (max === 0 || before + (to - from) * 3 <= max) return;
    let bytes = 0;
    let line = lines;
    for (let k = from; k < to; k++) {
      if (before + bytes > max) {
        throw new CsvFormatError(
          "CSV_MAX_RECORD_SIZE",
          `Max Record Size: record exceed the maximum number of tolerated bytes of ${max} at line ${line}`,
          line,
        );
      }
      const c = text.charCodeAt(k);
      bytes += charBytes(c);
      if (c === LF || c === CR) line++;
    }
  }
}

/** UTF-8 bytes of a UTF-16 unit: a surrogate pair counts 3 + 1. */
function charBytes(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xdc00 && c <= 0xdfff ? 1 : 3;
}

function utf8Bytes(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let k = from; k < to; k++) bytes += charBytes(text.charCodeAt(k));
  return bytes;
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
