// Asterisk time specs ("07:00-22:00,mon-fri,*,*", as in GotoIfTime and Xcally Motion's dialGlobalInterval):
// times, weekdays, days of the month and months, each "*", a range "a-b" (which may wrap: "fri-mon",
// "22:00-06:00", "25-5") or a list of those joined with "&"; an optional fifth field names the zone.
// Asterisk matches each field on its own against the local time, at minute resolution, and a time range
// includes its end minute ("09:00-17:00" still matches at 17:00:59); this module does the same.
// A spec becomes a WindowConstraint, so it combines with every other calling window through nextAllowed.
import { DateTime, IANAZone } from "luxon";
import { WINDOW_HORIZON_MS, type WindowConstraint, type WindowValidationError } from "./windows.ts";

export interface TimeSpec {
  /** Open minutes of the day, 0–1439. */
  minutes: Uint8Array;
  /** Open weekdays, ISO numbering: index 1 = Monday … 7 = Sunday (index 0 unused). */
  weekdays: Uint8Array;
  /** Open days of the month, index 1–31. */
  monthDays: Uint8Array;
  /** Open months, index 1–12. */
  months: Uint8Array;
  /** The zone named in the spec, if any. */
  zone: string | null;
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const FIELDS = ["times", "weekdays", "monthDays", "months", "zone"] as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: WindowValidationError };

function fail<T>(field: string, message: string): Parsed<T> {
  return { ok: false, error: { field, message } };
}

/** Marks a..b (inclusive, wrapping past `last` back to `first`) in `mask`. */
function markRange(mask: Uint8Array, a: number, b: number, first: number, last: number): void {
  for (let x = a; ; x = x === last ? first : x + 1) {
    mask[x] = 1;
    if (x === b) break;
  }
}

function parseField(
  text: string,
  field: string,
  size: number,
  first: number,
  last: number,
  item: (s: string) => number | null,
  what: string,
): Parsed<Uint8Array> {
  const mask = new Uint8Array(size);
  if (text === "*") {
    mask.fill(1, first, last + 1);
    return { ok: true, value: mask };
  }
  for (const part of text.split("&")) {
    const bounds = part.split("-");
    if (bounds.length > 2 || bounds.some((b) => b === ""))
      return fail(field, `"${part}" is not ${what} or a range of them`);
    const values = bounds.map(item);
    if (values.some((v) => v === null)) return fail(field, `"${part}" is not ${what} or a range of them`);
    const [a, b = a] = values as number[];
    markRange(mask, a, b, first, last);
  }
  return { ok: true, value: mask };
}

function timeOfDay(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h === 24 && min === 0) return 1439;
  return h < 24 && min < 60 ? h * 60 + min : null;
}

const integerIn = (lo: number, hi: number) => (s: string) => {
  if (!/^\d{1,2}$/.test(s)) return null;
  const n = Number(s);
  return n >= lo && n <= hi ? n : null;
};
const named = (names: string[]) => (s: string) => {
  const i = names.indexOf(s.toLowerCase());
  return i < 0 ? null : i + 1;
};

/** Parses a spec; errors name the field ("times", "weekdays", "monthDays", "months", "zone") under `path`. */
export function parseTimeSpec(text: unknown, path = "timeSpec"): Parsed<TimeSpec> {
  if (typeof text !== "string") return fail(path, "must be a string like 07:00-22:00,mon-fri,*,*");
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length < 4 || parts.length > 5)
    return fail(
      path,
      `must have 4 or 5 comma-separated fields (times,weekdays,monthdays,months[,zone]), got ${parts.length}`,
    );
  const at = (i: number) => `${path}.${FIELDS[i]}`;
  const minutes = parseField(parts[0], at(0), 1440, 0, 1439, timeOfDay, "a time HH:MM");
  if (!minutes.ok) return minutes;
  const weekdays = parseField(
    parts[1].toLowerCase(),
    at(1),
    8,
    1,
    7,
    named(WEEKDAYS),
    "a weekday (mon … sun)",
  );
  if (!weekdays.ok) return weekdays;
  const monthDays = parseField(parts[2], at(2), 32, 1, 31, integerIn(1, 31), "a day of the month (1–31)");
  if (!monthDays.ok) return monthDays;
  const months = parseField(parts[3].toLowerCase(), at(3), 13, 1, 12, named(MONTHS), "a month (jan … dec)");
  if (!months.ok) return months;
  const zone = parts[4] ?? null;
  if (zone !== null && !IANAZone.isValidZone(zone)) return fail(at(4), `"${zone}" is not an IANA time zone`);
  return {
    ok: true,
    value: {
      minutes: minutes.value,
      weekdays: weekdays.value,
      monthDays: monthDays.value,
      months: months.value,
      zone,
    },
  };
}

const MINUTE = 60_000;
/** How far nextOpen/nextClose look before answering "never": the window search's own horizon, which
 *  firstOpenWithin relies on (a spec open only on the 29th of February is simply not due yet;
 *  campaignEverOpens tells it from one that never opens). */
const HORIZON_MS = WINDOW_HORIZON_MS;

/** Days in each month (index 1–12) at most: February's 29th comes in leap years. */
const MAX_MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether the spec is open at some time, ever: some minute, some weekday, and a month holding one of its
 *  days. Every date but the 29th of February falls on each weekday within seven years, and that one within
 *  twenty-eight, so the days and weekdays need no walk through the calendar. */
export function timeSpecEverOpens(spec: TimeSpec): boolean {
  if (!spec.minutes.includes(1) || !spec.weekdays.includes(1)) return false;
  for (let m = 1; m <= 12; m++) {
    if (spec.months[m] !== 1) continue;
    for (let d = 1; d <= MAX_MONTH_DAYS[m]; d++) if (spec.monthDays[d] === 1) return true;
  }
  return false;
}

/** The spec as a calling window in `zone` (the spec's own zone wins when it names one). */
export function timeSpecWindow(spec: TimeSpec, zone: string, reason = "window"): WindowConstraint {
  const z = new IANAZone(spec.zone ?? zone);
  const offsetMs = (t: number) => z.offset(t) * MINUTE;
  const local = (t: number) => DateTime.fromMillis(t, { zone: z });

  const dayMatches = (d: DateTime) =>
    spec.weekdays[d.weekday] === 1 && spec.monthDays[d.day] === 1 && spec.months[d.month] === 1;
  const isOpen = (t: number): boolean => {
    const d = local(t);
    return dayMatches(d) && spec.minutes[d.hour * 60 + d.minute] === 1;
  };

  /** The first instant after `t` at which the zone's offset differs from the one at `t`, if before `limit`. */
  function transitionBefore(t: number, limit: number): number | null {
    const o = offsetMs(t);
    if (offsetMs(limit) === o) return null;
    let lo = t;
    let hi = limit;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetMs(mid) === o) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /**
   * The first minute instant ≥ t where isOpen(x) === want. Jumps over whole days whose date does not match
   * and over runs of minutes of the same state, but never across an offset change, where the wall clock
   * jumps and the state must be looked at again.
   */
  function seek(t: number, want: boolean): number | null {
    if (isOpen(t) === want) return t;
    let x = Math.ceil(t / MINUTE) * MINUTE;
    const end = t + HORIZON_MS;
    while (x <= end) {
      const d = local(x);
      const minuteOfDay = d.hour * 60 + d.minute;
      let jump: number;
      if (!dayMatches(d)) {
        if (!want) return x;
        jump = 1440 - minuteOfDay;
      } else {
        if ((spec.minutes[minuteOfDay] === 1) === want) return x;
        let m = minuteOfDay;
        while (m < 1440 && (spec.minutes[m] === 1) !== want) m++;
        jump = m - minuteOfDay;
      }
      const next = x + jump * MINUTE;
      const shift = transitionBefore(x, next);
      x = shift ?? next;
    }
    return null;
  }

  return {
    reason,
    isOpen,
    nextOpen: (t) => seek(t, true),
    nextClose: (t) => seek(t, false),
  };
}
