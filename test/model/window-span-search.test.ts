// firstOpenWithin: the window search past one horizon (400 days), a horizon at a time, for explain. A time
// spec open only on a 29th of February opens up to four years on; nextAllowed, the claim's search, still
// stops at 400 days (its cost on the claim path is unchanged) and says none.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTimeSpec, timeSpecWindow } from "../../src/model/time-spec.ts";
import { firstOpenWithin, nextAllowed, notAfter, weeklySchedule } from "../../src/model/windows.ts";

const DAY = 86_400_000;
const FOUR_YEARS_AND_A_DAY = (4 * 365 + 2) * DAY;

function spec(text: string) {
  const parsed = parseTimeSpec(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return timeSpecWindow(parsed.value, "UTC");
}

test("a 29th of February two and four years off is found past the claim's 400 days", () => {
  const leapDay = [spec("09:00-18:00,*,29,feb")];
  const jan2026 = Date.UTC(2026, 0, 5, 12);
  assert.equal(nextAllowed(jan2026, leapDay), null, "the claim's search stops at 400 days");
  assert.equal(firstOpenWithin(jan2026, leapDay, FOUR_YEARS_AND_A_DAY), Date.UTC(2028, 1, 29, 9));
  // Just after it closes, the next is four years on: within four years and a day, not within four years less.
  const after = Date.UTC(2028, 1, 29, 18, 1);
  assert.equal(firstOpenWithin(after, leapDay, FOUR_YEARS_AND_A_DAY), Date.UTC(2032, 1, 29, 9));
  assert.equal(firstOpenWithin(after, leapDay, 3 * 365 * DAY), null);
});

test("within one horizon it answers as nextAllowed does, and a constraint closed for good gives null", () => {
  const weekdays = [
    weeklySchedule({ zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }] }),
  ];
  const saturday = Date.UTC(2026, 0, 10, 12);
  assert.equal(
    firstOpenWithin(saturday, weekdays, FOUR_YEARS_AND_A_DAY),
    nextAllowed(saturday, weekdays)?.at,
  );
  assert.equal(firstOpenWithin(saturday, weekdays, FOUR_YEARS_AND_A_DAY), Date.UTC(2026, 0, 12, 9));
  const ended = [...weekdays, notAfter(saturday - DAY)];
  assert.equal(firstOpenWithin(saturday, ended, FOUR_YEARS_AND_A_DAY), null);
});
