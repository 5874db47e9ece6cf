// A per-day frequency cap counts "calls per calendar day in the callee's zone" (README). For a contact with
// no stored zone (its first phone was kept flagged, so nothing was inferred) the claim held the dialed New
// York number's calling hours on New York's clock but counted the per-day cap on UTC's calendar (engine12).
// UTC's midnight falls at 19:00 in New York, inside the callee window, so a perDay: 1 cap let the same New
// York number be rung twice within an hour on one New York evening. The cap now counts the dialed number's
// own days when it has one zone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import { harness } from "../helpers/engine-harness.ts";
import { forcedOutcomes } from "../helpers/scenarios.ts";

test("a perDay cap holds on the dialed number's own calendar day when the contact has no zone", async () => {
  // Monday 2026-01-05 23:10 UTC = 18:10 in New York.
  const start = Date.UTC(2026, 0, 5, 23, 10, 0);
  const ny = "+12125551000";
  const h = await harness({ start, scenario: forcedOutcomes({ [ny]: "no_answer" }) });
  try {
    const id = await h.campaign(
      {
        maxAttemptsPerContact: 10,
        retryIntervalSec: 600,
        calleeWindow: { from: "09:00", to: "21:00" },
        phoneCaps: { perDay: 1 },
      },
      // The first phone is one an import keeps flagged (no country, so no zone is inferred for the contact).
      [{ phones: ["12345", ny], timeZone: null }],
    );
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: start + 6 * 3_600_000 });
    const days = (await h.attempts(id))
      .filter((a) => a.phone === ny)
      .map((a) =>
        DateTime.fromMillis(a.started_at, { zone: "America/New_York" }).toFormat("yyyy-MM-dd HH:mm"),
      );
    assert.ok(days.length >= 1, "the New York number was called");
    const onFirstDay = days.filter((d) => d.startsWith("2026-01-05"));
    assert.equal(onFirstDay.length, 1, `calls to ${ny} on Monday in New York: ${onFirstDay.join(", ")}`);
  } finally {
    await h.close();
  }
});
