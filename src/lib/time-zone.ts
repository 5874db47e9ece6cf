// Time zones of contacts: parsing what callers send (JAICP's gmtZone formats, which are Java's
// ZoneId.of formats, and IANA names) into one name luxon accepts, and inferring a zone from a phone
// number where the number alone decides it. Inference never guesses: an ambiguous number gets null.
import ct from "countries-and-timezones";
import { DateTime, IANAZone } from "luxon";
import { nanpZone } from "./phone/nanp-zones.ts";
import { russianZone } from "./phone/ru-zones.ts";
import { phoneDetails } from "./phone.ts";

export class ZoneError extends Error {
  readonly input: string;
  constructor(input: string, why: string) {
    super(`invalid time zone ${JSON.stringify(input)}: ${why}`);
    this.name = "ZoneError";
    this.input = input;
  }
}

const MAX_OFFSET_SEC = 18 * 3600;
const COMPACT_OFFSET = /^([+-])(\d{1,2}|\d{4}|\d{6})$/;
const COLON_OFFSET = /^([+-])(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const PREFIXED = /^(UTC|GMT|UT)(.*)$/i;
const REGION_ID = /^[A-Za-z][A-Za-z0-9~/._+-]*$/;

/**
 * The abbreviations contact files write for a zone (US CRMs export EST, CST, PST…; Russian ones MSK) that
 * stand for one clock, read as the zone they are written for, daylight saving included. Taken as ids, one
 * US file split in two: ICU reads "CST" and "PST" as Chicago and Los Angeles, but "EST" and "MST" are the
 * tz database's fixed UTC−05:00 and UTC−07:00, which call New York an hour late for the eight months of
 * daylight saving (the 08:00–21:00 callee window running to 22:00 on their clock), and "EDT" was refused.
 */
const ZONE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  EST: "America/New_York",
  EDT: "America/New_York",
  CST: "America/Chicago",
  CDT: "America/Chicago",
  MDT: "America/Denver",
  PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles",
  AKST: "America/Anchorage",
  AKDT: "America/Anchorage",
  HST: "Pacific/Honolulu",
  JST: "Asia/Tokyo", // as ICU read it before: Japan has one clock
  MSK: "Europe/Moscow",
};

/** Abbreviations of two clocks: refused, naming the zones meant. Guessed wrong, "MST" calls Arizona at 7 am
 *  (read as Denver) or Colorado at 10 pm (read as Phoenix) for the eight months of daylight saving. */
const AMBIGUOUS_ABBREVIATIONS: Readonly<Record<string, string>> = {
  MST: "MST is Denver's clock (with daylight saving) or Phoenix's (without): write America/Denver, America/Phoenix or -07:00",
};

/**
 * Parses a zone into a name luxon accepts: an IANA id as the runtime spells it ("Europe/Moscow"), "UTC"
 * for a zero offset, or a fixed offset as "UTC+03:00" / "UTC-09:30". Accepted: "Z"; "+h", "+hh",
 * "+hhmm", "+hhmmss", "+hh:mm", "+hh:mm:ss" (also "+h:mm"), each with "-" too and optionally after
 * "UTC", "GMT" or "UT" ("GMT-03:00", "UTC+3", "UT+0530"); a bare "UTC"/"GMT"/"UT"; IANA TZDB ids; the
 * abbreviations of ZONE_ABBREVIATIONS, as the zone each is written for (any case). Other abbreviations are
 * refused: "MST" names two clocks, and ICU's legacy three-letter ids, which are no tz database ids, read
 * "AST" as Anchorage (not Atlantic), "SST" as the Solomon Islands (not Samoa), "BST" as Dhaka.
 * Offsets lie within ±18:00 with minutes and seconds below 60; luxon keeps whole minutes only, so
 * seconds must be 00. A leading space before the digits stands for "+": in a URL query "+03:00" arrives
 * as " 03:00" unless the sender escaped it (JAICP's own addPhone example does not); so does the space in
 * "Etc/GMT 5".
 */
export function parseZone(input: string): string {
  if (typeof input !== "string") throw new ZoneError(String(input), "not a string");
  let text = input.trimEnd();
  if (/^\s+\d/.test(text)) text = `+${text.trimStart()}`;
  else text = text.trimStart();
  if (text === "") throw new ZoneError(input, "empty");
  if (text === "Z" || text === "z") return "UTC";
  if (text[0] === "+" || text[0] === "-") return offsetZone(input, text);
  const prefixed = PREFIXED.exec(text);
  if (prefixed) {
    let rest = prefixed[2];
    if (rest === "") return "UTC";
    if (/^ \d/.test(rest)) rest = `+${rest.slice(1)}`;
    if (rest[0] === "+" || rest[0] === "-") return offsetZone(input, rest);
  }
  // The same unescaped "+" inside the one kind of IANA id that has it: "Etc/GMT+5" arrives as "Etc/GMT 5".
  const spaced = /^(Etc\/GMT) (\d{1,2})$/i.exec(text);
  if (spaced) text = `${spaced[1]}+${spaced[2]}`;
  const abbreviated = abbreviationZone(input, text);
  if (abbreviated !== null) return abbreviated;
  if (!REGION_ID.test(text) || !IANAZone.isValidZone(text)) {
    throw new ZoneError(input, "expected an offset like +03:00 or an IANA zone like Europe/Moscow");
  }
  // Only ICU's legacy aliases are valid without being tz database ids: with no "/", each is an abbreviation.
  if (!text.includes("/") && !zoneSpellings().has(text.toLowerCase())) {
    throw new ZoneError(
      input,
      "an abbreviation is not a zone: write an IANA zone like America/New_York or an offset like -05:00",
    );
  }
  return spellZone(text);
}

/**
 * Why `zone` cannot name a campaign's, a schedule's or a queue's zone (stored as given, an IANA name), or
 * null if it can: `{ hint: null }` for no IANA zone at all; for an abbreviation, even one the tz database
 * keeps as a fixed offset ("EST", "MST", "HST": an hour off the clock its users mean for eight months), or
 * one of ICU's legacy aliases no tz database lists ("AST" read as Anchorage), the hint says what to write.
 * A contact's zone reads the same abbreviations as the zone they are written for (parseZone): here, where a
 * name is stored as given, one spelling per clock.
 */
export function zoneNameProblem(zone: string): { hint: string | null } | null {
  if (!IANAZone.isValidZone(zone)) return { hint: null };
  const upper = zone.toUpperCase();
  if (Object.hasOwn(ZONE_ABBREVIATIONS, upper)) {
    return { hint: `${zone} is an abbreviation: write ${ZONE_ABBREVIATIONS[upper]}` };
  }
  if (Object.hasOwn(AMBIGUOUS_ABBREVIATIONS, upper)) return { hint: AMBIGUOUS_ABBREVIATIONS[upper] };
  if (!zone.includes("/") && !zoneSpellings().has(zone.toLowerCase())) {
    return { hint: `${zone} is an abbreviation, not a zone: write one such as America/New_York` };
  }
  return null;
}

/** The zone an abbreviation is written for (ZONE_ABBREVIATIONS), a ZoneError for one of two clocks, or
 *  null for anything else. */
function abbreviationZone(input: string, text: string): string | null {
  const upper = text.toUpperCase();
  if (Object.hasOwn(ZONE_ABBREVIATIONS, upper)) return ZONE_ABBREVIATIONS[upper];
  if (Object.hasOwn(AMBIGUOUS_ABBREVIATIONS, upper))
    throw new ZoneError(input, AMBIGUOUS_ABBREVIATIONS[upper]);
  return null;
}

let spellings: Map<string, string> | undefined;

/** The tz database's ids (current and deprecated), by their lower-case form. */
function zoneSpellings(): Map<string, string> {
  if (!spellings) {
    spellings = new Map();
    const names = [
      ...Object.keys(ct.getAllTimezones({ deprecated: true })),
      ...Intl.supportedValuesOf("timeZone"),
    ];
    for (const name of names) spellings.set(name.toLowerCase(), name);
  }
  return spellings;
}

/**
 * The TZDB spelling of a valid id, keeping the id the caller chose (ICU would turn
 * "America/Argentina/Buenos_Aires" into its legacy "America/Buenos_Aires"): only the case is fixed.
 */
function spellZone(id: string): string {
  return (
    zoneSpellings().get(id.toLowerCase()) ??
    new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone
  );
}

function offsetZone(input: string, text: string): string {
  let sign: string;
  let hours: number;
  let minutes = 0;
  let seconds = 0;
  const compact = COMPACT_OFFSET.exec(text);
  if (compact) {
    sign = compact[1];
    const d = compact[2];
    hours = Number(d.length <= 2 ? d : d.slice(0, 2));
    if (d.length >= 4) minutes = Number(d.slice(2, 4));
    if (d.length === 6) seconds = Number(d.slice(4, 6));
  } else {
    const colon = COLON_OFFSET.exec(text);
    if (!colon) throw new ZoneError(input, "expected an offset like +3, +03, +0300, +03:00 or +03:00:00");
    sign = colon[1];
    hours = Number(colon[2]);
    minutes = Number(colon[3]);
    seconds = colon[4] === undefined ? 0 : Number(colon[4]);
  }
  if (minutes >= 60 || seconds >= 60) throw new ZoneError(input, "minutes and seconds must be below 60");
  const total = hours * 3600 + minutes * 60 + seconds;
  if (total > MAX_OFFSET_SEC) throw new ZoneError(input, "offsets lie within ±18:00");
  // JAICP's ±hhmmss: windows are judged on a clock of whole minutes, so seconds round to the nearest one.
  const totalMinutes = Math.round(total / 60);
  if (totalMinutes === 0) return "UTC";
  return `UTC${sign}${pad2(Math.floor(totalMinutes / 60))}:${pad2(totalMinutes % 60)}`;
}

/** A zone as parseZone writes a fixed offset ("UTC", "UTC+07:00"). */
const WRITTEN_OFFSET = /^UTC(?:([+-])(\d{2}):(\d{2}))?$/;

/** The seconds east of UTC of a fixed offset as parseZone writes it (offsetZone); null for a zone name. */
export function fixedOffsetSeconds(zone: string): number | null {
  const offset = WRITTEN_OFFSET.exec(zone);
  if (!offset) return null;
  if (offset[1] === undefined) return 0;
  const seconds = Number(offset[2]) * 3600 + Number(offset[3]) * 60;
  return offset[1] === "-" ? -seconds : seconds;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The zone of a number when its country has one (or all its zones keep the same clock), or for US/CA
 * and Russian numbers when the area code lies in one zone; null when the number leaves it open.
 */
export function inferZone(e164: string): string | null {
  const details = phoneDetails(e164);
  if (typeof details === "string" || !details.country) return null;
  return zoneForNumber(details.country, details.nationalNumber);
}

/** inferZone for an already-parsed number (the import has the country and national number at hand). */
export function zoneForNumber(country: string, nationalNumber: string): string | null {
  if (country === "US" || country === "CA") return nanpZone(nationalNumber);
  if (country === "RU") return russianZone(nationalNumber);
  return countryZone(country);
}

/**
 * Every zone a number's callee could be in: its own when the number decides it (inferZone), else each
 * zone its country has (a US number of a split or non-geographic area code: New York to Honolulu); empty
 * when the number names no country. A window that must hold for the callee wherever they are holds in all.
 */
export function possibleZones(e164: string): readonly string[] {
  const details = phoneDetails(e164);
  if (typeof details === "string" || !details.country) return [];
  const one = zoneForNumber(details.country, details.nationalNumber);
  return one ? [one] : countryZones(details.country);
}

/** Whether a campaign's default zone stands for a person whose number could be in any of `zones` (its
 *  country's): only if it is one of them, or the number has no country. A zone of another country is not
 *  the person's clock. */
export function defaultZoneFits(defaultZone: string, zones: readonly string[]): boolean {
  return zones.length === 0 || isOneOfZones(defaultZone, zones);
}

/** The zones a number's calling hours are held in when nothing else is known of the person: its own, the
 *  campaign's default when the number's country has several and the default is one of them, else all of
 *  them; for a number with no country, the default or null. A default of another country is not the
 *  callee's clock: a Sydney number under a Chicago default would be rung at 02:00 Sydney time. */
export function numberZones(phone: string, defaultZone: string | null): readonly string[] | null {
  const zones = possibleZones(phone);
  if (zones.length === 1) return zones; // the number decides its zone
  if (defaultZone !== null && defaultZoneFits(defaultZone, zones)) return [defaultZone];
  return zones.length ? zones : null;
}

/** The one zone a person is known to be in: their own, else the one numberZones gives; null when none is. */
export function personZone(ownZone: string | null, phone: string, defaultZone: string | null): string | null {
  if (ownZone !== null) return ownZone;
  const zones = numberZones(phone, defaultZone);
  return zones?.length === 1 ? zones[0] : null;
}

/** Whether `zone` is one of `zones`, whichever of its names either is spelled with ("Asia/Calcutta" is
 *  "Asia/Kolkata"). A fixed offset is none of them. */
export function isOneOfZones(zone: string, zones: readonly string[]): boolean {
  // The claim asks this for every contact of unknown zone; a country's list is one array, kept.
  let answers = memberships.get(zones);
  if (!answers) {
    answers = new Map();
    memberships.set(zones, answers);
  }
  let answer = answers.get(zone);
  if (answer === undefined) {
    const own = canonicalZone(zone);
    answer = zones.some((z) => canonicalZone(z) === own);
    answers.set(zone, answer);
  }
  return answer;
}

const memberships = new WeakMap<readonly string[], Map<string, boolean>>();

function canonicalZone(zone: string): string {
  const known = ct.getTimezone(zone);
  return known?.aliasOf ?? known?.name ?? zone;
}

const zonesByCountry = new Map<string, readonly string[]>();

function countryZones(country: string): readonly string[] {
  let zones = zonesByCountry.get(country);
  if (!zones) {
    zones = listedZones(country).filter((z) => IANAZone.isValidZone(z));
    zonesByCountry.set(country, zones);
  }
  return zones;
}

/** The zones the data lists for a country, or the one an unlisted region keeps. */
function listedZones(country: string): readonly string[] {
  const zones = ct.getCountry(country)?.timezones ?? [];
  if (zones.length) return zones;
  return Object.hasOwn(UNLISTED_REGIONS, country) ? [UNLISTED_REGIONS[country]] : [];
}

const zoneByCountry = new Map<string, string | null>();

/** Regions libphonenumber knows and countries-and-timezones does not: Ascension and Tristan da Cunha keep
 *  St Helena's clock (the tz database files all three under SH), Kosovo keeps Belgrade's (as in CLDR). */
const UNLISTED_REGIONS: Readonly<Record<string, string>> = {
  AC: "Atlantic/St_Helena",
  TA: "Atlantic/St_Helena",
  XK: "Europe/Belgrade",
};

/** The country's one zone; several count as one when they keep the same clock (DE: Berlin, Büsingen). */
export function countryZone(country: string): string | null {
  const known = zoneByCountry.get(country);
  if (known !== undefined) return known;
  const zones = listedZones(country);
  let zone: string | null = null;
  if (zones.length === 1 || (zones.length > 1 && sameClock(zones))) zone = primaryZone(country, zones);
  zoneByCountry.set(country, zone);
  return zone;
}

// Zones "keep the same clock" when their UTC offsets agree over these years: enough to see any DST rule
// that differs. Computed once per country that has several zones, and per import worker thread (a fresh
// isolate), so it must be cheap: offsets are compared once a day, and hour by hour through each day in
// which an offset changes (a transition), which is finer than a fixed 3-hour grid at a fifth of the cost.
const SAME_CLOCK_FROM = Date.UTC(2025, 0, 1);
const SAME_CLOCK_TO = Date.UTC(2029, 0, 1);
const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

function sameClock(zones: readonly string[]): boolean {
  const instances = zones.map((z) => IANAZone.create(z));
  if (instances.some((z) => !z.isValid)) return false;
  const agree = (t: number): number | null => {
    const offset = instances[0].offset(t);
    for (let i = 1; i < instances.length; i++) if (instances[i].offset(t) !== offset) return null;
    return offset;
  };
  let previous = agree(SAME_CLOCK_FROM);
  if (previous === null) return false;
  for (let day = SAME_CLOCK_FROM + DAY; day <= SAME_CLOCK_TO; day += DAY) {
    const offset = agree(day);
    if (offset === null) return false;
    if (offset !== previous) {
      // A transition in the day before: the zones must switch within the same hour.
      for (let t = day - DAY + HOUR; t < day; t += HOUR) if (agree(t) === null) return false;
    }
    previous = offset;
  }
  return true;
}

/**
 * Among equivalent zones, the one named for this country (Europe/Berlin rather than Europe/Zurich). Where
 * the tz database merged a country's zone into another country's (DK → Europe/Berlin, IS → Africa/Abidjan,
 * BS → America/Toronto), the country's own id lives on as a link: that one is stored with the contact, so
 * a Danish number reads "Europe/Copenhagen" and follows Denmark's rules should they ever part again.
 */
function primaryZone(country: string, zones: readonly string[]): string {
  const ownIn = (list: readonly string[]) =>
    list.filter((z) => z.includes("/") && ct.getTimezone(z)?.countries[0] === country).sort();
  const own = ownIn(zones);
  if (own.length) return own[0];
  // A link keeps the clock of its target by definition (and should the runtime's data already have split
  // them, the country's own id is the right one all the more).
  const links = ownIn(ct.getCountry(country, { deprecated: true })?.timezones ?? []);
  return links.find((z) => IANAZone.isValidZone(z)) ?? [...zones].sort()[0];
}

/**
 * The instant a wall-clock time ("2026-12-04T10:00", seconds optional) names in `zone`, or NaN when it
 * names no real date. A time the zone skips when clocks go forward is moved on by the gap; a time it
 * goes through twice when they go back is the later of the two (never earlier than the person meant),
 * whatever the date today. An explicit offset in `local` ("…T10:00+03:00") is taken as written.
 */
export function localTimeIn(local: string, zone: string): number {
  const t = DateTime.fromISO(local, { zone });
  if (!t.isValid) return Number.NaN;
  const ms = t.toMillis();
  // luxon reads a repeated wall time with the offset the zone has *now* (the real clock, not the virtual
  // one), so which of the two it picks changes with the season. Take the later one here: it is read with
  // the offset the zone switches to afterwards, the one an hour or so on (an overlap is shorter than 3 h).
  if (/T.*(?:[zZ]|[+-]\d)/.test(local)) return ms; // an explicit offset names one instant already
  const offset = t.zone.offset(ms);
  const after = t.zone.offset(ms + 3 * HOUR);
  if (after >= offset) return ms;
  const later = ms + (offset - after) * 60_000;
  return t.zone.offset(later) === after ? later : ms;
}
