// A campaign's zones (defaultZone, the schedule's, a time spec's) are stored as given and must name one clock.
// The tz database keeps EST, MST and HST as fixed offsets (an hour off New York or Denver for the eight months
// of daylight saving) and ICU takes legacy aliases no tz database lists (AST read as Anchorage, SST as the
// Solomon Islands): a contact's "EST" is New York and its "AST" refused, so a campaign took the same words
// for other clocks (review41). An abbreviation is now refused here, the 400 saying what to write.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { campaignConstraints } from "../../src/model/campaign-windows.ts";
import { type ApiFixture, apiFixture } from "./helpers.ts";

describe("a campaign's zones refuse abbreviations, naming the zone to write", () => {
  let f: ApiFixture;
  before(async () => {
    f = await apiFixture();
  });
  after(() => f.close());

  const create = (name: string, settings: Record<string, unknown>) =>
    f.call({ method: "POST", url: "/v1/campaigns", payload: { name, settings } });
  const schedule = (zone: string) => ({ zone, ranges: [{ days: [1], from: "09:00", to: "18:00" }] });

  test("EST, MST, HST, AST, SST and pst as defaultZone, the schedule's zone or a time spec's: 400", async () => {
    const hints: Record<string, RegExp> = {
      EST: /write America\/New_York/,
      MST: /America\/Denver, America\/Phoenix/,
      HST: /write Pacific\/Honolulu/,
      AST: /an abbreviation, not a zone/,
      SST: /an abbreviation, not a zone/,
      pst: /write America\/Los_Angeles/,
    };
    for (const [zone, hint] of Object.entries(hints)) {
      for (const [field, settings] of [
        ["body.settings.defaultZone", { defaultZone: zone }],
        ["body.settings.schedule.zone", { schedule: schedule(zone) }],
        ["body.settings.timeSpec", { timeSpec: `09:00-18:00,*,*,*,${zone}` }],
      ] as const) {
        const res = await create(`z-${zone}`, settings);
        assert.equal(res.statusCode, 400, `${field} ${zone}: ${res.body}`);
        const error = res.json().error as { field: string; message: string };
        assert.equal(error.field, field, res.body);
        assert.match(error.message, hint, res.body);
      }
    }
  });

  test("IANA names, UTC and the tz database's other ids are taken as before", async () => {
    for (const zone of ["America/New_York", "UTC", "CET", "EST5EDT", "Europe/Moscow"]) {
      const res = await create(`ok-${zone}`, { defaultZone: zone, schedule: schedule(zone) });
      assert.equal(res.statusCode, 201, `${zone}: ${res.body}`);
    }
    const bad = await create("bad", { defaultZone: "Mars/Olympus" });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(
      bad.json().error.message,
      /must be an IANA time zone name such as Europe\/Moscow \(got "Mars\/Olympus"\)/,
    );
  });
});

test("a campaign stored with an abbreviation before they were refused can still have its settings edited", async () => {
  const f = await apiFixture();
  try {
    const created = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      payload: { name: "old", settings: { defaultZone: "America/New_York" } },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as number;
    // As stored by a version that took abbreviations.
    const stored = { ...created.json().settings, defaultZone: "EST", timeSpec: "09:00-18:00,*,1-15,*,EST" };
    await f.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify(stored) })
      .where("id", "=", id)
      .execute();
    const edit = (settings: Record<string, unknown>) =>
      f.call({ method: "PATCH", url: `/v1/campaigns/${id}`, payload: { settings } });
    const kept = await edit({ maxConcurrent: 3 });
    assert.equal(kept.statusCode, 200, `an edit leaving the zones alone (review43): ${kept.body}`);
    const brought = await edit({
      schedule: { zone: "PST", ranges: [{ days: [1], from: "09:00", to: "18:00" }] },
    });
    assert.equal(brought.statusCode, 400, brought.body);
    assert.equal(brought.json().error.field, "body.settings.schedule.zone", brought.body);
  } finally {
    await f.close();
  }
});

test("a time spec stored with an abbreviation before they were refused still runs", () => {
  const constraints = campaignConstraints({ timeSpec: "09:00-18:00,*,*,*,EST", defaultZone: "UTC" } as never);
  assert.equal(constraints.length, 1);
});
