// A simulation cut off by its time limit (outdial simulate --max-hours) ends as a node stops: the calls still
// up are hung up and recorded, none left open, no contact left in progress.
import assert from "node:assert/strict";
import { it } from "node:test";
import { simulateCampaign } from "../../src/engine/simulation.ts";
import { openStore } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";

it("a simulation cut by its time limit records the calls it hangs up", async () => {
  const store = await openStore({ url: ":memory:" });
  try {
    const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
    const accountId = await createAccount(store, "acme", t0);
    const ids = await createCampaign(
      store,
      accountId,
      { maxConcurrent: 5, calleeWindow: { from: "00:00", to: "24:00" } },
      { now: t0 },
    );
    await addContacts(
      store,
      { accountId, ...ids },
      Array.from({ length: 5 }, (_, i) => ({ phones: [`+1202555010${i}`] })),
      t0,
    );
    const r = await simulateCampaign({
      store,
      accountId,
      campaignId: ids.campaignId,
      startAt: t0,
      maxSimMs: 8_000,
      scenario: "default",
    });
    assert.equal(r.byOutcome.open ?? 0, 0, "attempts left open by the cut-off");
    assert.equal(r.byStatus.in_progress ?? 0, 0, "contacts left in_progress");
  } finally {
    await store.close();
  }
});
