// Call windows: schedules in zones across DST, callee-local and UTC daily windows, their intersection,
// and validation. Expected instants are checked against luxon's own reading of the wall clock, and the
// intersection against a brute-force scan minute by minute.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import type { DailyWindow, WeeklySchedule } from "../../src/model/campaign-settings.ts";
import {
  dailyLocalWindow,
  dailyUtcWindow,
  nextAllowed,
  notAfter,
  notBefore,
  validateDailyWindow,
  validateWeeklySchedule,
  WINDOW_SEARCH_ROUNDS,
  type WindowConstraint,
  weeklySchedule,
} from "../../src/model/windows.ts";

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEKDAYS = [1, 2, 3, 4, 5];

/** ms epoch of a wall-clock time in a zone (ISO local "2026-01-10T12:00"). */
const at = (local: string, zone: string) => DateTime.fromISO(local, { zone }).toMillis();
const iso = (t: number | null | undefined, zone: string) =>
  t === null || t === undefined
    ? null
    : DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true });
const utc = (s: string) => Date.parse(s);

// ---- a brute-force oracle that reads the wall clock through luxon, independent of windows.ts

const secOf = (hhmm: string) => {
  const [h, m, s] = hhmm.split(":").map(Number);
  return h * 3600 + m * 60 + (s ?? 0);
};

function localParts(t: number, zone: string): { weekday: number; sec: number } {
  const d = DateTime.fromMillis(t, { zone });
  return { weekday: d.weekday, sec: d.hour * 3600 + d.minute * 60 + d.second };
}

function weeklyOracle(s: WeeklySchedule): (t: number) => boolean {
  return (t) => {
    const { weekday, sec } = localParts(t, s.zone);
    const yesterday = weekday === 1 ? 7 : weekday - 1;
    return s.ranges.some((r) => {
      const from = secOf(r.from);
      const to = secOf(r.to);
      if (to > from) return r.days.includes(weekday) && sec >= from && sec < to;
      return (r.days.includes(weekday) && sec >= from) || (r.days.includes(yesterday) && sec < to);
    });
  };
}

const dailyOracle = (w: DailyWindow, zone: string) =>
  weeklyOracle({ zone, ranges: [{ days: [1, 2, 3, 4, 5, 6, 7], ...w }] });

/** 1 for each whole minute from t0 at which every oracle is open, else 0. */
function minuteTable(t0: number, minutes: number, oracles: ((t: number) => boolean)[]): Uint8Array {
  const open = new Uint8Array(minutes);
  for (let i = 0; i < minutes; i++) open[i] = oracles.every((o) => o(t0 + i * MIN)) ? 1 : 0;
  return open;
}

/** Earliest instant ≥ t (t itself, then whole minutes) at which every oracle is open, up to `limit`. */
function bruteForce(t: number, oracles: ((t: number) => boolean)[], limit: number): number | null {
  if (oracles.every((o) => o(t))) return t;
  for (let m = Math.floor(t / MIN) * MIN + MIN; m <= limit; m += MIN) {
    if (oracles.every((o) => o(m))) return m;
  }
  return null;
}

// ---- weekly schedules

const NY = "America/New_York";
const officeNY: WeeklySchedule = { zone: NY, ranges: [{ days: WEEKDAYS, from: "09:00", to: "18:00" }] };

test("a weekday 09:00–18:00 schedule sends Saturday to Monday 09:00 local", () => {
  const w = weeklySchedule(officeNY);
  const saturdayNoon = at("2026-01-10T12:00", NY);
  assert.equal(w.isOpen(saturdayNoon), false);
  assert.equal(iso(w.nextOpen(saturdayNoon), NY), "2026-01-12T09:00:00-05:00");
  const r = nextAllowed(saturdayNoon, [w]);
  assert.deepEqual(r, { at: at("2026-01-12T09:00", NY), reason: "window" });
});

test("the end of a range is exclusive: 18:00 exactly is closed", () => {
  const w = weeklySchedule(officeNY);
  const six = at("2026-01-07T18:00", NY);
  assert.equal(w.isOpen(six - 1), true);
  assert.equal(w.isOpen(six), false);
  assert.equal(w.nextClose(at("2026-01-07T12:00", NY)), six);
  assert.equal(w.nextClose(six), six, "a closed instant is its own next close");
  assert.equal(w.nextOpen(at("2026-01-07T12:00", NY)), at("2026-01-07T12:00", NY));
  assert.equal(iso(w.nextOpen(six), NY), "2026-01-08T09:00:00-05:00");
  assert.deepEqual(nextAllowed(six - 1, [w]), { at: six - 1, reason: null });
});

test("a range that ends before it starts spans midnight and belongs to the day it starts on", () => {
  const z = "Europe/Paris";
  const w = weeklySchedule({
    zone: z,
    ranges: [
      { days: [5], from: "22:00", to: "02:00" },
      { days: [7], from: "23:00", to: "01:00:30" },
    ],
  });
  assert.equal(w.isOpen(at("2026-01-09T23:00", z)), true, "Friday night");
  assert.equal(w.isOpen(at("2026-01-10T01:59", z)), true, "early Saturday, still Friday's range");
  assert.equal(w.isOpen(at("2026-01-10T02:00", z)), false);
  assert.equal(w.isOpen(at("2026-01-10T22:30", z)), false, "Saturday night has no range");
  assert.equal(w.isOpen(at("2026-01-09T01:00", z)), false, "early Friday belongs to Thursday");
  // Sunday's range wraps past the end of the ISO week into Monday.
  assert.equal(w.isOpen(at("2026-01-12T00:30", z)), true);
  assert.equal(w.nextClose(at("2026-01-11T23:30", z)), at("2026-01-12T01:00:30", z));
  assert.equal(iso(w.nextOpen(at("2026-01-10T03:00", z)), z), "2026-01-11T23:00:00+01:00");
});

test("several ranges per day and 24:00 as the end of the day", () => {
  const z = "UTC";
  const w = weeklySchedule({
    zone: z,
    ranges: [
      { days: [1], from: "09:00", to: "12:00" },
      { days: [1], from: "14:00", to: "24:00" },
      { days: [2], from: "00:00", to: "01:00" },
    ],
  });
  assert.equal(w.nextOpen(utc("2026-01-05T12:00Z")), utc("2026-01-05T14:00Z"));
  // Monday's 24:00 and Tuesday's 00:00 meet: one open stretch until Tuesday 01:00.
  assert.equal(w.isOpen(utc("2026-01-05T23:59:59.999Z")), true);
  assert.equal(w.isOpen(utc("2026-01-06T00:00Z")), true);
  assert.equal(w.nextClose(utc("2026-01-05T15:00Z")), utc("2026-01-06T01:00Z"));
});

// ---- DST

test("America/New_York spring forward: a window starting in the missing hour opens at 03:00 EDT", () => {
  const w = dailyLocalWindow({ from: "02:30", to: "05:00" }, NY);
  const oneAm = at("2026-03-08T01:00", NY); // 06:00Z, EST
  assert.equal(w.nextOpen(oneAm), utc("2026-03-08T07:00:00Z"), "the first valid instant after 02:30");
  assert.equal(iso(w.nextOpen(oneAm), NY), "2026-03-08T03:00:00-04:00");
  assert.equal(w.nextClose(utc("2026-03-08T07:00:00Z")), utc("2026-03-08T09:00:00Z"), "05:00 EDT");
  // A window that lies wholly in the missing hour does not open that day at all.
  const lost = dailyLocalWindow({ from: "02:00", to: "03:00" }, NY);
  assert.equal(iso(lost.nextOpen(oneAm), NY), "2026-03-09T02:00:00-04:00");
  // The weekly schedule keeps 09:00 local across the change: 14:00Z before, 13:00Z after.
  const office = weeklySchedule(officeNY);
  assert.equal(office.nextOpen(at("2026-03-06T19:00", NY)), utc("2026-03-09T13:00:00Z"));
});

test("America/New_York fall back: the repeated hour is open twice and nothing loops", () => {
  const w = dailyLocalWindow({ from: "01:30", to: "01:45" }, NY);
  const midnight = at("2026-11-01T00:00", NY); // 04:00Z, EDT
  assert.equal(w.nextOpen(midnight), utc("2026-11-01T05:30:00Z"), "01:30 EDT");
  assert.equal(w.nextClose(utc("2026-11-01T05:30:00Z")), utc("2026-11-01T05:45:00Z"));
  assert.equal(w.nextOpen(utc("2026-11-01T05:45:00Z")), utc("2026-11-01T06:30:00Z"), "01:30 EST");
  assert.equal(w.nextOpen(utc("2026-11-01T06:45:00Z")), utc("2026-11-02T06:30:00Z"), "next day");
  // A spanning range that ends inside the repeated hour closes at its first occurrence.
  const night = dailyLocalWindow({ from: "22:00", to: "01:30" }, NY);
  assert.equal(night.isOpen(utc("2026-11-01T05:29:00Z")), true);
  assert.equal(night.nextClose(utc("2026-11-01T03:00:00Z")), utc("2026-11-01T05:30:00Z"));
  const office = weeklySchedule(officeNY);
  assert.equal(office.nextOpen(at("2026-10-30T19:00", NY)), utc("2026-11-02T14:00:00Z"));
});

test("Europe/Berlin: spring gap and autumn repeat", () => {
  const z = "Europe/Berlin";
  const spring = dailyLocalWindow({ from: "02:30", to: "04:00" }, z);
  assert.equal(spring.nextOpen(utc("2026-03-29T00:10:00Z")), utc("2026-03-29T01:00:00Z"), "03:00 CEST");
  assert.equal(spring.nextClose(utc("2026-03-29T01:00:00Z")), utc("2026-03-29T02:00:00Z"), "04:00 CEST");
  const autumn = dailyLocalWindow({ from: "02:00", to: "02:30" }, z);
  assert.equal(autumn.nextOpen(utc("2026-10-24T23:00:00Z")), utc("2026-10-25T00:00:00Z"), "02:00 CEST");
  assert.equal(autumn.nextOpen(utc("2026-10-25T00:30:00Z")), utc("2026-10-25T01:00:00Z"), "02:00 CET");
  assert.equal(autumn.nextOpen(utc("2026-10-25T01:30:00Z")), utc("2026-10-26T01:00:00Z"));
});

test("DST days agree with a minute-by-minute scan in five zones", () => {
  const cases: [string, string][] = [
    [NY, "2026-03-07T00:00Z"],
    [NY, "2026-10-31T00:00Z"],
    ["Europe/Berlin", "2026-03-28T00:00Z"],
    ["Europe/Berlin", "2026-10-24T00:00Z"],
    ["Australia/Lord_Howe", "2026-04-04T00:00Z"], // a half-hour change
  ];
  const window = { from: "01:15", to: "02:45" };
  for (const [zone, start] of cases) {
    const w = dailyLocalWindow(window, zone);
    const t0 = utc(start);
    const open = minuteTable(t0, 5 * 1440, [dailyOracle(window, zone)]);
    for (let i = 0; i < 3 * 1440; i += 7) {
      const t = t0 + i * MIN;
      const label = `${zone} at ${new Date(t).toISOString()}`;
      assert.equal(w.isOpen(t), open[i] === 1, `isOpen ${label}`);
      const j = open.indexOf(1, i);
      assert.equal(w.nextOpen(t), j < 0 ? null : t0 + j * MIN, `nextOpen ${label}`);
      const k = open.indexOf(0, i);
      if (open[i] === 1 && k >= 0) assert.equal(w.nextClose(t), t0 + k * MIN, `nextClose ${label}`);
    }
  }
});

// ---- intersections

test("callee windows in three zones intersected with a Moscow office schedule are open and earliest", () => {
  const moscow = weeklySchedule({
    zone: "Europe/Moscow",
    ranges: [{ days: WEEKDAYS, from: "09:00", to: "18:00" }],
  });
  const moscowOracle = weeklyOracle({
    zone: "Europe/Moscow",
    ranges: [{ days: WEEKDAYS, from: "09:00", to: "18:00" }],
  });
  const callee = { from: "09:00", to: "21:00" };
  const starts = ["2026-01-09T10:00Z", "2026-01-10T00:00Z", "2026-03-27T20:00Z", "2026-01-06T05:30:15Z"];
  for (const zone of ["Asia/Tokyo", "Europe/London", "America/Los_Angeles"]) {
    const constraints = [moscow, dailyLocalWindow(callee, zone)];
    const oracles = [moscowOracle, dailyOracle(callee, zone)];
    for (const s of starts) {
      const t = utc(s);
      const r = nextAllowed(t, constraints);
      const expected = bruteForce(t, oracles, t + 7 * DAY);
      // Los Angeles 09:00–21:00 is Moscow 20:00–08:00: the two never meet.
      assert.equal(expected === null, zone === "America/Los_Angeles", `${zone} overlaps`);
      if (expected === null) {
        assert.equal(nextAllowed(t, constraints), null);
        continue;
      }
      assert.equal(
        r?.at,
        expected,
        `${zone} from ${s}: got ${iso(r?.at, zone)}, want ${iso(expected, zone)}`,
      );
      for (const o of oracles) assert.ok(o(r!.at));
      assert.equal(
        r?.reason,
        oracles.every((o) => o(t)) ? null : constraints[oracles.findIndex((o) => !o(t))].reason,
      );
    }
  }
});

test("Tokyo callees meet a Moscow office only on Moscow mornings: Friday afternoon waits for Monday", () => {
  // Tokyo 09:00–21:00 is Moscow 03:00–15:00: overlap is Moscow 09:00–15:00 on weekdays.
  const moscow = weeklySchedule({
    zone: "Europe/Moscow",
    ranges: [{ days: WEEKDAYS, from: "09:00", to: "18:00" }],
  });
  const tokyo = dailyLocalWindow({ from: "09:00", to: "21:00" }, "Asia/Tokyo");
  const fridayAfternoon = at("2026-01-09T16:00", "Europe/Moscow");
  const r = nextAllowed(fridayAfternoon, [moscow, tokyo]);
  assert.equal(iso(r?.at, "Europe/Moscow"), "2026-01-12T09:00:00+03:00");
  assert.equal(
    r?.reason,
    "callee_window",
    "the callee window is the first one closed at Friday 16:00 Moscow",
  );
});

test("a combination that never opens gives null, as do windows after the end", () => {
  const morning = weeklySchedule({ zone: "UTC", ranges: [{ days: [1], from: "09:00", to: "10:00" }] });
  const noon = dailyUtcWindow(12 * 3600, 13 * 3600);
  assert.equal(nextAllowed(utc("2026-01-05T00:00Z"), [morning, noon]), null);
  const t = utc("2026-01-05T00:00Z");
  assert.equal(nextAllowed(t, [morning, notAfter(t + HOUR)]), null);
  assert.deepEqual(nextAllowed(t, [morning, notAfter(t + DAY)]), { at: t + 9 * HOUR, reason: "window" });
  assert.equal(nextAllowed(t, [notBefore(t + 2 * DAY)], DAY), null, "beyond the horizon");
});

test("start and end constraints", () => {
  const s = notBefore(1000);
  assert.deepEqual(
    [s.isOpen(999), s.isOpen(1000), s.nextOpen(5), s.nextOpen(2000)],
    [false, true, 1000, 2000],
  );
  assert.deepEqual([s.nextClose(5), s.nextClose(1000)], [5, null]);
  assert.equal(s.reason, "start_at");
  const e = notAfter(1000, "lifetime");
  assert.deepEqual(
    [e.isOpen(1000), e.isOpen(1001), e.nextOpen(1001), e.nextClose(10)],
    [true, false, null, 1001],
  );
  assert.deepEqual(nextAllowed(0, [s, e]), { at: 1000, reason: "start_at" });
});

// ---- UTC daily windows and fixed offsets

test("daily UTC windows: plain, spanning midnight, and the whole day", () => {
  const day = dailyUtcWindow(8 * 3600, 20 * 3600);
  assert.equal(day.reason, "daily_window");
  assert.equal(day.nextOpen(utc("2026-01-05T20:00Z")), utc("2026-01-06T08:00Z"));
  assert.equal(day.nextClose(utc("2026-01-05T09:00Z")), utc("2026-01-05T20:00Z"));
  const night = dailyUtcWindow(22 * 3600, 6 * 3600);
  assert.equal(night.isOpen(utc("2026-01-05T23:00Z")), true);
  assert.equal(night.isOpen(utc("2026-01-05T05:59Z")), true);
  assert.equal(night.isOpen(utc("2026-01-05T06:00Z")), false);
  assert.equal(night.nextOpen(utc("2026-01-05T12:00Z")), utc("2026-01-05T22:00Z"));
  for (const whole of [dailyUtcWindow(3600, 3600), dailyUtcWindow(0, 86_400)]) {
    assert.equal(whole.isOpen(utc("2026-01-05T00:30Z")), true);
    assert.equal(whole.nextClose(utc("2026-01-05T00:30Z")), null);
  }
  assert.throws(() => dailyUtcWindow(-1, 100), /fromSec/);
  assert.throws(() => dailyUtcWindow(0, 90_000), /toSec/);
});

test("fixed-offset zones work like any other", () => {
  const w = dailyLocalWindow({ from: "09:00", to: "21:00" }, "UTC+03:00");
  assert.equal(w.nextOpen(utc("2026-01-05T00:00Z")), utc("2026-01-05T06:00Z"));
  assert.equal(w.nextClose(utc("2026-01-05T07:00Z")), utc("2026-01-05T18:00Z"));
});

// ---- validation

test("validation names each bad field", () => {
  const errors = validateWeeklySchedule({
    zone: "Mars/Olympus",
    ranges: [
      { days: [0, 3], from: "9:00", to: "18:00" },
      { days: [], from: "25:00", to: "24:00" },
      { days: [1], from: "24:00", to: "10:61" },
    ],
  });
  const fields = errors.map((e) => e.field).sort();
  assert.deepEqual(fields, [
    "ranges[0].days",
    "ranges[1].days",
    "ranges[1].from",
    "ranges[2].from",
    "ranges[2].to",
    "zone",
  ]);
  assert.match(errors.find((e) => e.field === "ranges[2].from")!.message, /24:00 may only end a range/);
  assert.deepEqual(validateWeeklySchedule(officeNY), []);
  assert.deepEqual(
    validateWeeklySchedule({ zone: "UTC", ranges: [] }).map((e) => e.field),
    ["ranges"],
  );
  assert.deepEqual(
    validateDailyWindow({ from: "9", to: "21:00" }).map((e) => e.field),
    ["from"],
  );
  assert.throws(
    () => weeklySchedule({ zone: "UTC", ranges: [{ days: [8], from: "09:00", to: "10:00" }] }),
    /invalid weekly schedule: ranges\[0\]\.days/,
  );
  assert.throws(() => dailyLocalWindow({ from: "09:00", to: "21:00" }, "Nowhere/City"), /unknown time zone/);
});

// ---- property test

/** A small deterministic PRNG so a failing case can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("random schedules: nextAllowed is open everywhere and no earlier minute is", () => {
  const rand = mulberry32(20260308);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const zonesPool = [NY, "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "America/Los_Angeles", "UTC"];
  const hhmm = () => {
    const m = Math.floor(rand() * 96) * 15;
    return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  };
  const horizon = 4 * DAY;
  for (let round = 0; round < 40; round++) {
    const schedule: WeeklySchedule = {
      zone: pick(zonesPool),
      ranges: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
        days: [1, 2, 3, 4, 5, 6, 7].filter(() => rand() < 0.5),
        from: hhmm(),
        to: hhmm(),
      })).filter((r) => r.days.length > 0),
    };
    if (schedule.ranges.length === 0) schedule.ranges.push({ days: [3], from: "10:00", to: "11:00" });
    const callee = { from: hhmm(), to: hhmm() };
    const calleeZone = pick(zonesPool);
    const utcFrom = Math.floor(rand() * 24) * 3600;
    const utcTo = Math.floor(rand() * 24) * 3600;
    const constraints: WindowConstraint[] = [
      weeklySchedule(schedule),
      dailyLocalWindow(callee, calleeZone),
      dailyUtcWindow(utcFrom, utcTo),
    ];
    const utcOracle = (t: number) => {
      const s = Math.floor((t % DAY) / 1000);
      return utcFrom === utcTo || (utcFrom < utcTo ? s >= utcFrom && s < utcTo : s >= utcFrom || s < utcTo);
    };
    const oracles = [weeklyOracle(schedule), dailyOracle(callee, calleeZone), utcOracle];
    // Around DST changes now and then, anywhere in 2026 otherwise.
    const t =
      rand() < 0.3
        ? utc("2026-03-07T00:00Z") + Math.floor(rand() * 2 * DAY)
        : utc("2026-01-01T00:00Z") + Math.floor(rand() * 365 * DAY);
    const r = nextAllowed(t, constraints, horizon);
    const expected = bruteForce(t, oracles, t + horizon);
    const label = JSON.stringify({
      round,
      schedule,
      callee,
      calleeZone,
      utcFrom,
      utcTo,
      t: new Date(t).toISOString(),
    });
    assert.equal(r?.at ?? null, expected, label);
  }
});

test("the search for a time all windows are open is bounded in rounds: windows that alternate minute by minute", () => {
  const everyOther = (odd: number): WindowConstraint => ({
    reason: "window",
    isOpen: (t) => Math.floor(t / 60_000) % 2 === odd,
    nextOpen: (t) => {
      looks++;
      const minute = Math.floor(t / 60_000);
      return (minute % 2 === odd ? minute : minute + 1) * 60_000;
    },
    nextClose: (t) => (Math.floor(t / 60_000) + 1) * 60_000,
  });
  let looks = 0;
  // Never open together; without a bound, 400 days of minutes were walked (a second of event loop a look).
  assert.equal(nextAllowed(0, [everyOther(0), everyOther(1)]), null);
  assert.ok(looks <= 2 * WINDOW_SEARCH_ROUNDS, `${looks} looks`);
});
