// Time zones: every JAICP gmtZone format, normalized; inference from numbers only where unambiguous.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime, Settings } from "luxon";
import {
  countryZone,
  inferZone,
  localTimeIn,
  parseZone,
  possibleZones,
  ZoneError,
} from "../../src/lib/time-zone.ts";

test("parseZone accepts every JAICP gmtZone format and normalizes offsets", () => {
  const cases: Record<string, string> = {
    Z: "UTC",
    "+3": "UTC+03:00",
    "-3": "UTC-03:00",
    "+03": "UTC+03:00",
    "-11": "UTC-11:00",
    "+0530": "UTC+05:30",
    "-0930": "UTC-09:30",
    "+053000": "UTC+05:30",
    "+03:00": "UTC+03:00",
    "-03:30": "UTC-03:30",
    "+05:45:00": "UTC+05:45",
    // Seconds (JAICP's ±hhmmss) round to the nearest minute: windows are judged on whole minutes.
    "+033015": "UTC+03:30",
    "+03:30:30": "UTC+03:31",
    "-05:00:29": "UTC-05:00",
    "-00:00:20": "UTC",
    "UT+03:30:15": "UTC+03:30",
    "+17:59:59": "UTC+18:00",
    "+3:30": "UTC+03:30",
    "+00:00": "UTC",
    "-00:30": "UTC-00:30",
    "+18:00": "UTC+18:00",
    "-18": "UTC-18:00",
    "UTC+3": "UTC+03:00",
    "UTC-03:00": "UTC-03:00",
    "GMT-03:00": "UTC-03:00",
    "GMT+0": "UTC",
    "UT+0530": "UTC+05:30",
    "UT-10": "UTC-10:00",
    "utc+03:00": "UTC+03:00",
    UTC: "UTC",
    GMT: "UTC",
    UT: "UTC",
    "Europe/Moscow": "Europe/Moscow",
    "europe/moscow": "Europe/Moscow",
    "America/Argentina/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Etc/GMT-3": "Etc/GMT-3",
    " 03:00": "UTC+03:00", // "+03:00" in a URL query decodes to " 03:00"
    "Etc/GMT 5": "Etc/GMT+5", // and "Etc/GMT+5" to "Etc/GMT 5"
    "GMT 05:30": "UTC+05:30",
    "  Asia/Tokyo ": "Asia/Tokyo",
  };
  for (const [input, expected] of Object.entries(cases)) {
    const zone = parseZone(input);
    assert.equal(zone, expected, JSON.stringify(input));
    assert.ok(DateTime.now().setZone(zone).isValid, `luxon accepts ${zone}`);
  }
  assert.equal(DateTime.fromMillis(0).setZone(parseZone("+0530")).offset, 330);
  assert.equal(DateTime.fromMillis(0).setZone(parseZone("GMT-03:00")).offset, -180);
});

test("parseZone rejects anything else with a ZoneError", () => {
  const bad = [
    "+25",
    "+03:60",
    "GMT+",
    "Mars/Olympus",
    "3",
    "+3:0:0:0",
    "+18:01",
    "-19",
    "+030",
    "+03:0",
    "+0300:00",
  ];
  for (const input of [...bad, "", "UTC3", "+18:00:01", "+03:00:60", "Europe/", "++3"]) {
    assert.throws(
      () => parseZone(input),
      (err: unknown) => err instanceof ZoneError && err.input === input,
      JSON.stringify(input),
    );
  }
});

test("inferZone: one-zone countries, NANP area codes, Russian area codes, null when ambiguous", () => {
  assert.equal(inferZone("+74951234567"), "Europe/Moscow");
  assert.equal(inferZone("+73432123456"), "Asia/Yekaterinburg");
  assert.equal(inferZone("+74012123456"), "Europe/Kaliningrad");
  assert.equal(inferZone("+442079460958"), "Europe/London");
  assert.equal(inferZone("+12125550123"), "America/New_York");
  assert.equal(inferZone("+12135550123"), "America/Los_Angeles");
  assert.equal(inferZone("+13125550123"), "America/Chicago");
  assert.equal(inferZone("+14165550123"), "America/Toronto");
  assert.equal(inferZone("+33612345678"), "Europe/Paris");
  assert.equal(inferZone("+919812345678"), "Asia/Kolkata");
  // Germany has Europe/Berlin and Europe/Zurich (Büsingen), which keep the same clock.
  assert.equal(inferZone("+49301234567"), "Europe/Berlin");
  // Ambiguous: a Russian mobile number, an Indiana code split by the zone line, the Florida panhandle,
  // Alaska's 907 (Adak keeps Hawaii-Aleutian time), a toll-free number, Brazil and Australia.
  assert.equal(inferZone("+79161234567"), null);
  assert.equal(inferZone("+18125550123"), null);
  assert.equal(inferZone("+18505550123"), null);
  assert.equal(inferZone("+19075550123"), null);
  assert.equal(inferZone("+18005550123"), null);
  assert.equal(inferZone("+5511912345678"), null);
  assert.equal(inferZone("+61412345678"), null);
  assert.equal(inferZone("not a number"), null);
  assert.equal(countryZone("US"), null);
  assert.equal(countryZone("GB"), "Europe/London");
});

test("inferZone: an area code with a county on the other side of a zone line gives null", () => {
  // 606: eastern Kentucky is Eastern, but Albany (Clinton County) keeps Central; 219: northwest Indiana is
  // Central, but Francesville (Pulaski County) keeps Eastern. Either guess moves someone's window an hour.
  assert.equal(inferZone("+16063876011"), null);
  assert.equal(inferZone("+12195550123"), null);
  assert.equal(inferZone("+18595550123"), "America/New_York", "859 (Lexington) is Eastern throughout");
  assert.equal(inferZone("+13125550123"), "America/Chicago");
});

test("countryZone: a country whose zone the tz database merged into another's keeps its own id", () => {
  const cases: Record<string, string> = {
    DK: "Europe/Copenhagen",
    SE: "Europe/Stockholm",
    NO: "Europe/Oslo",
    IS: "Atlantic/Reykjavik",
    BS: "America/Nassau",
    KW: "Asia/Kuwait",
    NL: "Europe/Amsterdam",
  };
  for (const [country, zone] of Object.entries(cases)) assert.equal(countryZone(country), zone, country);
  assert.equal(inferZone("+4532123456"), "Europe/Copenhagen");
  assert.equal(countryZone("DE"), "Europe/Berlin");
  assert.equal(countryZone("IN"), "Asia/Kolkata", "a country's current id wins over its old alias");
});

test("inferZone: regions libphonenumber knows beyond countries-and-timezones' list", () => {
  assert.equal(inferZone("+38343201234"), "Europe/Belgrade", "Kosovo");
  assert.equal(inferZone("+2908999"), "Atlantic/St_Helena", "Tristan da Cunha");
  assert.equal(countryZone("AC"), "Atlantic/St_Helena", "Ascension");
  assert.equal(countryZone("ZZ"), null);
});

test("localTimeIn: a repeated wall time is the later instant, whatever the date today", () => {
  const realNow = Settings.now;
  try {
    // luxon's own reading depends on the zone's offset at Settings.now(): try a northern and a southern summer.
    for (const today of [Date.UTC(2026, 6, 1), Date.UTC(2026, 11, 15)]) {
      Settings.now = () => today;
      const label = new Date(today).toISOString().slice(0, 10);
      // New York falls back at 02:00 EDT: 01:30 comes at 05:30Z (EDT) and again at 06:30Z (EST).
      assert.equal(
        localTimeIn("2026-11-01T01:30", "America/New_York"),
        Date.parse("2026-11-01T06:30Z"),
        label,
      );
      // Sydney falls back at 03:00 AEDT: 02:30 comes at 15:30Z (AEDT) and again at 16:30Z (AEST).
      assert.equal(
        localTimeIn("2026-04-05T02:30", "Australia/Sydney"),
        Date.parse("2026-04-04T16:30Z"),
        label,
      );
      // Lord Howe falls back half an hour.
      assert.equal(
        localTimeIn("2026-04-05T01:45", "Australia/Lord_Howe"),
        Date.parse("2026-04-04T15:15Z"),
        label,
      );
      // Skipped times move on by the gap; ordinary times and times next to a change are untouched.
      assert.equal(
        localTimeIn("2026-03-08T02:30", "America/New_York"),
        Date.parse("2026-03-08T07:30Z"),
        label,
      );
      assert.equal(
        localTimeIn("2026-11-01T00:30", "America/New_York"),
        Date.parse("2026-11-01T04:30Z"),
        label,
      );
      assert.equal(
        localTimeIn("2026-11-01T02:30", "America/New_York"),
        Date.parse("2026-11-01T07:30Z"),
        label,
      );
      assert.equal(localTimeIn("2026-12-04T10:00", "UTC+03:00"), Date.parse("2026-12-04T07:00Z"), label);
    }
  } finally {
    Settings.now = realNow;
  }
  assert.ok(Number.isNaN(localTimeIn("2026-02-30T10:00", "UTC")));
});

test("possibleZones: the number's own zone when it decides one, else every zone of its country", () => {
  assert.deepEqual(possibleZones("+12125550100"), ["America/New_York"]);
  assert.deepEqual(possibleZones("+493012345678"), ["Europe/Berlin"]);
  const indiana = possibleZones("+12192345678");
  for (const z of ["America/New_York", "America/Chicago", "America/Adak", "Pacific/Honolulu"])
    assert.ok(indiana.includes(z), `${z} in ${indiana.join(" ")}`);
  const mobile = possibleZones("+79161234567");
  for (const z of ["Europe/Kaliningrad", "Europe/Moscow", "Asia/Kamchatka"])
    assert.ok(mobile.includes(z), `${z} in ${mobile.join(" ")}`);
  assert.deepEqual(possibleZones("+999123"), [], "no country, no zones");
});
