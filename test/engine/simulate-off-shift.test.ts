// `outdial simulate --agents` measures the agents over the time they are on shift: a stretch of over 15
// minutes with no call up (a night outside calling hours, a contact due days later, a 72-hour wait) is not
// counted as agents waiting. Measured over the whole simulated span, one contact due two days later made a
// team busy 84% of its shift read 2%.
import assert from "node:assert/strict";
import { test } from "node:test";
import { simulateCampaign } from "../../src/engine/simulation.ts";
import { openStore } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";

const t0 = Date.UTC(2026, 2, 2, 14, 0, 0);

async function run(lateContact: boolean) {
  const store = await openStore({ url: ":memory:" });
  try {
    const accountId = await createAccount(store, "acme", t0);
    const ids = await createCampaign(
      store,
      accountId,
      {
        dialMethod: "progressive",
        maxConcurrent: 20,
        maxAttemptsPerContact: 1,
        wrapUpSec: 30,
        scenario: "all_human",
        calleeWindow: { from: "00:00", to: "24:00" },
      },
      { now: t0 },
    );
    const specs = Array.from({ length: 200 }, (_, i) => ({
      phones: [`+1202555${String(i).padStart(4, "0")}`],
    }));
    await addContacts(store, { accountId, ...ids }, specs, t0);
    // One more person, to be called from two days later (a row's own start time).
    if (lateContact)
      await addContacts(
        store,
        { accountId, ...ids },
        [{ phones: ["+12025559999"], startAt: t0 + 2 * 86_400_000 }],
        t0,
      );
    return await simulateCampaign({
      store,
      accountId,
      campaignId: ids.campaignId,
      startAt: t0,
      seed: 3,
      scenario: "all_human",
      agents: { count: 4 },
    });
  } finally {
    await store.close();
  }
}

test("simulate: agent figures describe the agents' work, not the days the campaign waited", async () => {
  const base = await run(false);
  const tail = await run(true);
  assert.ok(base.agents && tail.agents);
  // Same 200 calls to the same people with the same agents, plus one call two days later.
  assert.equal(tail.attempts, base.attempts + 1);
  assert.ok(
    tail.agents.occupancy > base.agents.occupancy / 2,
    `occupancy ${tail.agents.occupancy.toFixed(3)} vs ${base.agents.occupancy.toFixed(3)} for the same work`,
  );
  assert.ok(
    tail.agents.liveConnectsPerAgentHour > base.agents.liveConnectsPerAgentHour / 2,
    `live connects per agent-hour ${tail.agents.liveConnectsPerAgentHour.toFixed(2)} vs ${base.agents.liveConnectsPerAgentHour.toFixed(2)}`,
  );
  assert.ok(
    tail.agents.meanWaitSec < base.agents.meanWaitSec * 2,
    `wait between calls ${tail.agents.meanWaitSec.toFixed(0)} s vs ${base.agents.meanWaitSec.toFixed(0)} s`,
  );
});

test("simulate: a wrap-up is on shift, however long the stretch with no call up that it falls in", async () => {
  const store = await openStore({ url: ":memory:" });
  try {
    const accountId = await createAccount(store, "acme", t0);
    const settings = {
      dialMethod: "progressive" as const,
      maxAttemptsPerContact: 1,
      wrapUpSec: 3000,
      scenario: "all_human",
      calleeWindow: { from: "00:00", to: "24:00" },
    };
    const ids = await createCampaign(store, accountId, settings, { now: t0 });
    // The second person is due two hours after the first: the first call's wrap-up falls in that stretch.
    const specs = [{ phones: ["+12025550001"] }, { phones: ["+12025550002"], startAt: t0 + 2 * 3_600_000 }];
    await addContacts(store, { accountId, ...ids }, specs, t0);
    const r = await simulateCampaign({
      store,
      accountId,
      campaignId: ids.campaignId,
      startAt: t0,
      seed: 3,
      scenario: "all_human",
      // Wrap-ups of 40–45 minutes: longer than a stretch with no call up that is taken as off shift.
      agents: { count: 2, talkSec: 60, wrapSec: { kind: "uniform", min: 2400, max: 2700 } },
    });
    assert.ok(r.agents);
    assert.ok(r.agents.occupancy <= 1, `occupancy ${r.agents.occupancy}`);
    assert.ok(r.agents.occupancy > 0.3, `occupancy ${r.agents.occupancy}: a call and its 40-minute wrap-up`);
  } finally {
    await store.close();
  }
});
