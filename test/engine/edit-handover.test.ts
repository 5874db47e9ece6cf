// An edit of a campaign's hours taken by node B while node A dials it: A's passes may put contacts off under
// the old hours until A reads the edit. Should A die first, the node that takes the campaign over judges
// again what was put off just before, so widened hours dial those contacts now, not at the old opening.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSettings } from "../../src/api/native/views.ts";
import { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { findCampaign, updateCampaign } from "../../src/store/campaigns.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { engineNode } from "../helpers/nodes.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects())
  test(`a node taking over a campaign re-judges what its dead dialer put off under old hours [${dialect.name}]`, async () => {
    const store = await dialect.open();
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0)); // Monday 09:00 UTC = 09:00 London
    const a = engineNode(store, clock, "node-a", 1, 10_000);
    const b = engineNode(store, clock, "node-b", 2, 10_000);
    try {
      const accountId = await createAccount(store, "acme", clock.now());
      await a.engine.run();
      const { campaignId, listId } = await createCampaign(
        store,
        accountId,
        { scenario: "all_human", calleeWindow: { from: "20:00", to: "21:00" } },
        { now: clock.now() },
      );
      await a.engine.start(accountId, campaignId);
      await clock.run({ until: clock.now() + 5_000 }); // A's maintenance takes the campaign's lease
      await b.engine.run();
      await clock.run({ until: clock.now() + 2_000 });
      const lease = await store.db
        .selectFrom("campaign_leases")
        .selectAll()
        .where("campaign_id", "=", campaignId)
        .executeTakeFirst();
      assert.equal(lease?.node_id, "node-a", "A dials the campaign");

      // B takes an edit widening the hours (its own re-judging runs with it)...
      const row = await findCampaign(store.db, accountId, campaignId);
      assert.ok(row);
      const settings = { ...parseSettings(row), calleeWindow: { from: "08:00", to: "21:00" } };
      assert.ok(
        await updateCampaign(store.db, accountId, campaignId, { settings, basedOn: row, now: clock.now() }),
      );
      await b.engine.campaignEdited(campaignId);
      // ...and A, not having read it yet, puts five contacts off to the old opening (written as its claim
      // would), then dies.
      const ids = await addContacts(
        store,
        { accountId, campaignId, listId },
        Array.from({ length: 5 }, (_, i) => ({
          phones: [`+4420712345${60 + i}`],
          timeZone: "Europe/London",
        })),
        clock.now(),
      );
      await store.db
        .updateTable("contacts")
        .set({
          ready: 0,
          wait_reason: "callee_window",
          next_attempt_at: Date.UTC(2026, 0, 5, 20, 0, 0),
          updated_at: clock.now(),
        })
        .where("id", "in", ids)
        .execute();
      await a.engine.halt();
      await clock.run({ until: clock.now() + 120_000 });
      const after = await store.db
        .selectFrom("contacts")
        .select(["attempts", "wait_reason", "next_attempt_at"])
        .where("id", "in", ids)
        .execute();
      const waiting = after.filter((c) => Number(c.attempts) === 0);
      assert.equal(
        waiting.length,
        0,
        `${waiting.length} still wait under open hours (${waiting[0]?.wait_reason} until ${waiting[0]?.next_attempt_at}); B dialed ${b.dialedAt.length}`,
      );
    } finally {
      await a.engine.shutdown().catch(() => {});
      await b.engine.shutdown();
      await store.close();
    }
  });
