// What the do-not-call routes take in: numbers from a JSON list or from the phone column(s) of a CSV file,
// each normalized to E.164 with lib/phone.ts (under phone_policy=flag one that is not a valid number is
// listed as written, as a contact import's phone_policy=flag keeps it: see listablePhone) and recorded with a per-row report of
// what was skipped and why. The CSV is decoded and parsed with the contact import's machinery (lists/:
// encodings and byte order marks, any delimiter and quote, malformed-file and limit errors as ImportError,
// rendered 400/413).
import { addCellPhones, type PhoneDetails, phoneAsWritten, phoneDetails } from "../../lib/phone.ts";
import { ByteDecoder, encodingAdvice, resolveEncoding } from "../../lists/byte-decoder.ts";
import { resolveColumns, resolvePositions } from "../../lists/columns.ts";
import { phoneProblem, tooLongToKeep } from "../../lists/contact-rules.ts";
import { createCsvCore } from "../../lists/csv-contacts.ts";
import { badRequest, ImportError } from "../../lists/errors.ts";
import type { RowIssue } from "../../lists/types.ts";
import type { DncEntry } from "../../store/dnc.ts";

export const DNC_LIMITS = {
  /** Numbers per JSON request (more: 413). */
  maxNumbers: 10_000,
  /** CSV upload size (more: 413). */
  maxBytes: 16 * 1024 * 1024,
  /** CSV data rows (more: 413). */
  maxRows: 200_000,
  maxFieldLength: 1024,
  /** Row problems listed in a report; the counts stay exact. */
  maxErrors: 1000,
} as const;

/** A phone that is not a valid number: skipped and reported, the request refused, or listed as written
 *  (flag: the text a contact imported with phone_policy=flag keeps, and is dialed on). */
export type DncPhonePolicy = "skip" | "reject" | "flag";
export const DNC_PHONE_POLICIES: readonly DncPhonePolicy[] = ["skip", "reject", "flag"];

export interface DncReport {
  rows: number;
  added: number;
  /** Under phone_policy=flag: numbers listed as written. */
  flagged?: number;
  already_listed: number;
  skipped: number;
  errors: RowIssue[];
  errors_truncated: boolean;
}

const DIGIT = /\p{Nd}/u;

/**
 * The text a do-not-call entry lists for `raw`: its E.164 form when it is a valid number (with
 * `defaultCountry`), else the text exactly as a contact import under phone_policy=flag keeps that phone
 * (lists/contact-rules.ts: trimmed, control characters dropped, at most maxFlaggedPhoneLength characters),
 * which is what the contact's phones hold, what the claim compares the list with (store/dispatch/dnc.ts:
 * exact text) and what an agent's "do not call" disposition lists; `invalid` says why it is not valid. Text that no
 * import keeps, or that holds no digit at all, is not a number to list: the reason why, as a string.
 */
export function listablePhone(
  raw: string,
  defaultCountry?: string,
): { phone: string; invalid: string | null } | string {
  const kept = phoneAsWritten(raw);
  const details = phoneDetails(kept, defaultCountry);
  // A number with an extension is not valid here as in a contact import: listed as written under flag,
  // which is the text a contact imported with it under flag holds.
  const problem = phoneProblem(details);
  if (problem === null) return { phone: (details as PhoneDetails).e164, invalid: null };
  if (!DIGIT.test(kept)) return problem;
  return tooLongToKeep(kept, problem) ?? { phone: kept, invalid: problem };
}

/** The longer of two listings' expiries: "until removed" (null) beats any date, else the later one. */
function longerListing(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : Math.max(a, b);
}

/** Collects a request's numbers: one entry per phone, a row problem for each one skipped. */
export class DncBatch {
  readonly entries = new Map<string, DncEntry>();
  readonly issues: RowIssue[] = [];
  rows = 0;
  skipped = 0;
  flagged = 0;
  private issuesTruncated = false;
  private readonly firstRow = new Map<string, number>();

  constructor(private readonly opts: { defaultCountry?: string; phonePolicy: DncPhonePolicy }) {}

  /**
   * `field` names the input in a reject error (body.numbers[3], or the CSV column). Under phone_policy=flag
   * a number that is not valid is listed as written (listablePhone), so a contact kept flagged with it is
   * not dialed.
   */
  add(row: number, raw: string, field: string, entry: Omit<DncEntry, "phone">): void {
    const parsed = listablePhone(raw, this.opts.defaultCountry);
    if (typeof parsed === "string") {
      this.invalid({ row, field, code: "invalid_phone", message: parsed, value: raw });
      return;
    }
    if (parsed.invalid !== null && this.opts.phonePolicy !== "flag") {
      this.invalid({ row, field, code: "invalid_phone", message: parsed.invalid, value: raw });
      return;
    }
    const { phone } = parsed;
    const earlier = this.firstRow.get(phone);
    if (earlier !== undefined) {
      // Merged as two requests would be (store/dnc.ts addDncNumbers): this row's source and reason, and the
      // longer listing of the two. Keeping the first alone let a 30-day opt-out before a permanent one in
      // the same request list the number for 30 days only (dncbill10).
      const kept = this.entries.get(phone) as DncEntry;
      const expiresAt = longerListing(kept.expiresAt, entry.expiresAt);
      this.entries.set(phone, { ...kept, ...entry, phone, expiresAt });
      this.skip({
        row,
        field,
        code: "duplicate",
        message: `${phone} is already in row ${earlier} of this request: listed once, with this row's reason, until the later of the two expiries`,
        value: raw,
      });
      return;
    }
    this.firstRow.set(phone, row);
    this.entries.set(phone, { phone, ...entry });
    if (parsed.invalid !== null) {
      // Listed, and said so, as an import reports a phone it keeps flagged.
      this.flagged++;
      const message = `${parsed.invalid}; listed as written`;
      this.note({ row, field, code: "invalid_phone", message, value: raw });
    }
  }

  /** A row that cannot be listed: skipped and reported, or under phone_policy=reject a 400 for it all. */
  invalid(issue: RowIssue): void {
    if (this.opts.phonePolicy === "reject") {
      const { code, field, row } = issue;
      const message = issue.value === undefined ? issue.message : `${issue.value}: ${issue.message}`;
      throw new ImportError({ code, status: 400, message, field, row });
    }
    this.skip(issue);
  }

  skip(issue: RowIssue): void {
    this.skipped++;
    this.note(issue);
  }

  private note(issue: RowIssue): void {
    if (this.issues.length < DNC_LIMITS.maxErrors) this.issues.push(issue);
    else this.issuesTruncated = true;
  }

  report(written: { added: number; alreadyListed: number }): DncReport {
    return {
      rows: this.rows,
      added: written.added,
      ...(this.opts.phonePolicy === "flag" ? { flagged: this.flagged } : {}),
      already_listed: written.alreadyListed,
      skipped: this.skipped,
      errors: this.issues,
      errors_truncated: this.issuesTruncated,
    };
  }
}

export interface DncCsvOptions {
  encoding?: string;
  delimiter?: string;
  quote?: string;
  escape?: string;
  header?: boolean;
  /** Column names (or 1-based numbers without a header) holding phones; default: the recognised headers. */
  phoneColumns?: string[];
  maxRows: number;
  entry: Omit<DncEntry, "phone">;
}

/**
 * Reads every phone cell of the file into the batch. Whole-file problems throw ImportError. Without a
 * header (header=false) columns are positions 1, 2, … as in a contact import (lists/columns.ts
 * resolvePositions): rows may be of any width, a phone column a row lacks is empty in it, and
 * phone_column may name a column only later rows have. With a header every row has its width.
 */
export function readDncCsv(bytes: Buffer, opts: DncCsvOptions, batch: DncBatch): void {
  const decoder = new ByteDecoder(resolveEncoding(opts.encoding));
  const quote = opts.quote ?? '"';
  const header = opts.header ?? true;
  const csv = createCsvCore({
    delimiter: opts.delimiter ?? ",",
    quote,
    escape: opts.escape ?? quote,
    maxFieldLength: DNC_LIMITS.maxFieldLength,
    raggedRows: !header,
  });
  /** A column's name in a report: its header cell, or its position (1-based) without a header. */
  let nameOf: ((i: number) => string) | null = null;
  let phoneAt: number[] = [];

  const record = (fields: string[]): void => {
    if (nameOf === null) {
      if (header) {
        const names = fields.map((n) => n.trim());
        phoneAt = phoneColumns(names, opts.phoneColumns).map((n) => names.indexOf(n));
        nameOf = (i) => names[i];
        return;
      }
      phoneAt = phonePositions(opts.phoneColumns).map((p) => Number(p) - 1);
      nameOf = (i) => String(i + 1);
    }
    const name = nameOf;
    if (fields.every((f) => f.trim() === "")) return;
    const row = ++batch.rows;
    if (row > opts.maxRows) {
      throw new ImportError({
        code: "too_many_rows",
        status: 413,
        message: `the file has more than ${opts.maxRows} rows`,
        row,
      });
    }
    // Only the phone cells are read, so only they are held to the limit (a long note beside is no matter).
    for (const i of phoneAt) {
      if ((fields[i] ?? "").length > DNC_LIMITS.maxFieldLength) {
        const message = `column "${name(i)}": a value is longer than ${DNC_LIMITS.maxFieldLength} characters`;
        throw badRequest("field_too_long", message, name(i), row);
      }
    }
    // A cell a shorter row lacks (only without a header) is empty.
    const cells = phoneAt.filter((i) => (fields[i] ?? "").trim() !== "");
    if (cells.length === 0) {
      batch.invalid({
        row,
        field: name(phoneAt[0]),
        code: "missing_phone",
        message: "no phone in this row",
      });
    }
    // A cell may hold several numbers ("a;b", as a results export writes a contact's phones): each is listed.
    for (const i of cells) {
      const numbers: string[] = [];
      addCellPhones(numbers, fields[i]);
      for (const number of numbers) batch.add(row, number, name(i), opts.entry);
    }
  };

  const feed = (chunk: Buffer | undefined, end: boolean): void => {
    const err = csv.parse(chunk, end, record, () => {});
    if (err === undefined) return;
    if (err instanceof ImportError) throw err;
    throw new ImportError({
      code: "malformed_csv",
      status: 400,
      message: `malformed CSV at line ${csv.info.lines}: ${err.message}`,
      row: batch.rows + 1,
    });
  };
  for (const decoded of [decoder.decode(bytes), decoder.end()]) {
    feed(decoded.bytes, false);
    if (decoded.bad) {
      const row = batch.rows + 1;
      const name = decoder.encodingName;
      // A NUL (ByteDecoder): the file is likely UTF-16, whose every ASCII character holds one.
      const nul = decoded.nul === true;
      const problem = nul
        ? `a NUL character, which no CSV of phones holds: the file is not ${name}`
        : `bytes that are not valid ${name}`;
      const message = `row ${row} has ${problem}; ${encodingAdvice(name, nul)}`;
      throw new ImportError({ code: "bad_encoding", status: 400, message, field: "encoding", row });
    }
  }
  feed(undefined, true);
}

/** The contact import's column rules, with the errors naming this route's query option. */
function phoneColumns(names: string[], wanted: string[] | undefined): string[] {
  try {
    // A header cell left empty names no column (spreadsheets' trailing empty cells), as in a contact import.
    const named = names.filter((n) => n !== "");
    return resolveColumns(named, wanted ? { phone: wanted } : undefined).phone;
  } catch (err) {
    if (err instanceof ImportError) {
      throw badRequest(err.code, err.message.replace("map.phone", "phone_column"), "phone_column");
    }
    throw err;
  }
}

/** The phone columns of a file without a header: positions, whatever the rows' widths. */
function phonePositions(wanted: string[] | undefined): string[] {
  try {
    return resolvePositions(wanted ? { phone: wanted } : undefined).phone;
  } catch (err) {
    if (err instanceof ImportError) {
      throw badRequest(err.code, err.message.replace("map.phone", "phone_column"), "phone_column");
    }
    throw err;
  }
}
