// A port of libphonenumber-js's `parsePhoneNumberFromString(text, defaultCountry)` + `.isValid()` for the
// inputs an import sees most: ASCII digits with ordinary punctuation and an optional leading "+". It
// follows the library step by step (parse.js, extractCountryCallingCode.js, stripIddPrefix.js,
// extractNationalNumber.js, getCountryByCallingCode.js, getNumberType.js), only with pre-built regexes;
// test/lib/phone.test.ts checks it against the library on tens of thousands of generated numbers.
// Whatever it cannot take (letters, extensions, other scripts' digits, a "+" after digits) it hands back
// as `undefined` so the caller asks the library itself.
import {
  countriesForCallingCode,
  hasCallingCode,
  type NumberingPlan,
  planForCallingCode,
  planForCountry,
} from "./numbering-plans.ts";

export interface ParsedPhone {
  /** `PhoneNumber.isValid()` */
  valid: boolean;
  /** `PhoneNumber.number`: "+" + calling code + national number. */
  number: string;
  country: string | undefined;
  nationalNumber: string;
}

/** The library's MIN_LENGTH_FOR_NSN / MAX_LENGTH_FOR_NSN / MAX_LENGTH_COUNTRY_CODE / input cap. */
const MIN_NATIONAL_LENGTH = 2;
const MAX_NATIONAL_LENGTH = 17;
const MAX_CALLING_CODE_LENGTH = 3;
const MAX_INPUT_LENGTH = 250;

/**
 * `null` = the library returns no number; `undefined` = not handled here, ask the library.
 * `defaultCountry` must be a country the metadata knows (the caller drops unknown ones, as the library does).
 */
export function fastParse(raw: string, defaultCountry: string | undefined): ParsedPhone | null | undefined {
  if (raw.length > MAX_INPUT_LENGTH) return undefined;
  const input = digitsWithPlus(raw);
  if (input === undefined) return undefined;
  return parseDigits(input, defaultCountry);
}

/**
 * The digits of `raw` ("+" first when written before them), or undefined when `raw` holds anything but
 * digits, a leading "+" and the punctuation below (a subset of the library's VALID_PUNCTUATION, none of
 * which can start an extension). A "+" after a digit or a second "+" is left to the library, as are
 * inputs of fewer than three digits (two bare digits are "viable" there, two with punctuation are not).
 */
function digitsWithPlus(raw: string): string | undefined {
  let out = "";
  let runStart = -1;
  let digitCount = 0;
  let sawPlus = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (runStart < 0) runStart = i;
      digitCount++;
      continue;
    }
    if (runStart >= 0) {
      out += raw.slice(runStart, i);
      runStart = -1;
    }
    if (c === 43 /* + */) {
      if (sawPlus || digitCount > 0) return undefined;
      sawPlus = true;
      out = "+";
    } else if (!(c === 32 || c === 45 || c === 40 || c === 41 || c === 46 || c === 47 || c === 0xa0)) {
      return undefined; // not one of: space - ( ) . / NBSP
    }
  }
  if (runStart >= 0) out += raw.slice(runStart);
  return digitCount < 3 ? undefined : out;
}

function parseDigits(input: string, defaultCountry: string | undefined): ParsedPhone | null {
  const extracted = extractCountryCallingCode(input, defaultCountry);
  let callingCode = extracted.callingCode;
  const number = extracted.number;
  let country: string | undefined;
  let plan: NumberingPlan | undefined;
  if (callingCode) {
    plan = planForCallingCode(callingCode);
  } else if (number && defaultCountry) {
    country = defaultCountry;
    plan = planForCountry(defaultCountry);
    callingCode = plan?.callingCode;
  }
  if (!plan || !callingCode || !number) return null;
  const nationalNumber = extractNationalNumber(number, plan);
  const exactCountry = countryByCallingCode(callingCode, nationalNumber);
  if (exactCountry) country = exactCountry;
  if (nationalNumber.length < MIN_NATIONAL_LENGTH || nationalNumber.length > MAX_NATIONAL_LENGTH) return null;
  // PhoneNumber.isValid() selects the plan by the country when there is one, else by the calling code.
  const validationPlan = country ? planForCountry(country) : planForCallingCode(callingCode);
  const valid = validationPlan ? validationPlan.isValidNationalNumber(nationalNumber) : false;
  return { valid, number: `+${callingCode}${nationalNumber}`, country, nationalNumber };
}

interface CallingCodeSplit {
  callingCode?: string;
  number?: string;
}

function extractCountryCallingCode(input: string, defaultCountry: string | undefined): CallingCodeSplit {
  let number = input;
  if (number[0] !== "+") {
    const withoutIdd = stripIddPrefix(number, defaultCountry);
    if (withoutIdd && withoutIdd !== number) {
      number = `+${withoutIdd}`;
    } else {
      if (defaultCountry) {
        const split = extractCallingCodeWithoutPlus(number, defaultCountry);
        if (split.callingCode) return split;
      }
      return { number };
    }
  }
  if (number[1] === "0") return {};
  for (let i = 2; i - 1 <= MAX_CALLING_CODE_LENGTH && i <= number.length; i++) {
    const callingCode = number.slice(1, i);
    if (hasCallingCode(callingCode)) return { callingCode, number: number.slice(i) };
  }
  return {};
}

function stripIddPrefix(number: string, country: string | undefined): string | undefined {
  if (!country) return undefined;
  const plan = planForCountry(country);
  if (!plan) return undefined;
  const match = plan.iddPrefix.exec(number);
  if (!match) return undefined;
  const rest = number.slice(match[0].length);
  // A number after an IDD prefix never starts with 0 (no calling code does).
  if (rest.length > 0 && rest[0] === "0") return undefined;
  return rest;
}

/** A number dialed without "+" may still begin with the default country's calling code ("7 916 …"). */
function extractCallingCodeWithoutPlus(number: string, country: string): CallingCodeSplit {
  const plan = planForCountry(country);
  if (!plan || !number.startsWith(plan.callingCode)) return { number };
  const shorter = number.slice(plan.callingCode.length);
  const shorterNational = extractNationalNumber(shorter, plan);
  const national = extractNationalNumber(number, plan);
  if (
    (!plan.nationalNumber.test(national) && plan.nationalNumber.test(shorterNational)) ||
    checkNumberLength(national, plan) === "TOO_LONG"
  ) {
    return { callingCode: plan.callingCode, number: shorter };
  }
  return { number };
}

function extractNationalNumber(number: string, plan: NumberingPlan): string {
  const national = stripNationalPrefix(number, plan);
  if (national === number) return number;
  // Keep the prefix when removing it turns a matching number into a non-matching one.
  if (plan.nationalNumber.test(number) && !plan.nationalNumber.test(national)) return number;
  if (plan.possibleLengths) {
    const country = countryByCallingCode(plan.callingCode, national);
    const lengthPlan = country ? planForCountry(country) : plan;
    const verdict = lengthPlan ? checkNumberLength(national, lengthPlan) : "IS_POSSIBLE";
    if (verdict === "TOO_SHORT" || verdict === "INVALID_LENGTH") return number;
  }
  return national;
}

/** extractNationalNumberFromPossiblyIncompleteNumber, without the carrier code nobody here needs. */
function stripNationalPrefix(number: string, plan: NumberingPlan): string {
  const pattern = plan.prefixForParsing;
  if (!number || !pattern) return number;
  const match = pattern.exec(number);
  if (!match) return number;
  const lastGroup = match.length - 1;
  const hasCapturedGroups = lastGroup > 0 && Boolean(match[lastGroup]);
  if (plan.transformRule && hasCapturedGroups) return number.replace(pattern, plan.transformRule);
  return number.slice(match[0].length);
}

type LengthVerdict = "IS_POSSIBLE" | "TOO_SHORT" | "TOO_LONG" | "INVALID_LENGTH";

function checkNumberLength(nationalNumber: string, plan: NumberingPlan): LengthVerdict {
  const lengths = plan.possibleLengths;
  if (!lengths) return "IS_POSSIBLE";
  const length = nationalNumber.length;
  if (lengths[0] === length) return "IS_POSSIBLE";
  if (lengths[0] > length) return "TOO_SHORT";
  if (lengths[lengths.length - 1] < length) return "TOO_LONG";
  return lengths.indexOf(length, 1) >= 0 ? "IS_POSSIBLE" : "INVALID_LENGTH";
}

/** getCountryByCallingCode → getCountryByNationalNumber: leading digits decide, else the first plan that matches. */
function countryByCallingCode(callingCode: string, nationalNumber: string): string | undefined {
  const countries = countriesForCallingCode(callingCode);
  if (!countries) return undefined;
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = planForCountry(country);
    if (!plan) continue;
    if (plan.leadingDigits) {
      if (nationalNumber && plan.leadingDigits.test(nationalNumber)) return country;
    } else if (plan.matchesSomeType(nationalNumber)) {
      return country;
    }
  }
  return undefined;
}
