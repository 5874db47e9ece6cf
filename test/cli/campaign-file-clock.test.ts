// Whether a campaign's schedule and time spec are ever open at once is searched over the 400 days from
// "now"; findSettingsProblem read that now from the real clock (a Date.now() default), so `outdial
// simulate` judged a campaign starting in 2031 by the day it was simulated on, and every face judged it by
// the wall clock rather than the app's. `now` is now the caller's: the app clock's, and for a campaign
// file its startAt (or the simulation's default start). A time spec open only on the 29th of February,
// under a daily schedule, opens 273 days after 2031-06-01 (2032-02-29) but 638 days after 2030-06-01, so
// only the first is accepted, whatever the real date.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findSettingsProblem } from "../../src/api/native/schemas/campaign-settings.ts";
import { campaignStart, DEFAULT_START_AT, parseCampaignFile } from "../../src/cli/campaign-file.ts";
import type { CampaignSettings } from "../../src/model/campaign-settings.ts";
import { outdialSync as outdial } from "../helpers/child.ts";

const LEAP_DAY_ONLY: Partial<CampaignSettings> = {
  timeSpec: "*,*,29,feb",
  schedule: { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5, 6, 7], from: "09:00", to: "18:00" }] },
};
const NEVER_OPEN = /settings\.timeSpec: the campaign's schedule and time spec are never open at once/;

test("findSettingsProblem searches the 400 days from the `now` it is given", () => {
  assert.equal(findSettingsProblem(LEAP_DAY_ONLY, "settings", Date.parse("2031-06-01T00:00:00Z")), null);
  const problem = findSettingsProblem(LEAP_DAY_ONLY, "settings", Date.parse("2030-06-01T00:00:00Z"));
  assert.equal(problem?.field, "settings.timeSpec");
  assert.match(problem?.message ?? "", NEVER_OPEN);
});

test("a campaign file's settings are judged at its startAt, the simulation's virtual now", () => {
  const read = (startAt?: string) => () =>
    parseCampaignFile(JSON.stringify({ startAt, settings: LEAP_DAY_ONLY }), "c.json");
  assert.equal(read("2031-06-01T06:00:00Z")().startAt, "2031-06-01T06:00:00Z");
  assert.throws(read("2030-06-01T06:00:00Z"), NEVER_OPEN);
  // No startAt: the simulation's default start, 2026-01-05, from which the next 29th of February is 785 days.
  assert.throws(read(undefined), NEVER_OPEN);
  assert.equal(campaignStart(read("2031-06-01T06:00:00Z")()), Date.parse("2031-06-01T06:00:00Z"));
  assert.equal(campaignStart(parseCampaignFile("{}", "c.json")), DEFAULT_START_AT);
});

test("outdial simulate runs a campaign whose windows open within 400 days of its own start", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-clock-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const csv = path.join(dir, "p.csv");
  fs.writeFileSync(csv, "phone\n+12125551000\n");
  const run = (startAt: string) => {
    const campaign = path.join(dir, `${startAt.slice(0, 4)}.json`);
    fs.writeFileSync(campaign, JSON.stringify({ startAt, settings: LEAP_DAY_ONLY }));
    return outdial({}, "simulate", campaign, csv, "--max-hours", "0.01");
  };
  const later = run("2031-06-01T06:00:00Z");
  assert.equal(later.code, 0, later.err);
  const earlier = run("2030-06-01T06:00:00Z");
  assert.equal(earlier.code, 1, earlier.out);
  assert.match(earlier.err, NEVER_OPEN);
});
