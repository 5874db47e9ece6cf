// Under a campaign defaultZone (every Twin24 task has Europe/Moscow), a Russian mobile is judged in that
// zone whether it is a contact's only number or the second of a contact whose zone was inferred from a
// Moscow landline (it was judged in all 27 Russian zones there: a 10:00-19:00 window never opened for it,
// and the contact settled failed/no_window).
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCampaignWindows, decideClaim } from "../../src/engine/claim-decision.ts";
import { inferZone, parseZone } from "../../src/lib/time-zone.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";

// What a Twin24 task with useTr, allowCallTimeFrom 36000, allowCallTimeTo 68399 becomes (translate.ts).
const settings = withDefaults({ defaultZone: "Europe/Moscow", calleeWindow: { from: "10:00", to: "19:00" } });
const ctx = {
  settings,
  windows: buildCampaignWindows(settings),
  agentReserved: false,
  nextCallerId: () => null,
};
const LANDLINE = "+74951234567"; // Moscow
const MOBILE = "+79161234567"; // Russian mobile: zone unknown
const now = Date.UTC(2026, 0, 6, 9, 0); // Tue 12:00 in Moscow

const candidate = (phones: string[], time_zone: string | null, phone_index: number) => ({
  id: 1,
  account_id: 1,
  campaign_id: 1,
  phones: JSON.stringify(phones),
  custom: "{}",
  time_zone,
  daily_from_sec: null,
  daily_to_sec: null,
  start_at: null,
  attempts: phone_index,
  phone_index,
  phone_attempts: JSON.stringify(phones.map((_, i) => (i < phone_index ? 1 : 0))),
  retry_counts: "{}",
  next_attempt_at: 0,
  policy: null,
  abandoned_at: null,
});

test("the mobile alone is dialed at 12:00 Moscow time (defaultZone)", () => {
  const d = decideClaim(ctx, candidate([MOBILE], null, 0), now, null);
  assert.equal(d.kind, "start");
});

test("the same mobile as second number of a Moscow contact is judged the same way", () => {
  assert.equal(inferZone(LANDLINE), "Europe/Moscow");
  const d = decideClaim(ctx, candidate([LANDLINE, MOBILE], "Europe/Moscow", 1), now, null);
  // Actual: { kind: "final", status: "failed", reason: "no_window" } - the candidate is given up.
  assert.equal(d.kind, "start", JSON.stringify(d));
});
void parseZone;
