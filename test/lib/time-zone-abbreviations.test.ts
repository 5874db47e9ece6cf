// Zone abbreviations, the way US CRMs export a time zone column (EST, CST, MST, PST). Taken as ids, one
// file was read two ways: "CST" and "PST" as Chicago and Los Angeles (ICU's reading, daylight saving kept),
// "EST" and "MST" as the tz database's fixed UTC−05:00 and UTC−07:00, so New York callees were judged an
// hour off for the eight months of daylight saving and the 08:00–21:00 callee window ran to 22:00 on their
// clock, with no error; "EDT" was refused (import13). Now each abbreviation of one clock is read as the zone
// it is written for, "MST" (Denver keeps daylight saving, Phoenix does not) and ICU's other legacy
// three-letter ids ("AST" read as Anchorage, not Atlantic time) are an invalid_time_zone row, and offsets
// and Area/City ids are kept as they were. The rule is parseZone's, so a CSV import, a JSON add and a
// contact edit read a zone alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IANAZone } from "luxon";
import { parseZone, ZoneError } from "../../src/lib/time-zone.ts";
import { ContactEditError, editContact } from "../../src/lists/contact-edit.ts";
import { addContacts } from "../../src/lists/import.ts";
import { contactRows, fixture, run, target } from "../lists/helpers.ts";

const JULY = Date.UTC(2025, 6, 1, 12, 0, 0);

test("US abbreviations are read as the zone they are written for, in any case", () => {
  const cases: Record<string, string> = {
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
    est: "America/New_York",
    " Pdt ": "America/Los_Angeles",
  };
  for (const [input, zone] of Object.entries(cases)) assert.equal(parseZone(input), zone, input);
  // What the fixed-offset reading got wrong: New York's clock in July is UTC−04:00, not −05:00.
  assert.equal(IANAZone.create(parseZone("EST")).offset(JULY), -240);
});

test("MST is refused, naming the zones it could mean; so are ICU's other legacy abbreviations", () => {
  assert.throws(
    () => parseZone("MST"),
    (err: unknown) =>
      err instanceof ZoneError &&
      /America\/Denver/.test(err.message) &&
      /America\/Phoenix/.test(err.message) &&
      /-07:00/.test(err.message),
  );
  // ICU's readings, each the wrong clock for what such a file means: Anchorage for Atlantic time (Puerto
  // Rico), the Solomon Islands for Samoa, Dhaka for British Summer Time, Auckland for Newfoundland.
  for (const input of ["mst", "AST", "SST", "BST", "NST", "IST", "HDT"]) {
    assert.throws(() => parseZone(input), ZoneError, input);
  }
});

test("offsets, Area/City ids and the tz database's other ids are read as before", () => {
  const kept: Record<string, string> = {
    "-05:00": "UTC-05:00",
    "UTC-7": "UTC-07:00",
    "America/Phoenix": "America/Phoenix",
    "US/Eastern": "US/Eastern",
    EST5EDT: "EST5EDT",
    CET: "CET",
    UTC: "UTC",
    "Etc/GMT+5": "Etc/GMT+5",
  };
  for (const [input, zone] of Object.entries(kept)) assert.equal(parseZone(input), zone, input);
});

test("a CSV import stores EST as New York's zone and reports an MST row invalid_time_zone", async () => {
  const f = await fixture();
  const report = await run(
    f,
    "phone,time_zone\n+12125550100,EST\n+13125550100,CST\n+13035550100,MST\n+14155550100,PDT\n",
  );
  assert.equal(report.inserted, 3);
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.field, e.code]),
    [[3, "time_zone", "invalid_time_zone"]],
  );
  assert.match(report.errors[0].message, /America\/Denver, America\/Phoenix or -07:00/);
  const zones = (await contactRows(f)).map((c) => [c.phone, c.time_zone]);
  assert.deepEqual(zones, [
    ["+12125550100", "America/New_York"],
    ["+13125550100", "America/Chicago"],
    ["+14155550100", "America/Los_Angeles"],
  ]);
});

test("a JSON add and a contact edit read an abbreviation as the import does", async () => {
  const f = await fixture();
  const report = await addContacts(f.store, target(f), [
    { phones: ["+12125550100"], time_zone: "EDT" },
    { phones: ["+13035550100"], time_zone: "MST" },
  ]);
  assert.equal(report.inserted, 1);
  assert.deepEqual(
    report.errors.map((e) => [e.row, e.field, e.code]),
    [[2, "time_zone", "invalid_time_zone"]],
  );
  const [contact] = await contactRows(f);
  assert.equal(contact.time_zone, "America/New_York");

  const edited = await editContact(f.store, f.accountId, contact.id, { time_zone: "AKST" }, { now: JULY });
  assert.equal(edited.kind === "edited" && edited.contact.time_zone, "America/Anchorage");
  await assert.rejects(
    editContact(f.store, f.accountId, contact.id, { time_zone: "MST" }, { now: JULY }),
    (err: unknown) =>
      err instanceof ContactEditError && err.field === "time_zone" && err.code === "invalid_time_zone",
  );
});
