// A contact whose second number is kept as written (no country) under parallel dialing: that number is held
// in the contact's zone and called in its turn, and the first number waits its retry interval. Passing the
// number over (as one with no clock) sent the contact straight back to the number it had just rung, 31 s
// later, until its attempts ran out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harness } from "../helpers/engine-harness.ts";

const LANDLINE = "+74951234567"; // Moscow: the contact's zone
const FLAGGED = "8 (0) 12-34"; // kept as written (phone_policy=flag): no country

test("parallel: a no-country second number is called in its turn, and the first waits its interval", async () => {
  // 09:00 UTC = 12:00 Moscow, inside the callee window
  const h = await harness({
    scenario: "always_no_answer",
    start: Date.UTC(2026, 0, 6, 9, 0),
    maintenanceMs: 600_000,
  });
  try {
    const id = await h.campaign(
      {
        calleeWindow: { from: "10:00", to: "19:00" },
        multiNumber: "parallel",
        maxAttemptsPerContact: 4,
        retryIntervalSec: 3600,
      },
      [{ phones: [LANDLINE, FLAGGED], timeZone: "Europe/Moscow" }],
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd(2 * 86_400_000);
    const calls = await h.attempts(id);
    assert.deepEqual(
      calls.map((a) => a.phone),
      [LANDLINE, FLAGGED, LANDLINE, FLAGGED],
    );
    const landline = calls.filter((a) => a.phone === LANDLINE).map((a) => Number(a.started_at));
    assert.ok(landline[1] - landline[0] >= 3_600_000, "the landline waited its retry interval");
  } finally {
    await h.close();
  }
});
