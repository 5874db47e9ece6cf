// Calling hours are a legal limit. A contact whose zone is unknown (a US area code split by a zone line, a
// Russian mobile) is called only when the callee window is open in every zone of its number's country,
// unless the campaign names a defaultZone for such contacts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import type { AttemptRow } from "../../src/store/schema.ts";
import { harness } from "../helpers/engine-harness.ts";

const US_SPLIT_AREA_CODE = "+12192345678"; // 219 Indiana: Central and Eastern
const RU_MOBILE = "+79161234567";

function localMinutes(a: AttemptRow, zone: string): number {
  const t = DateTime.fromMillis(a.started_at, { zone });
  return t.hour * 60 + t.minute;
}

function assertInWindow(attempts: AttemptRow[], zones: string[]): void {
  for (const a of attempts) {
    for (const zone of zones) {
      const m = localMinutes(a, zone);
      assert.ok(
        m >= 9 * 60 && m < 21 * 60,
        `${a.phone} called at ${DateTime.fromMillis(a.started_at, { zone }).toISO()} (${zone})`,
      );
    }
  }
}

test("unknown zone: the callee window holds in every zone of the number's country", async () => {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const settings = {
      maxConcurrent: 5,
      maxAttemptsPerContact: 6,
      retryIntervalSec: 1800,
      calleeWindow: { from: "09:00", to: "21:00" },
    };
    const id = await h.campaign(settings, [{ phones: [US_SPLIT_AREA_CODE] }, { phones: [RU_MOBILE] }]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(4 * 86_400_000);
    const attempts = await h.attempts(id);
    const us = attempts.filter((a) => a.phone === US_SPLIT_AREA_CODE);
    const ru = attempts.filter((a) => a.phone === RU_MOBILE);
    assert.equal(us.length, 6);
    assert.equal(ru.length, 6);
    assertInWindow(us, [
      "America/New_York",
      "America/Chicago",
      "America/Anchorage",
      "America/Adak",
      "Pacific/Honolulu",
    ]);
    assertInWindow(ru, ["Europe/Kaliningrad", "Europe/Moscow", "Asia/Vladivostok", "Asia/Kamchatka"]);
    // The campaign starts Monday 2026-01-05 00:00 UTC: 19:00 in New York, 14:00 in Honolulu, so the US
    // number is called at once (in UTC it would wait until 09:00). 09:00 in Kaliningrad (UTC+2) is 07:00
    // UTC, when Kamchatka (UTC+12) is at 19:00: the Russian mobile waits for it.
    assert.equal(new Date(us[0].started_at).toISOString(), "2026-01-05T00:00:00.000Z");
    assert.equal(new Date(ru[0].started_at).toISOString(), "2026-01-05T07:00:00.000Z");
  } finally {
    await h.close();
  }
});

test("unknown zone with a defaultZone: the window is read in that zone, as the campaign says", async () => {
  const h = await harness({ scenario: "always_no_answer", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign(
      {
        maxConcurrent: 5,
        maxAttemptsPerContact: 3,
        retryIntervalSec: 1800,
        calleeWindow: { from: "09:00", to: "21:00" },
        defaultZone: "Europe/Moscow",
      },
      [{ phones: [RU_MOBILE] }],
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd(2 * 86_400_000);
    const attempts = await h.attempts(id);
    assert.equal(attempts.length, 3);
    assertInWindow(attempts, ["Europe/Moscow"]);
    assert.equal(new Date(attempts[0].started_at).toISOString(), "2026-01-05T06:00:00.000Z");
  } finally {
    await h.close();
  }
});

test("a defaultZone of another country is not the callee's clock: the number's own country's zones hold", async () => {
  // 15:00 UTC: 09:00 in Chicago, 02:00 in Sydney, 23:00 in Perth. An Australian number of unknown zone
  // waits for 09:00 in every Australian zone, as with no defaultZone at all.
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 15, 0, 0),
    scenario: "all_human",
    maintenanceMs: 600_000,
  });
  try {
    const id = await h.campaign(
      { calleeWindow: { from: "09:00", to: "21:00" }, defaultZone: "America/Chicago" },
      [{ phones: ["+61291234567"] }],
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd(86_400_000);
    const attempts = await h.attempts(id);
    assert.equal(attempts.length, 1);
    assertInWindow(attempts, ["Australia/Sydney", "Australia/Perth", "Australia/Adelaide"]);
  } finally {
    await h.close();
  }
});

test("a defaultZone spelled by an old name of one of the country's zones still applies", async () => {
  const h = await harness({
    start: Date.UTC(2026, 0, 5, 15, 0, 0),
    scenario: "always_no_answer",
    maintenanceMs: 600_000,
  });
  try {
    const id = await h.campaign({ calleeWindow: { from: "09:00", to: "21:00" }, defaultZone: "US/Eastern" }, [
      { phones: [US_SPLIT_AREA_CODE] },
    ]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd(86_400_000);
    const [first] = await h.attempts(id);
    // 10:00 in New York: at once (the every-zone reading would wait for 09:00 in Honolulu, 19:00 UTC).
    assert.equal(new Date(first.started_at).toISOString(), "2026-01-05T15:00:00.000Z");
  } finally {
    await h.close();
  }
});
