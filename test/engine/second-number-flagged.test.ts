// A number kept as written with no country, as a contact's second number, has no clock to go by: it is
// passed over, not judged on the zone its first number gave the contact.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCampaignWindows, decideClaim } from "../../src/engine/claim-decision.ts";
import { inferZone } from "../../src/lib/time-zone.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";

const settings = withDefaults({ calleeWindow: { from: "10:00", to: "19:00" }, multiNumber: "sequential" });
const ctx = {
  settings,
  windows: buildCampaignWindows(settings),
  agentReserved: false,
  nextCallerId: () => null,
};
const LANDLINE = "+74951234567";
const FLAGGED = "8 (0) 12-34"; // kept as written: no country
const now = Date.UTC(2026, 0, 6, 9, 0); // 12:00 Moscow

const cand = (phones: string[], time_zone: string | null, phone_index: number) => ({
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

test("a flagged number with no country is not judged on another number's clock", () => {
  assert.equal(inferZone(LANDLINE), "Europe/Moscow");
  const alone = decideClaim(ctx, cand([FLAGGED], null, 0), now, null);
  assert.deepEqual(alone.kind === "final" && [alone.status, alone.reason], ["failed", "unknown_zone"]);
  const second = decideClaim(ctx, cand([LANDLINE, FLAGGED], "Europe/Moscow", 1), now, null);
  assert.notEqual(second.kind === "start" && second.phone, FLAGGED, "dialed on no clock of its own");
});
