// A time spec open only on a 29th of February is accepted at save (it opens, once in four years), but the
// window search stops at 400 days, and explain read its "none" as "the campaign schedule never opens again".
// Explain now looks four years and a day ahead (off the claim path) and names the day; past that it says
// "never" only when the save's own check (campaignEverOpens) does, and otherwise that none was found.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harness } from "../helpers/engine-harness.ts";

/** explain's window_closed reason for a running campaign with one contact and `timeSpec`, at `start`. */
async function windowClosed(start: number, timeSpec: string) {
  const h = await harness({ start, scenario: "all_human", maintenanceMs: 600_000 });
  try {
    const id = await h.campaign({ timeSpec }, [{ phones: ["+12025550100"] }]);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 60_000 });
    const e = await h.engine.explain(h.accountId, id);
    const closed = e.reasons.find((r) => r.code === "window_closed");
    assert.ok(closed, `no window_closed reason: ${JSON.stringify(e.reasons)}`);
    return { closed, nextDialAt: e.nextDialAt };
  } finally {
    await h.close();
  }
}

test("a time spec open on the next 29th of February, two years off: explain names that day", async () => {
  const { closed, nextDialAt } = await windowClosed(Date.UTC(2026, 0, 5, 12), "09:00-18:00,*,29,feb");
  const opens = Date.UTC(2028, 1, 29, 9);
  assert.doesNotMatch(closed.message, /never/, `explain says: ${closed.message}`);
  assert.equal(closed.until, opens, `window_closed until ${closed.until}`);
  assert.match(closed.message, /closed until 2028-02-29T09:00:00\.000Z/);
  assert.equal(nextDialAt, opens, "its contact is dialed when the schedule opens");
});

test("a 29th of February eight years off (2100 is no leap year): not found, but not said never to open", async () => {
  const { closed, nextDialAt } = await windowClosed(Date.UTC(2097, 2, 1, 12), "09:00-18:00,*,29,feb");
  assert.equal(closed.message, "no opening of the campaign schedule was found within the next four years");
  assert.equal(closed.until, null);
  assert.equal(nextDialAt, null);
});

test("a time spec that never opens (a 31st of February) is still said never to open again", async () => {
  // The save refuses it; a campaign stored with one (the harness writes settings unchecked) is told as it is.
  const { closed } = await windowClosed(Date.UTC(2026, 0, 5, 12), "09:00-18:00,*,31,feb");
  assert.equal(closed.message, "the campaign schedule never opens again");
  assert.equal(closed.until, null);
});
