// A completed campaign left with a callback waiting (its node died between writing the callback and
// recovering the campaign) was recovered only by a node that started. In a cluster the node that died may
// never start again (replaced, scaled in): the nodes still running recover it in their sweep.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { scheduleCallback } from "../../src/store/agent-calls.ts";
import { openStore } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";

test("a node still running recovers a completed campaign whose callback a dead node wrote", async () => {
  const store = await openStore({ url: ":memory:" });
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 15, 0, 0));
  const a = engineNode(store, clock, "node-a", 1, 60_000);
  const b = engineNode(store, clock, "node-b", 2, 60_000);
  try {
    const accountId = await createAccount(store, "acme", clock.now());
    await a.engine.run();
    await b.engine.run();
    const { campaignId, ...ids } = await createCampaign(
      store,
      accountId,
      { maxAttemptsPerContact: 1, calleeWindow: { from: "00:00", to: "24:00" } },
      { now: clock.now() },
    );
    await addContacts(store, { accountId, campaignId, ...ids }, [{ phones: ["+12125550100"] }], clock.now());
    await a.engine.start(accountId, campaignId);
    const status = async () =>
      (
        await store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", campaignId)
          .executeTakeFirstOrThrow()
      ).status;
    for (let i = 0; i < 600 && (await status()) !== "completed"; i++) {
      await clock.run({ until: clock.now() + 1_000 });
    }
    assert.equal(await status(), "completed");
    const [first] = await store.db
      .selectFrom("attempts")
      .selectAll()
      .where("campaign_id", "=", campaignId)
      .execute();
    // Node A writes the callback the person agreed to, then dies before its reopenForCallback.
    const at = clock.now() + 600_000;
    assert.equal(await scheduleCallback(store, accountId, first.id, at, clock.now()), null);
    await a.engine.halt();
    // Node B runs on for two hours.
    await clock.run({ until: clock.now() + 2 * 3_600_000 });
    const calls = await store.db
      .selectFrom("attempts")
      .selectAll()
      .where("campaign_id", "=", campaignId)
      .execute();
    assert.equal(
      calls.length,
      2,
      `campaign ${await status()}, ${calls.length} call(s): the callback due at ${new Date(at).toISOString()} was never made`,
    );
  } finally {
    await a.engine.shutdown().catch(() => {});
    await b.engine.shutdown();
    await store.close();
  }
});
