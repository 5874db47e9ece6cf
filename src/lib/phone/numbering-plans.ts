// libphonenumber-js "max" metadata compiled once into regexes. The library rebuilds a RegExp from
// metadata text on every check (`new RegExp('^(?:' + pattern + ')$')`), which is most of its cost;
// these plans hold the same patterns pre-built, read by the same rules as the library's Metadata class.
import metadata from "libphonenumber-js/max/metadata";

/** The compressed (version 4) metadata array of one numbering plan; absent values are 0. */
type RawPlan = readonly unknown[];

interface TypeRule {
  pattern: RegExp;
  /** The type's own possible lengths, or the plan's when the type has none. */
  lengths: readonly number[] | undefined;
}

export class NumberingPlan {
  readonly callingCode: string;
  /** `new RegExp(IDDPrefix)` exactly as the library builds it, anchored (it only accepts a match at 0). */
  readonly iddPrefix: RegExp;
  readonly nationalNumber: RegExp;
  readonly possibleLengths: readonly number[] | undefined;
  /** `^(?:nationalPrefixForParsing)`, non-global so `.replace` swaps the first match like the library. */
  readonly prefixForParsing: RegExp | null;
  readonly transformRule: string | null;
  readonly leadingDigits: RegExp | null;
  readonly hasTypes: boolean;
  readonly types: readonly TypeRule[];

  constructor(raw: RawPlan) {
    this.callingCode = raw[0] as string;
    // The library passes the raw value to `new RegExp` even when it is a 0 placeholder; keep that.
    const idd = new RegExp(raw[1] as string);
    this.iddPrefix = new RegExp(`^(?:${idd.source})`);
    this.nationalNumber = new RegExp(`^(?:${raw[2] as string})$`);
    this.possibleLengths = (raw[3] as number[] | 0) || undefined;
    const prefix = (raw[7] as string | 0) || (raw[5] as string | 0);
    this.prefixForParsing = prefix ? new RegExp(`^(?:${prefix})`) : null;
    this.transformRule = (raw[8] as string | 0) || null;
    const leading = raw[10] as string | 0;
    this.leadingDigits = leading ? new RegExp(`^(?:${leading})`) : null;
    const types = raw[11] as (readonly unknown[] | undefined)[] | 0;
    this.hasTypes = Array.isArray(types) && types.length > 0;
    const rules: TypeRule[] = [];
    if (this.hasTypes && types) {
      for (const entry of types) {
        // An entry of 0 is an absent type; an empty pattern never matches (`!pattern()` in the library).
        if (!entry?.[0]) continue;
        rules.push({
          pattern: new RegExp(`^(?:${entry[0] as string})$`),
          lengths: (entry[1] as number[] | undefined) || this.possibleLengths,
        });
      }
    }
    this.types = rules;
  }

  // One parse asks the same plan about the same number twice (picking the country, then validating).
  private lastChecked = "";
  private lastVerdict = false;

  /** The library's `getNumberType(...) !== undefined`: the general pattern and one type pattern match. */
  matchesSomeType(nationalNumber: string): boolean {
    if (nationalNumber === this.lastChecked) return this.lastVerdict;
    let verdict = false;
    if (this.nationalNumber.test(nationalNumber)) {
      const length = nationalNumber.length;
      for (const type of this.types) {
        if (type.lengths && type.lengths.indexOf(length) < 0) continue;
        if (type.pattern.test(nationalNumber)) {
          verdict = true;
          break;
        }
      }
    }
    this.lastChecked = nationalNumber;
    this.lastVerdict = verdict;
    return verdict;
  }

  /** The library's `isValidNumber` once this plan is selected. */
  isValidNationalNumber(nationalNumber: string): boolean {
    return this.hasTypes ? this.matchesSomeType(nationalNumber) : this.nationalNumber.test(nationalNumber);
  }
}

const countryPlans = new Map<string, NumberingPlan>();
const nonGeographicPlans = new Map<string, NumberingPlan>();
const countriesByCallingCode = new Map<string, readonly string[]>();

for (const [code, countries] of Object.entries(metadata.country_calling_codes)) {
  // A calling code listed only as "001" is non-geographic (+800, +870, …): it has no countries.
  if (countries.length === 1 && countries[0].length === 3) continue;
  countriesByCallingCode.set(code, countries);
}

/** The numbering plan of a supported country (ISO 3166 alpha-2, as libphonenumber-js spells it). */
export function planForCountry(country: string): NumberingPlan | undefined {
  let plan = countryPlans.get(country);
  if (plan) return plan;
  const raw = (metadata.countries as Record<string, RawPlan | undefined>)[country];
  if (!raw) return undefined;
  plan = new NumberingPlan(raw);
  countryPlans.set(country, plan);
  return plan;
}

export function isSupportedCountry(country: string): boolean {
  return Object.hasOwn(metadata.countries, country);
}

/** Countries sharing a calling code, main country first; undefined for non-geographic codes. */
export function countriesForCallingCode(callingCode: string): readonly string[] | undefined {
  return countriesByCallingCode.get(callingCode);
}

export function hasCallingCode(callingCode: string): boolean {
  return countriesByCallingCode.has(callingCode) || nonGeographicRaw(callingCode) !== undefined;
}

/** The plan the library selects for a bare calling code: its main country's, or the non-geographic one. */
export function planForCallingCode(callingCode: string): NumberingPlan | undefined {
  const countries = countriesByCallingCode.get(callingCode);
  if (countries) return planForCountry(countries[0]);
  let plan = nonGeographicPlans.get(callingCode);
  if (plan) return plan;
  const raw = nonGeographicRaw(callingCode);
  if (!raw) return undefined;
  plan = new NumberingPlan(raw);
  nonGeographicPlans.set(callingCode, plan);
  return plan;
}

function nonGeographicRaw(callingCode: string): RawPlan | undefined {
  const table = (metadata as unknown as { nonGeographic?: Record<string, RawPlan> }).nonGeographic;
  return table ? table[callingCode] : undefined;
}
