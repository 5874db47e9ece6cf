// A predictive campaign held back by its calls per second places fewer lines than its pacer asks for, and
// asks again every half second. Only the lines placed may count as forecast drops in the outer loop's
// calibration: counting every ask, the forecast seemed to overpredict fifty-fold, the drop chance a dial
// may take rose to its 8% maximum, and lifting the hold sent the campaign over its 3% target.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);

test("predictive, an hour held back by calls per second, then the hold lifted: calibrated and under its target", async () => {
  const h = await harness({
    start: START,
    seed: 1,
    scenario: {
      outcomes: { human: 0.3, machine: 0.15, no_answer: 0.35, busy: 0.2 },
      ringSec: { kind: "lognormal", median: 12, sigma: 0.5, min: 3, max: 40 },
      talkSec: 3600,
    },
  });
  try {
    const id = await h.campaign(
      {
        dialMethod: "predictive",
        wrapUpSec: 60,
        maxAttemptsPerContact: 1,
        ringTimeoutSec: 30,
        callsPerSecond: 0.45,
      },
      Array.from({ length: 8000 }, (_, i) => ({ phones: [`+1202${String(5000000 + i)}`] })),
    );
    const agents = await queueAgents(h, id, 20);
    await simulatedAgents(h, {
      talkSec: { kind: "lognormal", median: 90, sigma: 0.6, min: 10, max: 900 },
      wrapSec: { kind: "uniform", min: 5, max: 20 },
      seed: 1,
    }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 3600_000, stop: () => false });
    const held = (await h.engine.pacing(h.accountId, id)).latest?.insight;
    assert.ok(held, "the pacer decided");
    assert.ok(held.calibration > 0.3, `calibration ${held.calibration} after an hour held back`);
    assert.ok(held.threshold < 0.06, `a dial may take a ${held.threshold} drop chance`);

    const row = await h.store.db
      .selectFrom("campaigns")
      .select("settings")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const settings = { ...JSON.parse(row.settings), callsPerSecond: null };
    await h.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify(settings) })
      .where("id", "=", id)
      .execute();
    await h.engine.reload(id);
    await h.clock.run({ until: START + 2 * 3600_000, stop: () => false });
    const rate = (await h.engine.agents.abandonment(h.accountId, id)).campaign.rate;
    assert.ok(rate <= 0.03, `campaign abandonment ${rate}`);
    await h.engine.stop(h.accountId, id);
  } finally {
    await h.close();
  }
});
