// A campaign's Asterisk time spec (settings.timeSpec; Xcally's dialGlobalInterval when it limits month days
// or months) on the virtual clock: calls start only in the spec's minutes, weekdays, month days and months.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harness } from "../helpers/engine-harness.ts";

test("calls keep to the campaign's time spec, month days included", async () => {
  // Sunday 2026-01-04 07:30 UTC (08:30 in Berlin); the spec opens 09:00–09:59 on the 5th and 6th of each
  // month, Berlin time: nothing on the 4th, three attempts on the 5th, the last on the 6th.
  const h = await harness({
    scenario: "always_busy",
    start: Date.UTC(2026, 0, 4, 7, 30, 0),
    // Nothing changes behind the engine's back: a pass a minute idles closed hours faster.
    maintenanceMs: 60_000,
  });
  try {
    const id = await h.campaign(
      {
        maxConcurrent: 5,
        maxAttemptsPerContact: 4,
        retry: { busy: { intervalSec: 1200, maxRetries: 3 } },
        timeSpec: "09:00-09:59,*,5-6,*,Europe/Berlin",
      },
      Array.from({ length: 3 }, (_, i) => ({ phones: [`+1202555${6000 + i}`] })),
    );
    await h.engine.start(h.accountId, id);
    await h.runToEnd(4 * 86_400_000);
    const attempts = await h.attempts(id);
    assert.equal(attempts.length, 12, "every attempt was made in the end");
    for (const a of attempts) {
      const local = new Date(a.started_at).toLocaleString("en-GB", {
        timeZone: "Europe/Berlin",
        hour12: false,
      });
      const [date, time] = local.split(", ");
      const day = Number(date.split("/")[0]);
      assert.ok(day === 5 || day === 6, `day ${local}`);
      assert.ok(time.startsWith("09:"), `time ${local}`);
    }
    const days = new Set(attempts.map((a) => new Date(a.started_at).toISOString().slice(0, 10)));
    assert.deepEqual([...days].sort(), ["2026-01-05", "2026-01-06"]);
  } finally {
    await h.close();
  }
});

test("a bad time spec is refused by the API, naming settings.timeSpec", async () => {
  const { apiFixture } = await import("../api/helpers.ts");
  const f = await apiFixture();
  try {
    const r = await f.call({
      method: "POST",
      url: "/v1/campaigns",
      payload: { name: "x", settings: { timeSpec: "25:00-26:00,*,*,*" } },
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.field, "body.settings.timeSpec");
  } finally {
    await f.close();
  }
});
