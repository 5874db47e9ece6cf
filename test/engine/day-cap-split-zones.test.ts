// A per-day cap counts calls per calendar day on the callee's clock. For a contact with no zone whose number
// leaves its zone open (850, Florida's panhandle: an area code split by a zone line), the claim held the
// callee window in every zone of the number's country but counted the cap's days in UTC (no defaultZone):
// UTC midnight is 18:00 in Chicago, inside the calling hours, so perDay: 1 rang the number at 16:00 and again
// at 18:00 Chicago time. The cap now counts the day in each zone the calling hours are held in: a call only
// when every one of those days has room, else a wait for the last of the full days to end.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DateTime } from "luxon";
import { type DecideContext, decideClaim } from "../../src/engine/claim-decision.ts";
import { possibleZones } from "../../src/lib/time-zone.ts";
import { type CampaignSettings, withDefaults } from "../../src/model/campaign-settings.ts";
import type { Candidate, ClaimDecision, RecentCalls } from "../../src/store/dispatch/types.ts";
import { harness } from "../helpers/engine-harness.ts";
import { forcedOutcomes } from "../helpers/scenarios.ts";
import { dialects } from "../helpers/stores.ts";

const PANHANDLE = "+18505550100";
const NEW_YORK = "+12125550100";
const HOUR = 3_600_000;

function candidate(phone: string, timeZone: string | null = null): Candidate {
  return {
    id: 1,
    account_id: 1,
    campaign_id: 1,
    phones: JSON.stringify([phone]),
    custom: "{}",
    time_zone: timeZone,
    daily_from_sec: null,
    daily_to_sec: null,
    start_at: null,
    attempts: 1,
    phone_index: 0,
    phone_attempts: "[1]",
    retry_counts: "{}",
    next_attempt_at: 0,
    policy: null,
    abandoned_at: null,
  };
}

function ctx(settings: Partial<CampaignSettings>): DecideContext {
  return {
    settings: withDefaults({ maxAttemptsPerContact: 10, phoneCaps: { perDay: 1 }, ...settings }),
    windows: { campaign: [], calleeByZone: new Map(), policyRanges: new Map() },
    agentReserved: false,
    nextCallerId: () => null,
  };
}

/** The claim at `at` of a contact on `phone`, which was rung at `calledAt`. */
function claimAfter(c: DecideContext, cand: Candidate, calledAt: number, at: number): ClaimDecision {
  const phone = (JSON.parse(cand.phones) as string[])[0];
  const recent: RecentCalls = {
    byPhone: new Map([[phone, [calledAt]]]),
    byContact: new Map([[cand.id, [calledAt]]]),
    phoneBusyUntil: new Map([[phone, calledAt + 60_000]]),
  };
  return decideClaim(c, cand, at, recent);
}

function deferredUntil(d: ClaimDecision): number | string {
  return d.kind === "defer" ? d.until : d.kind;
}

// Monday 2026-01-05 22:00 UTC = 17:00 New York = 16:00 Chicago = 12:00 Honolulu.
const MONDAY_22_UTC = Date.UTC(2026, 0, 5, 22, 0);

describe("the claim counts a per-day cap in every zone of a number of unknown zone", () => {
  test("a call before UTC midnight holds the number until the day ends in its westernmost zone", () => {
    // Inside the callee window in every US zone (09:00–21:00 from New York to Honolulu: 19:00–02:00 UTC).
    const c = ctx({ calleeWindow: { from: "09:00", to: "21:00" } });
    const d = claimAfter(c, candidate(PANHANDLE), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 0, 0));
    assert.equal(d.kind === "defer" && d.reason, "phone_cap", `decided ${JSON.stringify(d)}`);
    // Midnight in Honolulu (and Adak), the last of the US zones' Mondays to end.
    assert.equal(deferredUntil(d), Date.UTC(2026, 0, 6, 10, 0));
  });

  test("the contact cap counts the same days", () => {
    const c = ctx({ phoneCaps: null, contactCaps: { perDay: 1 } });
    const d = claimAfter(c, candidate(PANHANDLE), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 0, 0));
    assert.equal(d.kind === "defer" && d.reason, "contact_cap", `decided ${JSON.stringify(d)}`);
    assert.equal(deferredUntil(d), Date.UTC(2026, 0, 6, 10, 0));
  });

  test("the wait ends with the last full day, not with a day that has room", () => {
    // Rung at 09:00 UTC Tuesday (23:00 Monday in Honolulu, 00:00 Tuesday in Anchorage), asked at 11:00 UTC:
    // Honolulu's Tuesday has no call yet, Anchorage's (and every zone east of it) has one.
    const d = claimAfter(
      ctx({}),
      candidate(PANHANDLE),
      Date.UTC(2026, 0, 6, 9, 0),
      Date.UTC(2026, 0, 6, 11, 0),
    );
    assert.equal(deferredUntil(d), Date.UTC(2026, 0, 7, 9, 0), "midnight in Anchorage, Wednesday");
  });

  test("with a day in every zone past, the number is called", () => {
    const d = claimAfter(ctx({}), candidate(PANHANDLE), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 10, 0));
    assert.equal(d.kind, "start");
  });

  test("a defaultZone of the number's country decides alone, as for the window", () => {
    const c = ctx({ defaultZone: "America/Chicago" });
    const d = claimAfter(c, candidate(PANHANDLE), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 0, 0));
    assert.equal(deferredUntil(d), Date.UTC(2026, 0, 6, 6, 0), "midnight in Chicago");
    assert.equal(
      claimAfter(c, candidate(PANHANDLE), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 6, 0)).kind,
      "start",
    );
  });

  test("a defaultZone of another country is not the callee's clock: every zone of the number counts", () => {
    const c = ctx({ defaultZone: "Europe/Paris" });
    const d = claimAfter(c, candidate(PANHANDLE), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 0, 0));
    assert.equal(deferredUntil(d), Date.UTC(2026, 0, 6, 10, 0));
  });

  test("a contact's own zone, and a number with one zone, count that zone's days as before", () => {
    const known = claimAfter(
      ctx({}),
      candidate(PANHANDLE, "America/Chicago"),
      MONDAY_22_UTC,
      Date.UTC(2026, 0, 6, 0, 0),
    );
    assert.equal(deferredUntil(known), Date.UTC(2026, 0, 6, 6, 0), "midnight in Chicago");
    const single = claimAfter(ctx({}), candidate(NEW_YORK), MONDAY_22_UTC, Date.UTC(2026, 0, 6, 0, 0));
    assert.equal(deferredUntil(single), Date.UTC(2026, 0, 6, 5, 0), "midnight in New York");
  });
});

/** The calls' local days in `zone`, with the times in Chicago for the message. */
function assertOnePerDay(starts: number[], zones: readonly string[]): void {
  const show = starts.map((t) =>
    DateTime.fromMillis(t, { zone: "America/Chicago" }).toFormat("yyyy-MM-dd HH:mm"),
  );
  for (const zone of zones) {
    const days = starts.map((t) => DateTime.fromMillis(t, { zone }).toISODate());
    assert.equal(
      new Set(days).size,
      days.length,
      `two calls on one ${zone} day: ${show.join(", ")} (Chicago time)`,
    );
  }
}

/** The call starts of one contact on the panhandle number, busy every time, retried every 30 min, over
 *  22 h from Monday 22:00 UTC under a 09:00–21:00 callee window and `settings`. */
async function busyPanhandleStarts(
  open: Parameters<typeof harness>[0]["openStore"],
  settings: Record<string, unknown>,
): Promise<number[]> {
  const h = await harness({
    start: MONDAY_22_UTC,
    scenario: forcedOutcomes({ [PANHANDLE]: "busy" }),
    openStore: open,
    maintenanceMs: 600_000,
  });
  try {
    const id = await h.campaign(
      {
        ...settings,
        calleeWindow: { from: "09:00", to: "21:00" },
        maxAttemptsPerContact: 10,
        retry: { busy: { intervalSec: 1800, maxRetries: 20 } },
      },
      [{ phones: [PANHANDLE] }],
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd(22 * HOUR);
    return (await h.attempts(id)).map((a) => a.started_at);
  } finally {
    await h.close();
  }
}

for (const dialect of dialects()) {
  describe(`a busy number of a split area code under perDay 1 [${dialect.name}]`, () => {
    for (const caps of [{ phoneCaps: { perDay: 1 } }, { contactCaps: { perDay: 1 } }]) {
      const which = Object.keys(caps)[0];
      test(`${which}: rung once a day on the callee's clock, whichever of its zones they are in`, async () => {
        const starts = await busyPanhandleStarts(dialect.open, caps);
        assertOnePerDay(starts, possibleZones(PANHANDLE));
        // Tuesday's call comes when the window opens in every zone (09:00 Honolulu, 19:00 UTC).
        assert.equal(starts.length, 2, `calls: ${starts.map((t) => new Date(t).toISOString()).join(", ")}`);
        assert.ok(starts[0] < MONDAY_22_UTC + 60_000, "Monday's call at the start");
        const tuesdayOpen = Date.UTC(2026, 0, 6, 19, 0);
        assert.ok(starts[1] >= tuesdayOpen && starts[1] < tuesdayOpen + 60_000, "Tuesday's at the window");
      });
    }

    test("control: under a defaultZone of the number's country, that zone's days alone", async () => {
      const starts = await busyPanhandleStarts(dialect.open, {
        phoneCaps: { perDay: 1 },
        defaultZone: "America/Chicago",
      });
      assertOnePerDay(starts, ["America/Chicago", "America/New_York"]);
      assert.equal(starts.length, 2, `calls: ${starts.map((t) => new Date(t).toISOString()).join(", ")}`);
      // Tuesday 09:00 in Chicago: neither Honolulu's day nor its calling hours hold it back.
      const chicagoOpen = Date.UTC(2026, 0, 6, 15, 0);
      assert.ok(starts[1] >= chicagoOpen && starts[1] < chicagoOpen + 60_000, "Tuesday's at 09:00 Chicago");
    });
  });
}
