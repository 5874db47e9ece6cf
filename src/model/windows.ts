// Call windows: when a contact may be dialed. Each rule (campaign schedule, callee-local window, daily UTC
// window, start and end times) is a WindowConstraint over ms-epoch instants; nextAllowed intersects them.
// Local rules are periodic intervals on the zone's wall clock. The hot path (isOpen, once per contact
// claim) costs one cached offset lookup and a short interval scan; luxon is only asked for offsets the
// cache has not seen yet and to pin down the exact instant of a DST change.
import { Info, type Zone } from "luxon";
import type { DailyWindow, WeeklySchedule } from "./campaign-settings.ts";

export interface WindowConstraint {
  isOpen(t: number): boolean;
  /** Earliest instant ≥ t at which the constraint is open (t itself when open); null = never again. */
  nextOpen(t: number): number | null;
  /** Earliest instant ≥ t at which the constraint is closed (t itself when closed); null = never. */
  nextClose(t: number): number | null;
  /** Why a contact waits when this constraint is closed ("window", "callee_window", …). */
  reason: string;
}

export interface WindowValidationError {
  field: string;
  message: string;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday: shifting by 3 days puts Monday 00:00 at position 0 of a week. */
const WEEK_ORIGIN = 3 * DAY;
/** How far one window search looks before answering "none": nextAllowed's, and each time spec's own
 *  (model/time-spec.ts). Enough for the claim; a spec open only on a 29th of February can open past it
 *  (firstOpenWithin looks further, a horizon at a time). */
export const WINDOW_HORIZON_MS = 400 * DAY;

// ---------------------------------------------------------------------------------------------------------
// Zone offsets

const CACHE_SLOTS = 4096; // a power of two: 170 days of hour buckets per zone before slots are reused

/** UTC offsets of one zone, cached per hour bucket in a direct-mapped table. */
class ZoneOffsets {
  /** Offset in ms when the zone never changes (UTC, fixed offsets), else null. */
  readonly fixed: number | null;
  private readonly bucketKeys = new Float64Array(CACHE_SLOTS).fill(Number.NaN);
  private readonly bucketValues = new Float64Array(CACHE_SLOTS);
  /** Hour bucket → the instant its offset changes, for buckets that hold a change. */
  private readonly changes = new Map<number, number>();

  constructor(private readonly zone: Zone) {
    this.fixed = zone.isUniversal ? zone.offset(0) * MINUTE : null;
  }

  /** Offset (ms) of the zone at instant t. */
  at(t: number): number {
    if (this.fixed !== null) return this.fixed;
    const v = this.bucket(Math.floor(t / HOUR));
    return Number.isNaN(v) ? this.exact(t) : v;
  }

  /** First instant in (from, to] whose offset differs from `off` (the offset at `from`), or null. */
  firstChange(from: number, to: number, off: number): number | null {
    if (this.fixed !== null || to <= from) return null;
    const last = Math.floor(to / HOUR);
    for (let b = Math.floor(from / HOUR); b <= last; b++) {
      const v = this.bucket(b);
      if (v === off) continue;
      const change = Number.isNaN(v) ? this.changeIn(b) : b * HOUR;
      // A change inside from's own bucket may lie before `from`: the rest of that hour is `off` already.
      if (change <= from) continue;
      return change > to ? null : change;
    }
    return null;
  }

  private exact(t: number): number {
    return this.zone.offset(t) * MINUTE;
  }

  /** The bucket's offset when it is the same through the whole hour, else NaN. */
  private bucket(b: number): number {
    const slot = b & (CACHE_SLOTS - 1);
    if (this.bucketKeys[slot] === b) return this.bucketValues[slot];
    const first = this.exact(b * HOUR);
    // Rules never change twice within an hour, so equal ends mean one offset throughout.
    const v = first === this.exact(b * HOUR + HOUR - 1) ? first : Number.NaN;
    this.bucketKeys[slot] = b;
    this.bucketValues[slot] = v;
    return v;
  }

  private changeIn(b: number): number {
    const known = this.changes.get(b);
    if (known !== undefined) return known;
    let lo = b * HOUR;
    let hi = lo + HOUR - 1;
    const before = this.exact(lo);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.exact(mid) === before) lo = mid;
      else hi = mid;
    }
    this.changes.set(b, hi);
    return hi;
  }
}

const zones = new Map<string, ZoneOffsets>();

function zoneOffsets(name: string): ZoneOffsets {
  let z = zones.get(name);
  if (!z) {
    const zone = Info.normalizeZone(name);
    if (!zone.isValid) throw new Error(`unknown time zone ${JSON.stringify(name)}`);
    z = new ZoneOffsets(zone);
    zones.set(name, z);
  }
  return z;
}

function zoneError(zone: unknown): string | null {
  if (typeof zone !== "string" || zone.trim() === "") return "must be a time zone name like Europe/Moscow";
  return Info.normalizeZone(zone).isValid ? null : `unknown time zone ${JSON.stringify(zone)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Periodic intervals on a local (wall-clock) time line

/** Disjoint, sorted [start, end) intervals repeating every `period` ms of local time. */
class LocalIntervals {
  readonly full: boolean;
  readonly empty: boolean;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** `raw` ranges start within [0, period) and may run past its end (they wrap). */
  constructor(
    private readonly period: number,
    private readonly origin: number,
    raw: [number, number][],
  ) {
    const pieces: [number, number][] = [];
    for (const [s, e] of raw) {
      if (e - s >= period) pieces.push([0, period]);
      else if (e > period) pieces.push([s, period], [0, e - period]);
      else if (e > s) pieces.push([s, e]);
    }
    pieces.sort((a, b) => a[0] - b[0]);
    for (const [s, e] of pieces) {
      const n = this.ends.length;
      if (n && s <= this.ends[n - 1]) this.ends[n - 1] = Math.max(this.ends[n - 1], e);
      else {
        this.starts.push(s);
        this.ends.push(e);
      }
    }
    this.empty = this.starts.length === 0;
    this.full = this.starts.length === 1 && this.starts[0] === 0 && this.ends[0] === period;
  }

  private position(local: number): number {
    const p = (local + this.origin) % this.period;
    return p < 0 ? p + this.period : p;
  }

  contains(local: number): boolean {
    const p = this.position(local);
    const { starts, ends } = this;
    for (let i = 0; i < starts.length; i++) {
      if (p < starts[i]) return false;
      if (p < ends[i]) return true;
    }
    return false;
  }

  /** The earliest local time > `local` that starts an interval (call only when `local` is outside). */
  nextStart(local: number): number | null {
    if (this.empty) return null;
    const p = this.position(local);
    const base = local - p;
    for (const s of this.starts) if (s > p) return base + s;
    return base + this.period + this.starts[0];
  }

  /** Where the interval holding `local` ends (call only when `local` is inside). */
  endOf(local: number): number | null {
    if (this.full) return null;
    const p = this.position(local);
    const base = local - p;
    for (let i = 0; i < this.starts.length; i++) if (p < this.ends[i]) return base + this.ends[i];
    return null;
  }
}

/** Each loop step either answers or moves to a boundary or an offset change; a few suffice. */
const MAX_STEPS = 32;

/** A LocalIntervals set read on one zone's wall clock. Gaps and repeated hours follow from the offsets. */
class ZonedWindow implements WindowConstraint {
  constructor(
    readonly reason: string,
    private readonly set: LocalIntervals,
    private readonly zone: ZoneOffsets,
  ) {}

  isOpen(t: number): boolean {
    return this.set.contains(t + this.zone.at(t));
  }

  nextOpen(t: number): number | null {
    let cur = t;
    for (let i = 0; i < MAX_STEPS; i++) {
      const off = this.zone.at(cur);
      const local = cur + off;
      if (this.set.contains(local)) return cur;
      const start = this.set.nextStart(local);
      if (start === null) return null;
      const candidate = start - off;
      // If the offset changes first (DST), look again from the change: the wall clock jumped there,
      // possibly past `start` (spring forward opens at the first valid instant) or back (autumn).
      const change = this.zone.firstChange(cur, candidate, off);
      if (change === null) return candidate;
      cur = change;
    }
    throw new Error(`${this.reason}: no answer after ${MAX_STEPS} steps from ${new Date(t).toISOString()}`);
  }

  nextClose(t: number): number | null {
    let cur = t;
    for (let i = 0; i < MAX_STEPS; i++) {
      const off = this.zone.at(cur);
      const local = cur + off;
      if (!this.set.contains(local)) return cur;
      const end = this.set.endOf(local);
      if (end === null) return null;
      const candidate = end - off;
      const change = this.zone.firstChange(cur, candidate, off);
      cur = change ?? candidate;
    }
    throw new Error(`${this.reason}: no answer after ${MAX_STEPS} steps from ${new Date(t).toISOString()}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and validation

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** "HH:mm[:ss]" → ms of the day; "24:00" only when `end`. Returns an error message for bad input. */
function parseTime(value: unknown, end: boolean): number | string {
  if (typeof value !== "string") return 'must be a time "HH:mm" or "HH:mm:ss"';
  const m = TIME.exec(value);
  if (!m) return `${JSON.stringify(value)} is not a time "HH:mm" or "HH:mm:ss"`;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h === 24 && min === 0 && s === 0) {
    return end ? DAY : `${JSON.stringify(value)}: 24:00 may only end a range`;
  }
  if (h > 23 || min > 59 || s > 59) return `${JSON.stringify(value)} is out of range`;
  return ((h * 60 + min) * 60 + s) * 1000;
}

/** [start, end) of a from..to range in ms of the day; end past DAY when it spans midnight. */
function rangeOf(from: number, to: number): [number, number] {
  // from == to spans a full day from `from`; "00:00"–"24:00" is the plain whole day.
  return to > from ? [from, to] : [from, to + DAY];
}

function validateDaily(w: unknown, prefix: string, out: WindowValidationError[]): void {
  if (typeof w !== "object" || w === null) {
    out.push({ field: prefix || "window", message: "must be an object with from and to" });
    return;
  }
  const { from, to } = w as Record<string, unknown>;
  const f = parseTime(from, false);
  if (typeof f === "string") out.push({ field: `${prefix}from`, message: f });
  const e = parseTime(to, true);
  if (typeof e === "string") out.push({ field: `${prefix}to`, message: e });
}

/** Problems with a weekly schedule, each with the field it concerns; empty when valid. */
export function validateWeeklySchedule(s: unknown): WindowValidationError[] {
  const out: WindowValidationError[] = [];
  if (typeof s !== "object" || s === null) return [{ field: "schedule", message: "must be an object" }];
  const { zone, ranges } = s as Record<string, unknown>;
  const zoneProblem = zoneError(zone);
  if (zoneProblem) out.push({ field: "zone", message: zoneProblem });
  if (!Array.isArray(ranges)) {
    out.push({ field: "ranges", message: "must be a list of {days, from, to}" });
    return out;
  }
  if (ranges.length === 0) out.push({ field: "ranges", message: "must hold at least one range" });
  ranges.forEach((r, i) => {
    const days = (r as Record<string, unknown> | null)?.days;
    if (!Array.isArray(days) || days.length === 0) {
      out.push({ field: `ranges[${i}].days`, message: "must be a non-empty list of ISO weekdays 1–7" });
    } else if (!days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
      out.push({ field: `ranges[${i}].days`, message: "weekdays are 1 (Monday) … 7 (Sunday)" });
    }
    validateDaily(r, `ranges[${i}].`, out);
  });
  return out;
}

/** Problems with a daily from..to window; empty when valid. */
export function validateDailyWindow(w: unknown): WindowValidationError[] {
  const out: WindowValidationError[] = [];
  validateDaily(w, "", out);
  return out;
}

function fail(what: string, errors: WindowValidationError[]): never {
  throw new Error(`invalid ${what}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`);
}

// ---------------------------------------------------------------------------------------------------------
// Constraints

/** A weekly schedule in its own zone (the campaign's: reason "window"). */
export function weeklySchedule(s: WeeklySchedule, reason = "window"): WindowConstraint {
  const errors = validateWeeklySchedule(s);
  if (errors.length) fail("weekly schedule", errors);
  const raw: [number, number][] = [];
  for (const r of s.ranges) {
    const [from, to] = rangeOf(parseTime(r.from, false) as number, parseTime(r.to, true) as number);
    for (const d of new Set(r.days)) raw.push([(d - 1) * DAY + from, (d - 1) * DAY + to]);
  }
  return new ZonedWindow(reason, new LocalIntervals(WEEK, WEEK_ORIGIN, raw), zoneOffsets(s.zone));
}

/** Every day from..to on the callee's wall clock in `zone` (reason "callee_window"). */
export function dailyLocalWindow(w: DailyWindow, zone: string): WindowConstraint {
  const errors = validateDailyWindow(w);
  const zoneProblem = zoneError(zone);
  if (zoneProblem) errors.push({ field: "zone", message: zoneProblem });
  if (errors.length) fail("daily window", errors);
  const range = rangeOf(parseTime(w.from, false) as number, parseTime(w.to, true) as number);
  return new ZonedWindow("callee_window", new LocalIntervals(DAY, 0, [range]), zoneOffsets(zone));
}

const utcWindows = new Map<string, WindowConstraint>();

/**
 * Seconds of the UTC day, from inclusive to exclusive (reason "daily_window"); from > to spans midnight,
 * from == to is the whole day. Memoized: the dispatcher builds one per contact claim.
 */
/** Seconds of the day, as daily windows are stored → "HH:mm:ss" (a window ending at 86400 → "24:00:00"). */
export function clockOfDay(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

export function dailyUtcWindow(fromSec: number, toSec: number): WindowConstraint {
  const key = `${fromSec}:${toSec}`;
  const known = utcWindows.get(key);
  if (known) return known;
  for (const [name, v] of [
    ["fromSec", fromSec],
    ["toSec", toSec],
  ] as const) {
    if (!Number.isFinite(v) || v < 0 || v > 86_400) {
      throw new Error(`invalid daily UTC window: ${name} must be within 0…86400 seconds, got ${v}`);
    }
  }
  const range = rangeOf((fromSec % 86_400) * 1000, toSec * 1000);
  const w = new ZonedWindow("daily_window", new LocalIntervals(DAY, 0, [range]), zoneOffsets("UTC"));
  if (utcWindows.size > 10_000) utcWindows.clear();
  utcWindows.set(key, w);
  return w;
}

/** Closed before t0. */
export function notBefore(t0: number, reason = "start_at"): WindowConstraint {
  return {
    reason,
    isOpen: (t) => t >= t0,
    nextOpen: (t) => Math.max(t, t0),
    nextClose: (t) => (t >= t0 ? null : t),
  };
}

/** Closed after t1 (t1 itself is still open). */
export function notAfter(t1: number, reason = "end"): WindowConstraint {
  return {
    reason,
    isOpen: (t) => t <= t1,
    nextOpen: (t) => (t <= t1 ? t : null),
    nextClose: (t) => (t <= t1 ? t1 + 1 : t),
  };
}

/** Rounds of the search nextAllowed spends at most: windows that never meet but alternate minute by minute
 *  took a second of event loop per look; windows that meet need a few rounds a day they do not. */
export const WINDOW_SEARCH_ROUNDS = 2_000;

/**
 * The earliest instant ≥ t at which every constraint is open, with the reason of the first constraint
 * that was closed at t (null when all are open now); null when there is none within `horizonMs`, or none
 * found within the search's rounds.
 */
export function nextAllowed(
  t: number,
  constraints: WindowConstraint[],
  horizonMs = WINDOW_HORIZON_MS,
): { at: number; reason: string | null } | null {
  const found = searchWindows(t, constraints, horizonMs, WINDOW_SEARCH_ROUNDS);
  return found === "exhausted" ? null : found;
}

/** nextAllowed's search, saying "exhausted" when it ran out of rounds (not known never to open). */
export function searchWindows(
  t: number,
  constraints: WindowConstraint[],
  horizonMs: number,
  maxRounds: number,
): { at: number; reason: string | null } | null | "exhausted" {
  let reason: string | null = null;
  for (const c of constraints) {
    if (!c.isOpen(t)) {
      reason = c.reason;
      break;
    }
  }
  if (reason === null) return { at: t, reason: null };
  const limit = t + horizonMs;
  let cur = t;
  // Each move jumps to the earliest instant one constraint allows, a lower bound for the intersection;
  // a full round without a move is the answer. The horizon ends rounds that would chase forever.
  for (let round = 0; round < maxRounds; round++) {
    let moved = false;
    for (const c of constraints) {
      if (c.isOpen(cur)) continue;
      const next = c.nextOpen(cur);
      if (next === null || next > limit) return null;
      // A constraint that claims to open at a closed instant must not stall the loop.
      cur = next > cur ? next : cur + 1;
      moved = true;
    }
    if (!moved) return { at: cur, reason };
  }
  return "exhausted";
}

/**
 * The earliest instant ≥ t at which every constraint is open, up to `spanMs` ahead (past one horizon), for
 * a look off the claim path (explain) that must tell "not for four years" from "never". Searched a horizon
 * at a time: no constraint looks further in one search. null: none within the span; "exhausted": a search
 * ran out of rounds (whether and when it opens is not known).
 */
export function firstOpenWithin(
  t: number,
  constraints: WindowConstraint[],
  spanMs: number,
): number | null | "exhausted" {
  const end = t + spanMs;
  for (let from = t; from < end; from += WINDOW_HORIZON_MS) {
    const horizon = Math.min(WINDOW_HORIZON_MS, end - from);
    const found = searchWindows(from, constraints, horizon, WINDOW_SEARCH_ROUNDS);
    if (found !== null) return found === "exhausted" ? found : found.at;
  }
  return null;
}
