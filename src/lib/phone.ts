// Phone number normalization to E.164 with libphonenumber-js semantics ("max" metadata). The common
// shapes go through a pre-compiled port of the library's own parsing (./phone/fast-parse.ts), several
// times faster; everything else (extensions, letters, unusual punctuation) is asked of the library.
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { fastParse } from "./phone/fast-parse.ts";
import { isSupportedCountry } from "./phone/numbering-plans.ts";

export type { CountryCode };

export type PhoneResult = { ok: true; e164: string; country?: string } | { ok: false; reason: string };

/** The parsed details an importer needs besides the E.164 text (the national number for zone lookup). */
export interface PhoneDetails {
  e164: string;
  country: string | undefined;
  nationalNumber: string;
  /** The extension the text carries ("ext. 5", "x5", "#5", ";ext=5"), which `e164` leaves out and no call
   *  dials: an importer reports it (extensionProblem) rather than keep the number without it. */
  extension: string | undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: what a phone may not hold
const CONTROL = /[\u0000-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: see CONTROL
const CONTROL_ALL = /[\u0000-\u001f]/g;

/** A spreadsheet's float of a whole number: a numeric phone column with an empty cell is exported as
 *  floats ("4930123456.0", "4930123456,0" in a decimal-comma locale). Read as punctuation, the "." let the
 *  zero join the digits: +49301234560, another valid number, dialed. Only digits (a leading "+") before
 *  the zeros: "030 123456.0" or "123.0" may be something else, and keep the ordinary reading. */
const SPREADSHEET_FLOAT = /^(\+?\d{6,})[.,]0+$/;

/** A phone as it is read and, when it is not a valid number, kept "as written" (an import's
 *  phone_policy=flag, Twin24's normalization error flag, a do-not-call entry for such a number): trimmed,
 *  control characters dropped (a tab pasted into a number, a line break in a CSV cell), a spreadsheet's
 *  ".0" dropped (SPREADSHEET_FLOAT), before it is parsed too. One rule, read by every face before its own
 *  (asInternational, the RU normalization, the library's parse), so that the dialer and the do-not-call
 *  lists compare the same text. */
export function phoneAsWritten(raw: string): string {
  const text = CONTROL.test(raw) ? raw.replace(CONTROL_ALL, "").trim() : raw.trim();
  return SPREADSHEET_FLOAT.exec(text)?.[1] ?? text;
}

/** A number a face takes as international with or without its '+' (Twin24, Xcally: the country code is
 *  always there): spaces, dashes, dots and brackets dropped, a leading 00 read as '+', and '+' put before
 *  the digits when missing, ready for normalizePhone. */
export function asInternational(text: string): string {
  const compact = withoutSeparators(text);
  if (compact.startsWith("+")) return compact;
  return `+${compact.startsWith("00") ? compact.slice(2) : compact}`;
}

function withoutSeparators(text: string): string {
  return text.replace(/[\s()\-.]/g, "");
}

/** National numbers written with no trunk '0', whose first digits are therefore also some country's code:
 *  a NANP number's ten digits (646… is New Zealand's +64 as well) and a Russian number after its trunk '8'
 *  (8 495… is Vietnam's +84). A national number with a trunk '0' never collides: no country code starts
 *  with 0. */
const NATIONAL_WITHOUT_ZERO_TRUNK: readonly { region: CountryCode; callingCode: string; digits: RegExp }[] = [
  { region: "US", callingCode: "1", digits: /^\d{10}$/ },
  { region: "RU", callingCode: "7", digits: /^8\d{10}$/ },
];

/**
 * Why digits written without '+' or '00' cannot be taken as international (asInternational's reading) by a
 * face that has no default country: they are also a valid national number of a country in
 * NATIONAL_WITHOUT_ZERO_TRUNK, written the way people there write their own numbers, so the same text may
 * name a number abroad too ("6462345678": New Zealand's +64, or Manhattan's +1 646), dialed without a word
 * were it read as international. Where it is no number abroad ("2122345678"), the reason says which
 * number it is at home rather than that it is invalid. Undefined when the text has a '+' or '00', or no
 * national reading that differs from the international one ("12125550101" is +1 212 either way).
 */
export function nationalDigitsProblem(text: string): string | undefined {
  const digits = withoutSeparators(text);
  if (!/^\d+$/.test(digits) || digits.startsWith("00")) return undefined;
  for (const { region, callingCode, digits: shape } of NATIONAL_WITHOUT_ZERO_TRUNK) {
    if (!shape.test(digits)) continue;
    const national = phoneDetails(digits, region);
    if (typeof national === "string") continue;
    const nationalCountry = national.country ?? region;
    const international = phoneDetails(`+${digits}`);
    if (typeof international === "string")
      return `digits without '+' read as ${national.e164}, a ${nationalCountry} number written without its country code (with the first digits as the country code they are no valid number): write the number with its country code ('+${callingCode}…')`;
    if (international.e164 === national.e164) continue;
    const internationalCode = international.e164.slice(0, -international.nationalNumber.length);
    return `digits without '+' read as two numbers: ${international.e164} (${international.country ?? "international"}) with the first digits as the country code, or ${national.e164}, a ${nationalCountry} number written without its country code: write the number with its country code ('+${callingCode}…' or '${internationalCode}…')`;
  }
  return undefined;
}

export function isSupportedPhoneCountry(country: string): country is CountryCode {
  return isSupportedCountry(country);
}

/**
 * Normalizes `raw` to E.164. Valid means exactly what `parsePhoneNumberFromString(raw, defaultCountry)
 * ?.isValid()` says, and `e164` is that parse's `.number` (an extension, if any, is dropped as there; the
 * imports, which must not drop it silently, read phoneDetails's `extension`).
 * An unsupported `defaultCountry` is ignored, as the library ignores it.
 */
export function normalizePhone(raw: string, defaultCountry?: CountryCode): PhoneResult {
  const details = phoneDetails(raw, defaultCountry);
  if (typeof details === "string") return { ok: false, reason: details };
  return details.country === undefined
    ? { ok: true, e164: details.e164 }
    : { ok: true, e164: details.e164, country: details.country };
}

/** normalizePhone's core: the parsed details, or the reason the number is not valid. */
export function phoneDetails(raw: string, defaultCountry?: string): PhoneDetails | string {
  const country = defaultCountry && isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  const fast = fastParse(raw, country);
  if (fast === null) return notANumber(raw);
  if (fast !== undefined) {
    if (!fast.valid) return invalidFor(fast.country);
    // The fast path takes no text that could hold an extension.
    return {
      e164: fast.number,
      country: fast.country,
      nationalNumber: fast.nationalNumber,
      extension: undefined,
    };
  }
  const parsed = parsePhoneNumberFromString(raw, country as CountryCode | undefined);
  if (!parsed) return notANumber(raw);
  if (!parsed.isValid()) return invalidFor(parsed.country);
  return {
    e164: parsed.number,
    country: parsed.country,
    nationalNumber: parsed.nationalNumber,
    extension: parsed.ext || undefined,
  };
}

/** Why a number written with an extension is not imported or listed as it parses (the import's and the
 *  do-not-call list's invalid_phone): the dialer calls `e164` alone, so the person behind the extension
 *  would not be reached, and a do-not-call entry would list a number the person never gave. */
export function extensionProblem(extension: string): string {
  return `the number has an extension (${extension}), which the dialer cannot dial: write the number without it`;
}

/** Where a phone cell holds several numbers: a ';' not followed by a letter (RFC 3966's ";ext=5", ";isub=…"
 *  stay with their number, as parts of it). */
const CELL_SEPARATOR = /;(?!\s*[a-z])/i;

/**
 * Appends the numbers a CSV phone cell holds to `out`, in order: several separated by ';' ("+79161234567;
 * +79167654321", as outdial's results export writes a contact's phones), else the cell itself. Without the
 * split libphonenumber-js reads ";<digits>" as an extension, and the second number was dropped. Blank parts
 * (a trailing ';') are left out.
 */
export function addCellPhones(out: string[], cell: string): void {
  if (!cell.includes(";")) {
    out.push(cell);
    return;
  }
  const parts = cell.split(CELL_SEPARATOR).filter((part) => part.trim() !== "");
  if (parts.length === 0) out.push(cell);
  else out.push(...parts);
}

function notANumber(raw: string): string {
  return raw.trim() === ""
    ? "empty phone number"
    : "not a phone number (or no country: use +code or a default country)";
}

function invalidFor(country: string | undefined): string {
  return country ? `not a valid ${country} phone number` : "not a valid phone number";
}

/**
 * Twin24's `phoneNormalization: RU`: 10 digits are a Russian national number (+7 added), 11 digits
 * starting with 8 or 7 are the same with a trunk/country prefix. A number written with "+" is taken as
 * international. The result must still be a valid number (so a KZ +7 7xx number passes, as +7 is shared).
 */
/** A number as people write one: digits, with spaces (a no-break one too), dashes, dots, slashes and
 *  brackets between them. */
const RU_WRITTEN_NUMBER = /^[0-9\s\-\u2010-\u2015.()/]+$/u;

export function normalizeRuPhone(raw: string): PhoneResult {
  const trimmed = raw.trim();
  if (trimmed.startsWith("+")) return normalizePhone(trimmed);
  // Only the digits are kept below: an extension's or a second number's digits would be glued into the
  // number ("916123456 x7" read as +79161234567, someone else's), so text holding more than digits and
  // the separators people write between them is refused.
  if (!RU_WRITTEN_NUMBER.test(trimmed)) {
    return {
      ok: false,
      reason:
        "a Russian number is digits with spaces, dashes, dots or brackets only (an extension or a second number?)",
    };
  }
  const digits = trimmed.replace(/[^0-9]/g, "");
  let candidate: string;
  if (digits.length === 10) candidate = `+7${digits}`;
  else if (digits.length === 11 && (digits[0] === "8" || digits[0] === "7"))
    candidate = `+7${digits.slice(1)}`;
  else return { ok: false, reason: "a Russian number has 10 digits, or 11 starting with 8 or 7" };
  return normalizePhone(candidate);
}
