// A campaign dialing with no calls-per-second limit (the default) is given one while it dials. The spacing
// kept no note of the dials made unlimited, so the first dial after the edit went out at once, in the same
// second as the burst just made, and that second held more dials than the new limit allows (engine13).
// Unlimited, DialSpacing now keeps the last dial's time (one number, not a list: the hot path stays O(1)),
// and a rate set later takes the second up to it as full: the first dial under the rate waits a second
// after the burst, so no 1 s window holds both (a restart or handover already went on from the last dial).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DialSpacing } from "../../src/engine/rate-limiter.ts";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { harness } from "../helpers/engine-harness.ts";

test("a rate set after an unlimited burst holds from the burst's last dial", () => {
  for (const cps of [1, 3, 0.5]) {
    const s = new DialSpacing(null);
    assert.deepEqual(
      s.slots(10_000, 11_000, 5).map((at) => s.take(at)),
      [10_000, 10_000, 10_000, 10_000, 10_000],
    );
    s.setRate(cps);
    const first = s.nextSlot(10_200);
    assert.equal(first, 10_000 + Math.max(1000, 1000 / cps), `${cps}/s: first dial at ${first}`);
  }
});

test("a calls-per-second limit set on a campaign dialing unlimited counts the dials of the last second", async () => {
  const h = await harness({ scenario: "default", tickGapMs: 20 });
  try {
    const base = { maxConcurrent: 3, callsPerSecond: null, maxAttemptsPerContact: 1 };
    const phones = Array.from({ length: 50 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] }));
    const id = await h.campaign(base, phones);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: h.clock.now() + 100 });
    assert.equal(h.originated.length, 3, "three dials at once while unlimited");
    // The edit, as the API writes it, 100 ms after the burst: one call a second, and room for more lines.
    await h.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify(withDefaults({ ...base, maxConcurrent: 10, callsPerSecond: 1 })) })
      .where("id", "=", id)
      .execute();
    await h.engine.campaignEdited(id);
    await h.clock.run({ until: h.clock.now() + 5000 });
    const starts = (await h.attempts(id)).map((a) => a.started_at).sort((a, b) => a - b);
    const burstAt = starts[0];
    assert.deepEqual(starts.slice(0, 3), [burstAt, burstAt, burstAt]);
    assert.deepEqual(
      starts.slice(3, 6).map((t) => t - burstAt),
      [1000, 2000, 3000],
      "under the limit, the first dial a second after the burst, then one a second",
    );
  } finally {
    await h.close();
  }
});
