// Twin24 candidates → the JSON contacts the lists module adds: numbers normalized by the task's
// phoneNormalization / normalizationErrorAction / checkPhone, variables as custom fields, the timezone
// offset as a zone, and the lists module's findings back in the API's names. Pure; the lists module
// validates again and writes (it must not be bypassed).
import {
  asInternational,
  nationalDigitsProblem,
  normalizeRuPhone,
  phoneAsWritten,
} from "../../../lib/phone.ts";
import { KEPT_FLAGGED } from "../../../lists/contact-rules.ts";
import type { ContactInput, RowIssue } from "../../../lists/types.ts";
import { dialablePhone } from "../dialable-phone.ts";

export interface Candidate {
  /** One number or several, in dialing order. */
  phone: string | string[];
  variables?: Record<string, string | number | boolean | null> | null;
  clientExternalId?: string | null;
  /** Seconds east of UTC (Twin24's 25200 = UTC+7), or any zone the native API takes ("Asia/Novosibirsk"). */
  timezone?: number | string | null;
}

export interface NumberRules {
  /** "RU" or null (numbers are taken as international, with or without "+"). */
  phoneNormalization: "RU" | null;
  normalizationErrorAction: "IGNORE_NORMALIZATION_ERROR" | "SET_NORMALIZATION_ERROR_FLAG";
  /** Without normalization: true = a number that is not a valid phone number is left out; false = kept
   *  as written (and flagged). */
  checkPhone: boolean;
}

export interface PreparedCandidates {
  /** One per candidate, in order (row i + 1); null when no number was left to call. */
  contacts: (ContactInput | null)[];
  /** Numbers left out or kept flagged, and candidates left with no number. */
  issues: RowIssue[];
  /** The numbers kept as written and flagged: their issues (among `issues`) and the text the lists module
   *  keeps, and quotes when it notes the number itself. */
  kept: KeptNumber[];
}

export interface KeptNumber {
  row: number;
  text: string;
  issue: RowIssue;
}

/** The task's normalization settings as stored in settings.vendor.twin24. */
export function numberRulesOf(vendor: Record<string, unknown>): NumberRules {
  const t = (vendor.twin24 ?? {}) as Record<string, unknown>;
  return {
    phoneNormalization: t.phoneNormalization === "RU" ? "RU" : null,
    normalizationErrorAction:
      t.normalizationErrorAction === "SET_NORMALIZATION_ERROR_FLAG"
        ? "SET_NORMALIZATION_ERROR_FLAG"
        : "IGNORE_NORMALIZATION_ERROR",
    checkPhone: t.checkPhone !== false,
  };
}

/** One number: its E.164 form, the raw text to keep flagged, or null to leave it out (with why). A number
 *  with an extension, or two numbers in one string, will not normalize (dialablePhone): Twin24 takes one
 *  number a string, several as an array. */
export function normalizeNumber(
  raw: string,
  rules: NumberRules,
): { keep: string; flagged: boolean } | { keep: null; reason: string } {
  // Read, and kept flagged, as the text an import keeps and the do-not-call lists compare (phoneAsWritten).
  const text = phoneAsWritten(raw);
  if (rules.phoneNormalization === "RU") {
    // A '+' number is read as international, as dialablePhone does; digits without '+' must number 10 or
    // 11, which a second number, or an extension after a whole number, pushes past.
    const r = text.startsWith("+") ? dialablePhone(text) : normalizeRuPhone(text);
    if (r.ok && !r.e164.startsWith("+7")) return { keep: null, reason: notRuReason(r.e164) };
    if (r.ok) return { keep: r.e164, flagged: false };
    if (rules.normalizationErrorAction === "SET_NORMALIZATION_ERROR_FLAG" && text !== "")
      return { keep: text, flagged: true };
    return { keep: null, reason: `cannot be normalized to a RU number: ${r.reason}` };
  }
  // Digits that are also a US number as written there, or a Russian one after its trunk 8, are not taken
  // as international: "84951234567" would be dialed in Vietnam (nationalDigitsProblem).
  const ambiguous = nationalDigitsProblem(text);
  const r = ambiguous ? { ok: false as const, reason: ambiguous } : dialablePhone(asInternational(text));
  if (r.ok) return { keep: r.e164, flagged: false };
  if (!rules.checkPhone && text !== "") return { keep: text, flagged: true };
  return { keep: null, reason: r.reason };
}

/**
 * Why a valid '+' number that is not +7 will not normalize to RU format. "+8 (495) 123-45-67", a common slip
 * for 8 495 …, reads as +84951234567, a valid Vietnamese number: taken as it stands, it was dialed abroad
 * with no error. It is not read as 8 …: the '+' says international, and guessing which digit was the slip
 * dials a stranger. It is left out under either normalizationErrorAction: kept as written, the lists module
 * reads the text as the valid number it is and stores it unflagged, to be dialed abroad all the same.
 */
function notRuReason(e164: string): string {
  return `cannot be normalized to a RU number: ${e164} is not a +7 number`;
}

/** Seconds east of UTC (whole minutes: timezoneIssue refuses others) → "+07:00"; text is passed on for the
 *  lists module's zone parser. */
export function zoneOf(timezone: number | string): string {
  if (typeof timezone === "string") return timezone;
  const sign = timezone < 0 ? "-" : "+";
  const abs = Math.abs(timezone);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}

export function prepareCandidates(candidates: Candidate[], rules: NumberRules): PreparedCandidates {
  const issues: RowIssue[] = [];
  const kept: KeptNumber[] = [];
  const contacts = candidates.map((c, i): ContactInput | null => {
    const row = i + 1;
    const raws = typeof c.phone === "string" ? [c.phone] : c.phone;
    const phones: string[] = [];
    const rowIssues: RowIssue[] = [];
    const rowKept: KeptNumber[] = [];
    raws.forEach((raw, j) => {
      const field = `phone[${j}]`;
      const n = normalizeNumber(raw, rules);
      if (n.keep === null) {
        rowIssues.push({
          row,
          field,
          code: "normalization_error",
          message: `left out: ${n.reason}`,
          value: raw,
        });
        return;
      }
      if (n.flagged) {
        const issue = {
          row,
          field,
          code: "normalization_error",
          message: "kept as written and flagged: it could not be normalized",
          value: raw,
        };
        rowIssues.push(issue);
        rowKept.push({ row, text: n.keep, issue });
      }
      phones.push(n.keep);
    });
    if (phones.length === 0) {
      issues.push(...rowIssues, {
        row,
        field: "phone",
        code: "no_number",
        message: "the candidate has no number left to call",
      });
      return null;
    }
    const zoneIssue = timezoneIssue(c.timezone, row);
    if (zoneIssue) {
      // The candidate is not stored, so none of its numbers was kept: only those left out are reported.
      const notKept = new Set(rowKept.map((k) => k.issue));
      issues.push(...rowIssues.filter((issue) => !notKept.has(issue)), zoneIssue);
      return null;
    }
    issues.push(...rowIssues);
    kept.push(...rowKept);
    const custom: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(c.variables ?? {})) if (v !== null) custom[k] = v;
    const contact: ContactInput = { phones, custom };
    if (c.clientExternalId !== undefined && c.clientExternalId !== null && c.clientExternalId !== "") {
      contact.external_id = c.clientExternalId;
    }
    if (c.timezone !== undefined && c.timezone !== null && c.timezone !== "")
      contact.time_zone = zoneOf(c.timezone);
    return contact;
  });
  return { contacts, issues, kept };
}

/**
 * A timezone in seconds that is not whole minutes, as the lists module reports a zone it refuses (a bad
 * zone is never kept: dialing at the wrong local hour is worse than not dialing). Zones keep whole minutes,
 * so 25230 would be cut to +07:00 without a word, and read back as another value than the one sent.
 */
function timezoneIssue(timezone: Candidate["timezone"], row: number): RowIssue | null {
  if (typeof timezone !== "number" || timezone % 60 === 0) return null;
  return {
    row,
    field: "timezone",
    code: "invalid_time_zone",
    message: `invalid time zone ${timezone}: seconds east of UTC must be a whole number of minutes (a multiple of 60)`,
    value: String(timezone),
  };
}

/** The lists module's note on a phone it kept as written under phonePolicy "flag" (ContactRules.accept). */
function isKeptNote(issue: RowIssue): boolean {
  return (
    issue.code === "invalid_phone" && issue.field === "phone" && issue.message.endsWith(`; ${KEPT_FLAGGED}`)
  );
}

/**
 * The answer's errors, one per problem, in batch order: the face's and the lists module's (`fromModule`
 * already in the batch's rows and the API's names). A number kept flagged is the face's to report, at its
 * own phone[j]: the module's note on the same text restates it without the index, in the native API's
 * advice. Any other note the module makes on a row means it did not store that candidate (invalid,
 * duplicate, set aside), so the face's "kept as written" on it goes, as the module drops its own then.
 * Everything else the module says is passed on.
 */
export function batchErrors(prepared: PreparedCandidates, fromModule: RowIssue[]): RowIssue[] {
  const said = new Set(prepared.kept.map((k) => `${k.row} ${k.text}`));
  const news = fromModule.filter((i) => !(isKeptNote(i) && said.has(`${i.row} ${i.value}`)));
  const notStored = new Set(news.filter((i) => !isKeptNote(i)).map((i) => i.row));
  const untrue = new Set(prepared.kept.filter((k) => notStored.has(k.row)).map((k) => k.issue));
  // Sorting is stable: within a row the face's issues stay in number order, ahead of the module's.
  return [...prepared.issues.filter((i) => !untrue.has(i)), ...news].sort((a, b) => a.row - b.row);
}

/** The lists module's names of the fields a candidate fills → the API's. */
const API_NAMES: Record<string, string> = {
  external_id: "clientExternalId",
  time_zone: "timezone",
  custom: "variables",
  phones: "phone",
};
const MODULE_NAME = /^(external_id|time_zone|custom|phones)(?=$|[.[])/;
/** A JSON string the module quotes in its message: the client's own text. */
const QUOTED = /("(?:[^"\\]|\\.)*")/;

/** A field the lists module names, as the API does ("custom.a" → "variables.a"). */
export function apiField(field: string): string {
  const m = MODULE_NAME.exec(field);
  return m ? API_NAMES[m[1]] + field.slice(m[1].length) : field;
}

/**
 * The lists module's message in the API's names: the field it may open with ("row 3, custom.a: …", its row
 * being the caller's to give), and its own words for the fields; the values it quotes stay as sent.
 */
export function apiMessage(message: string, field: string | undefined): string {
  let rest = message.replace(/^row \d+, /, "");
  let head = "";
  if (field !== undefined && rest.startsWith(`${field}:`)) {
    head = apiField(field);
    rest = rest.slice(field.length);
  }
  const words = (text: string) =>
    text
      .replace(/\bcustom fields\b/g, "variables")
      .replace(/\bcustom values\b/g, "variable values")
      .replace(/\b(external_id|time_zone|custom)\b/g, (w) => API_NAMES[w]);
  return (
    head +
    rest
      .split(QUOTED)
      .map((part, i) => (i % 2 === 1 ? part : words(part)))
      .join("")
  );
}
