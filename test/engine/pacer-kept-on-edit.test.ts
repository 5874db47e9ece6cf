// A predictive campaign's pacer is rebuilt when a pacing setting changes (dialing.ts pacerKey: the target
// rate, the grace, the line cap, the ring release, the power ratio, the wrap-up time). The new pacer
// started from its priors: everything learned in the shift (the share of dials reaching a person, ring,
// talk and wrap-up times, the outer loop's calibration) was thrown away by a supervisor tightening the
// target from 3 % to 2.5 %, and the pacer dialed as if it knew nothing (audit pacing11). It now takes over
// what the one before it learned (PredictivePacer.carryOver).
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);

test("predictive: a change of targetAbandonRate keeps what the pacer learned in the shift", async () => {
  const h = await harness({
    start: START,
    seed: 2,
    scenario: { outcomes: { human: 0.3, no_answer: 0.7 }, ringSec: 8, talkSec: 3600 },
    maintenanceMs: 60_000,
  });
  try {
    const id = await h.campaign(
      {
        dialMethod: "predictive",
        wrapUpSec: 10,
        maxAttemptsPerContact: 1,
        ringTimeoutSec: 25,
        calleeWindow: { from: "00:00", to: "24:00" },
      },
      Array.from({ length: 3000 }, (_, i) => ({ phones: [`+1202${5550000 + i}`] })),
    );
    const agents = await queueAgents(h, id, 6);
    await simulatedAgents(h, { talkSec: 60, wrapSec: 5, seed: 1 }).login(id, agents);
    await h.engine.start(h.accountId, id);
    await h.clock.run({ until: START + 3600_000, stop: () => false });
    const before = (await h.engine.pacing(h.accountId, id)).latest?.insight;
    assert.ok(before && before.talks > 50, `learned from ${before?.talks} talks`);

    const row = await h.store.db
      .selectFrom("campaigns")
      .select("settings")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    await h.store.db
      .updateTable("campaigns")
      .set({ settings: JSON.stringify({ ...JSON.parse(row.settings), targetAbandonRate: 0.025 }) })
      .where("id", "=", id)
      .execute();
    await h.engine.campaignEdited(id);
    await h.clock.run({ until: h.clock.now() + 2000, stop: () => false });
    const after = (await h.engine.pacing(h.accountId, id)).latest?.insight;
    assert.ok(after, "a decision after the edit");
    console.log(JSON.stringify({ before, after }));
    assert.ok(
      after.talks >= before.talks * 0.9,
      `talks behind the estimate: ${before.talks.toFixed(1)} before the edit, ${after.talks.toFixed(1)} after`,
    );
    assert.ok(
      after.dialResults >= before.dialResults * 0.9,
      `dial results behind the estimate: ${before.dialResults.toFixed(1)} before, ${after.dialResults.toFixed(1)} after`,
    );
    assert.ok(
      Math.abs(after.meanTalkMs - before.meanTalkMs) < 0.2 * before.meanTalkMs,
      `mean talk ${Math.round(before.meanTalkMs)} ms before, ${Math.round(after.meanTalkMs)} ms after`,
    );
  } finally {
    await h.close();
  }
});
