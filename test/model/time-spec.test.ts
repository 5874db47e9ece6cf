// Asterisk time specs (Xcally's dialGlobalInterval): parsing, errors naming the field, and the window
// they make, checked against a minute-by-minute scan across DST changes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { campaignEverOpens } from "../../src/model/campaign-windows.ts";
import {
  parseTimeSpec,
  type TimeSpec,
  timeSpecEverOpens,
  timeSpecWindow,
} from "../../src/model/time-spec.ts";

function spec(text: string): TimeSpec {
  const r = parseTimeSpec(text);
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.message}`);
  return r.value;
}
const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

test("the seed's spec: 07:00 to 22:00 (its last minute included), every day", () => {
  const w = timeSpecWindow(spec("07:00-22:00,*,*,*"), "Europe/Rome");
  const z = "Europe/Rome";
  assert.equal(w.isOpen(at("2026-03-02T06:59:59", z)), false);
  assert.equal(w.isOpen(at("2026-03-02T07:00:00", z)), true);
  assert.equal(w.isOpen(at("2026-03-02T22:00:59", z)), true);
  assert.equal(w.isOpen(at("2026-03-02T22:01:00", z)), false);
  assert.equal(w.nextOpen(at("2026-03-02T23:30:00", z)), at("2026-03-03T07:00:00", z));
  assert.equal(w.nextClose(at("2026-03-02T12:00:00", z)), at("2026-03-02T22:01:00", z));
});

test("lists, wrapping ranges, names in any case, and a zone of its own", () => {
  const s = spec("09:00-12:00&13:30-17:00,Mon-Fri&sun,1-10&25-5,NOV-feb,America/New_York");
  assert.equal(s.zone, "America/New_York");
  const w = timeSpecWindow(s, "Europe/Moscow");
  const z = "America/New_York";
  // Monday 2026-11-02: in November, day 2 (25-5 wraps), a weekday.
  assert.equal(w.isOpen(at("2026-11-02T10:00", z)), true);
  assert.equal(w.isOpen(at("2026-11-02T12:30", z)), false);
  assert.equal(w.isOpen(at("2026-11-02T13:30", z)), true);
  // Saturday 2026-11-07 is not in the weekday list; Sunday 2026-11-08 is.
  assert.equal(w.isOpen(at("2026-11-07T10:00", z)), false);
  assert.equal(w.isOpen(at("2026-11-08T10:00", z)), true);
  // Day 15 is outside both day ranges; March is outside nov-feb.
  assert.equal(w.isOpen(at("2026-12-15T10:00", z)), false);
  assert.equal(w.isOpen(at("2027-03-01T10:00", z)), false);
  assert.equal(w.nextOpen(at("2026-11-11T18:00", z)), at("2026-11-25T09:00", z));
  // Overnight range: each field is matched on its own, as Asterisk does.
  const night = timeSpecWindow(spec("22:00-06:00,*,*,*"), "UTC");
  assert.equal(night.isOpen(Date.UTC(2026, 0, 1, 23, 0)), true);
  assert.equal(night.isOpen(Date.UTC(2026, 0, 2, 5, 59)), true);
  assert.equal(night.isOpen(Date.UTC(2026, 0, 2, 6, 1)), false);
});

test("an invalid spec is an error naming its field", () => {
  const cases: [unknown, string, RegExp][] = [
    ["07:00-22:00,*,*", "timeSpec", /4 or 5/],
    ["7-22,*,*,*", "timeSpec.times", /HH:MM/],
    ["07:00-25:00,*,*,*", "timeSpec.times", /HH:MM/],
    ["07:00-22:00,mon-fry,*,*", "timeSpec.weekdays", /weekday/],
    ["07:00-22:00,*,0-10,*", "timeSpec.monthDays", /1–31/],
    ["07:00-22:00,*,*,janu", "timeSpec.months", /month/],
    ["07:00-22:00,*,*,*,Mars/Base", "timeSpec.zone", /IANA/],
    ["07:00-22:00,*,1--3,*", "timeSpec.monthDays", /range/],
    [42, "timeSpec", /string/],
  ];
  for (const [text, field, message] of cases) {
    const r = parseTimeSpec(text);
    assert.equal(r.ok, false, String(text));
    if (r.ok) continue;
    assert.equal(r.error.field, field, String(text));
    assert.match(r.error.message, message, String(text));
  }
});

test("nextOpen and nextClose agree with a minute-by-minute scan, DST changes included", () => {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"];
  // Days around the 2026 DST changes of those zones.
  const starts = [
    "2026-03-28T20:00Z",
    "2026-10-24T20:00Z",
    "2026-04-04T10:00Z",
    "2026-03-07T20:00Z",
    "2026-10-31T20:00Z",
  ];
  for (let round = 0; round < 60; round++) {
    const a = Math.floor(rand() * 1440);
    const b = Math.floor(rand() * 1440);
    const text = [
      rand() < 0.2
        ? "*"
        : `${hhmm(a)}-${hhmm(b)}${rand() < 0.3 ? `&0${Math.floor(rand() * 3)}:${pick(["15", "30", "45"])}-03:10` : ""}`,
      rand() < 0.5 ? "*" : `${pick(["mon", "tue", "sat", "sun"])}-${pick(["wed", "fri", "sun"])}`,
      rand() < 0.7 ? "*" : `${1 + Math.floor(rand() * 28)}-${1 + Math.floor(rand() * 28)}`,
      "*",
    ].join(",");
    const zone = pick(zones);
    const w = timeSpecWindow(spec(text), zone);
    const t0 = Date.parse(pick(starts)) + Math.floor(rand() * 2 * 86_400_000);
    const scan = (want: boolean) => {
      if (w.isOpen(t0) === want) return t0;
      for (let x = Math.ceil(t0 / 60_000) * 60_000; x < t0 + 20 * 86_400_000; x += 60_000)
        if (w.isOpen(x) === want) return x;
      return null;
    };
    const open = scan(true);
    const close = scan(false);
    const label = `${text} in ${zone} from ${new Date(t0).toISOString()}`;
    if (open !== null) assert.equal(w.nextOpen(t0), open, `nextOpen: ${label}`);
    else assert.ok((w.nextOpen(t0) ?? Number.POSITIVE_INFINITY) >= t0 + 20 * 86_400_000, label);
    if (close !== null) assert.equal(w.nextClose(t0), close, `nextClose: ${label}`);
  }
});

test("DST: a window just after the spring gap opens when the clock jumps; a repeated hour opens twice", () => {
  const z = "Europe/Berlin";
  // 2026-03-29: 02:00 becomes 03:00 (01:00 UTC).
  const spring = timeSpecWindow(spec("03:00-03:30,*,*,*"), z);
  assert.equal(spring.nextOpen(Date.UTC(2026, 2, 29, 0, 0)), Date.UTC(2026, 2, 29, 1, 0));
  // 2026-10-25: 03:00 becomes 02:00 again (01:00 UTC); 02:30–02:45 happens at 00:30Z and at 01:30Z.
  const autumn = timeSpecWindow(spec("02:30-02:45,*,*,*"), z);
  assert.equal(autumn.nextOpen(Date.UTC(2026, 9, 24, 23, 0)), Date.UTC(2026, 9, 25, 0, 30));
  assert.equal(autumn.nextOpen(Date.UTC(2026, 9, 25, 0, 50)), Date.UTC(2026, 9, 25, 1, 30));
  assert.equal(autumn.nextClose(Date.UTC(2026, 9, 25, 1, 30)), Date.UTC(2026, 9, 25, 1, 46));
});

test("whether a time spec ever opens is read from its fields: a 31st of February never, a 29th once in four years", () => {
  const opens = (text: string) => {
    const spec = parseTimeSpec(text);
    assert.ok(spec.ok);
    return timeSpecEverOpens(spec.value);
  };
  assert.equal(opens("*,*,31,feb"), false);
  assert.equal(opens("*,*,30-31,feb"), false);
  assert.equal(opens("*,*,31,apr&jun&sep&nov"), false);
  assert.equal(opens("*,*,29,feb"), true);
  assert.equal(opens("09:00-18:00,sun,29,feb"), true); // 2032-02-29 is a Sunday
  assert.equal(opens("*,*,31,*"), true);
});

test("a schedule and a time spec that alternate minute by minute are judged within a budget, not for seconds", () => {
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const timeSpec = `${Array.from({ length: 82 }, (_, i) => hhmm(2 * i + 1)).join("&")},*,*,*`;
  const ranges = Array.from({ length: 82 }, (_, i) => ({
    days: [1, 2, 3, 4, 5, 6, 7],
    from: hhmm(2 * i),
    to: hhmm(2 * i + 1),
  }));
  const from = Date.UTC(2026, 0, 5);
  // Past the search's budget it is not known never to open: accepted, not refused after a long search.
  assert.equal(
    campaignEverOpens({ timeSpec, schedule: { zone: "UTC", ranges }, defaultZone: null }, from),
    true,
  );
  // A plain pair that never meets is found so within the budget.
  const apart = {
    timeSpec: "09:00-10:00,*,*,*",
    schedule: { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "18:00", to: "19:00" }] },
    defaultZone: null,
  };
  assert.equal(campaignEverOpens(apart, from), false);
});
