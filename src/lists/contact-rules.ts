// Validation and normalization of one contact, the same for CSV rows and JSON contacts: phones to
// E.164, zone parsed or inferred, daily window, start time, priority, first phones repeated within the
// request, and the policy deciding whether a problem fails the import, skips the row or flags it.
// Accepted rows come out as flat tuples (ROW_STRIDE values each) ready to be staged (stage.ts).
import { DateTime } from "luxon";
import { extensionProblem, type PhoneDetails, phoneAsWritten, phoneDetails } from "../lib/phone.ts";
import { parseZone, ZoneError, zoneForNumber } from "../lib/time-zone.ts";
import { ImportError } from "./errors.ts";
import { NumberSet } from "./number-set.ts";
import { DEFAULT_LIMITS, type DuplicatePolicy, type PhonePolicy, type RowIssue } from "./types.ts";

/** The end of the note on a phone kept as written under phone_policy "flag" (the only issue on a row that
 *  is stored all the same: every other one skips it). A face that reports such numbers itself knows the
 *  note by it (twin24/candidates.ts). */
export const KEPT_FLAGGED = "kept as written and flagged";

/** Why a number that is not valid (`details` says why) cannot be kept as written, or null when it can: the
 *  one rule for an import's phone_policy=flag and for listing such a number as do-not-call. */
export function tooLongToKeep(text: string, details: string): string | null {
  const limit = DEFAULT_LIMITS.maxFlaggedPhoneLength;
  return text.length > limit ? `${details}; too long to keep as written (over ${limit} characters)` : null;
}

/** Why a parsed phone is not imported (nor listed as do-not-call) as its E.164 form, or null when it is: the
 *  library's reason it is not valid, or an extension the E.164 form would drop (extensionProblem). */
export function phoneProblem(details: PhoneDetails | string): string | null {
  if (typeof details === "string") return details;
  return details.extension === undefined ? null : extensionProblem(details.extension);
}

/**
 * Tuple layout of an accepted row. PHONES is null for the common single plain E.164 phone (the stage
 * writes ["<phone>"] itself), and next_attempt_at is left to the stage too: fewer values to carry.
 */
export const ROW = 0;
export const EXTERNAL_ID = 1;
export const PHONES = 2;
export const PHONE = 3;
export const CUSTOM = 4;
export const TIME_ZONE = 5;
export const DAILY_FROM = 6;
export const DAILY_TO = 7;
export const START_AT = 8;
export const PRIORITY = 9;
/** How many phones; the stage turns it into phone_attempts (a zero per phone). */
export const PHONE_COUNT = 10;
export const FLAGGED = 11;
export const ROW_STRIDE = 12;

export interface RowInput {
  /** Raw phone texts in dialing order; blank ones are ignored. */
  phones: readonly string[];
  externalId?: string | null;
  timeZone?: string | null;
  dailyFrom?: string | null;
  dailyTo?: string | null;
  /** CSV: unix seconds or ISO text; JSON: ms epoch or ISO text. */
  startAt?: string | number | null;
  priority?: string | number | null;
  /** The custom fields already as a JSON object text. */
  customJson: string;
}

export interface RulesOptions {
  defaultCountry: string | undefined;
  phonePolicy: PhonePolicy;
  duplicatePolicy: DuplicatePolicy;
  now: number;
  /** A number in `startAt` is seconds (CSV) or milliseconds (JSON). */
  startAtNumbers: "seconds" | "ms";
  /** How the daily window's fields are named in reports (CSV columns or the JSON property). */
  dailyFields: readonly [string, string];
  /** A window given by one end: the other is the day's start (00:00:00) or end (24:00:00). */
  openWindowEnds?: boolean;
  maxErrors?: number;
}

/** A contact's priority is a 32-bit signed integer (the column's type on both dialects). */
const MIN_PRIORITY = -(2 ** 31);
const MAX_PRIORITY = 2 ** 31 - 1;
/** Any external_id this many UTF-16 units or shorter is within maxExternalIdBytes (3 UTF-8 bytes a unit). */
const SURELY_SHORT_ID = Math.floor(DEFAULT_LIMITS.maxExternalIdBytes / 3);
/** The last ms of year 9999. */
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const E164 = /^\+\d{1,15}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what an external id or a kept phone may not hold
const CONTROL = /[\u0000-\u001f]/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

export class ContactRules {
  readonly issues: RowIssue[] = [];
  issuesTruncated = false;
  skipped = 0;
  flagged = 0;
  /**
   * First phones seen so far: E.164 digits as numbers (16 bytes a row, the import's only per-row memory;
   * at most 32 MB at the 2M-row limit), and flagged raw texts apart. Repeated external_ids, whose size is
   * the caller's choice, are found by the stage at commit instead (stored-duplicates.ts).
   */
  private readonly seenNumbers = new NumberSet();
  private readonly seenRawPhones = new Set<string>();
  /**
   * First phones of rows carrying an external_id. Such a row may still be set aside at commit (its
   * external_id repeats an earlier row's or is stored already), so its phone must not make later rows
   * duplicates here: they are staged, and the commit keeps the earliest row still standing per phone.
   */
  private idNumbers: NumberSet | null = null;
  private readonly idRawPhones = new Set<string>();
  /** Some staged rows repeat the first phone of an earlier staged row that has an external_id. */
  phoneRepeats = false;
  private readonly maxErrors: number;

  constructor(private readonly opts: RulesOptions) {
    this.maxErrors = opts.maxErrors ?? DEFAULT_LIMITS.maxErrors;
  }

  /**
   * Validates one row and appends its tuple to `out`. Returns false when the row is skipped (the reason
   * is in `issues`); throws an ImportError when the policy fails the whole import.
   */
  accept(row: number, input: RowInput, out: unknown[]): boolean {
    const { opts } = this;
    const phones: string[] = [];
    let flagged = 0;
    let firstCountry: string | undefined;
    let firstNational = "";
    /** The first phone parsed as a valid number (not a text kept as written): only such keys numerically. */
    let firstValid = false;
    /** (reason, text) pairs of phones kept as written, reported once the row is accepted. */
    let flagNotes: string[] | null = null;
    const raws = input.phones;
    for (let i = 0; i < raws.length; i++) {
      // Control characters only: as a blank cell, under every policy.
      const text = phoneAsWritten(raws[i]);
      if (text === "") continue;
      const details = phoneDetails(text, opts.defaultCountry);
      const problem = phoneProblem(details);
      let phone: string;
      if (problem === null) {
        const parsed = details as PhoneDetails;
        phone = parsed.e164;
        if (phones.length === 0) {
          firstCountry = parsed.country;
          firstNational = parsed.nationalNumber;
          firstValid = true;
        }
      } else {
        phone = text;
        if (opts.phonePolicy !== "flag") return this.invalidRow(row, "phone", "invalid_phone", problem, text);
        const tooLong = tooLongToKeep(text, problem);
        if (tooLong !== null) return this.invalidRow(row, "phone", "invalid_phone", tooLong, text);
        flagNotes ??= [];
        flagNotes.push(problem, text);
        flagged = 1;
      }
      if (!phones.includes(phone)) phones.push(phone);
    }
    if (phones.length === 0)
      return this.invalidRow(row, "phone", "missing_phone", "the row has no phone number");
    if (phones.length > DEFAULT_LIMITS.maxPhones) {
      return this.invalidRow(
        row,
        "phone",
        "too_many_phones",
        `at most ${DEFAULT_LIMITS.maxPhones} phones a contact`,
      );
    }

    let timeZone: string | null = null;
    const zoneText = input.timeZone?.trim();
    if (zoneText) {
      try {
        timeZone = parseZone(zoneText);
      } catch (err) {
        if (!(err instanceof ZoneError)) throw err;
        // A bad zone is never kept flagged: dialing at the wrong local hour is worse than not dialing.
        return this.invalidRow(row, "time_zone", "invalid_time_zone", err.message, zoneText);
      }
    } else if (firstCountry) {
      // Set only when the first phone parsed: a flagged first phone has no country to go by.
      timeZone = zoneForNumber(firstCountry, firstNational);
    }

    let fromText = input.dailyFrom?.trim() || "";
    let toText = input.dailyTo?.trim() || "";
    if (opts.openWindowEnds && (fromText === "") !== (toText === "")) {
      if (fromText === "") fromText = "00:00:00";
      else toText = "24:00:00";
    }
    let dailyFrom: number | null = null;
    let dailyTo: number | null = null;
    if (fromText || toText) {
      const [fromField, toField] = opts.dailyFields;
      dailyFrom = secondsOfDay(fromText, false);
      if (dailyFrom === null)
        return this.invalidRow(row, fromField, "invalid_daily_window", "expected HH:mm[:ss] (UTC)", fromText);
      dailyTo = secondsOfDay(toText, true);
      if (dailyTo === null)
        return this.invalidRow(row, toField, "invalid_daily_window", "expected HH:mm[:ss] (UTC)", toText);
      if (dailyFrom === dailyTo)
        return this.invalidRow(row, toField, "invalid_daily_window", "the window is empty", toText);
    }

    let startAt: number | null = null;
    // A blank cell is an empty one, as the daily window's are.
    const startAtGiven = typeof input.startAt === "string" ? input.startAt.trim() : input.startAt;
    if (startAtGiven !== undefined && startAtGiven !== null && startAtGiven !== "") {
      startAt = this.instant(startAtGiven);
      if (startAt === null) {
        const unit = opts.startAtNumbers === "seconds" ? "unix seconds" : "ms since the epoch";
        const message = `expected ${unit} or an ISO 8601 time, from 1970 to 9999`;
        return this.invalidRow(row, "start_at", "invalid_start_at", message, String(input.startAt));
      }
    }

    let priority = 0;
    if (input.priority !== undefined && input.priority !== null && input.priority !== "") {
      const value = typeof input.priority === "number" ? input.priority : input.priority.trim();
      const parsed = typeof value === "number" ? value : INTEGER.test(value) ? Number(value) : Number.NaN;
      if (!Number.isInteger(parsed) || parsed < MIN_PRIORITY || parsed > MAX_PRIORITY) {
        const message = "expected an integer from -2147483648 to 2147483647";
        return this.invalidRow(row, "priority", "invalid_priority", message, String(value));
      }
      priority = parsed;
    }

    const externalId = input.externalId?.trim() || null;
    if (externalId !== null) {
      if (CONTROL.test(externalId)) {
        const message = "external_id has control characters";
        return this.invalidRow(row, "external_id", "invalid_external_id", message, externalId);
      }
      if (externalId.length > SURELY_SHORT_ID && utf8Length(externalId) > DEFAULT_LIMITS.maxExternalIdBytes) {
        const message = `external_id is longer than ${DEFAULT_LIMITS.maxExternalIdBytes} bytes (UTF-8)`;
        return this.invalidRow(row, "external_id", "invalid_external_id", message, externalId);
      }
    }
    const phone = phones[0];
    const e164 = E164.test(phone);
    if (opts.duplicatePolicy !== "allow" && this.repeatsEarlierRow(phone, firstValid, externalId !== null))
      return this.duplicate(row, "phone", "duplicate_phone", "the phone repeats an earlier row", phone);

    if (flagged) {
      this.flagged++;
      const notes = flagNotes as string[];
      for (let i = 0; i < notes.length; i += 2)
        this.note(row, "phone", "invalid_phone", `${notes[i]}; ${KEPT_FLAGGED}`, notes[i + 1]);
    }
    out.push(
      row,
      externalId,
      phones.length === 1 && e164 ? null : JSON.stringify(phones),
      phone,
      input.customJson,
      timeZone,
      dailyFrom,
      dailyTo,
      startAt,
      priority,
      phones.length,
      flagged,
    );
    return true;
  }

  /**
   * Whether the row's first phone repeats an earlier row's for certain, and remembers it. A row without
   * an external_id takes its phone for good; one with an external_id only provisionally (it may be set
   * aside at commit), so a later row with that phone is staged and `phoneRepeats` leaves the call to the
   * commit. Rows without external_ids pay one lookup, as before. Only a parsed number (`valid`) is keyed by
   * its digits: a text kept as written may look like E.164 yet start with a 0 ("+0442071838750"), which
   * the number would drop, making it the same key as "+442071838750"; kept texts are keyed by the text.
   */
  private repeatsEarlierRow(phone: string, valid: boolean, withId: boolean): boolean {
    if (valid) {
      const n = Number(phone.slice(1));
      if (!withId) {
        if (!this.seenNumbers.add(n)) return true;
        if (this.idNumbers?.has(n)) this.phoneRepeats = true;
        return false;
      }
      if (this.seenNumbers.has(n)) return true;
      this.idNumbers ??= new NumberSet();
      if (!this.idNumbers.add(n)) this.phoneRepeats = true;
      return false;
    }
    if (this.seenRawPhones.has(phone)) return true;
    if (withId) {
      if (this.idRawPhones.has(phone)) this.phoneRepeats = true;
      else this.idRawPhones.add(phone);
      return false;
    }
    this.seenRawPhones.add(phone);
    if (this.idRawPhones.has(phone)) this.phoneRepeats = true;
    return false;
  }

  /** An instant in ms, or null when it is none or lies outside 1970–9999 (a bigint column and an ISO
   *  date must both hold it). */
  private instant(value: string | number): number | null {
    let ms: number;
    if (typeof value === "number") {
      ms = Math.round(this.opts.startAtNumbers === "seconds" ? value * 1000 : value);
    } else {
      const text = value.trim();
      if (NUMBER.test(text)) return this.instant(Number(text));
      const parsed = DateTime.fromISO(text, { zone: "utc" });
      ms = parsed.isValid ? parsed.toMillis() : Number.NaN;
    }
    return Number.isFinite(ms) && ms >= 0 && ms <= LAST_INSTANT ? ms : null;
  }

  /** An invalid value: the phone policy decides (flag keeps only phones, so other fields skip). */
  invalidRow(row: number, field: string, code: string, message: string, value?: string): false {
    if (this.opts.phonePolicy === "reject") throw rowError(row, field, code, message, value);
    this.skipped++;
    this.note(row, field, code, message, value);
    return false;
  }

  /** A repeated phone or external_id: duplicatePolicy "reject" fails the import, otherwise the row is skipped. */
  private duplicate(row: number, field: string, code: string, message: string, value: string): false {
    if (this.opts.duplicatePolicy === "reject") throw rowError(row, field, code, message, value);
    this.skipped++;
    this.note(row, field, code, message, value);
    return false;
  }

  private note(row: number, field: string, code: string, message: string, value?: string): void {
    this.keep(
      value === undefined ? { row, field, code, message } : { row, field, code, message, value: clip(value) },
    );
  }

  private keep(issue: RowIssue): void {
    if (this.issues.length < this.maxErrors) this.issues.push(issue);
    else this.issuesTruncated = true;
  }
}

export function rowError(
  row: number,
  field: string,
  code: string,
  message: string,
  value?: string,
): ImportError {
  const shown = value === undefined ? "" : ` (${JSON.stringify(clip(value))})`;
  return new ImportError({
    code,
    status: 400,
    message: `row ${row}, ${field}: ${message}${shown}`,
    field,
    row,
  });
}

/** UTF-8 length of `text` (lone surrogates count 3, as they are stored). */
function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function clip(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}

/** "HH:mm[:ss]" → seconds of the day; "24:00" only as the end of a window. */
function secondsOfDay(text: string, isEnd: boolean): number | null {
  const m = TIME_OF_DAY.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (min > 59 || s > 59) return null;
  const total = h * 3600 + min * 60 + s;
  if (total > 86_400 || (total === 86_400 && !isEnd)) return null;
  return total;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings must escape control characters
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal, without JSON.stringify's cost for the usual plain text. */
export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** Whether `text` has more than `max` characters (code points: an emoji is one, not its two UTF-16 units);
 *  counted only past `max` units, which every shorter text is under. */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let n = 0;
  for (const _ of text) if (++n > max) return true;
  return false;
}
