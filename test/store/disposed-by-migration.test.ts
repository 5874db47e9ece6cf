// Migration 018 on each dialect: attempts disposed of before it had the disposing agent written over
// agent_id. It becomes their disposed_by; agent_id stays only where the call was connected to the agent
// (its wait_ms was recorded with it), and is cleared where the disposition alone had set it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { migrateTo, migrateToLatest } from "../../src/store/migrate.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  test(`an upgrade moves the disposing agent to disposed_by, and off calls it never took [${dialect.name}]`, async () => {
    const store = await dialect.open({ migrate: false });
    try {
      await migrateTo(store.db, "017_webhook_heads", store.schema);
      const accountId = await createAccount(store, "acme");
      const ids = await createCampaign(store, accountId, {});
      const [c1] = await addContacts(store, { accountId, ...ids }, [{ phones: ["+12125550100"] }]);
      const attempt = async (
        seq: number,
        set: { agent_id: number | null; wait_ms: number | null; disposition: string | null },
      ) => {
        const id = await insertAttempt(store, {
          accountId,
          ...ids,
          contactId: c1,
          seq,
          startedAt: seq * 1000,
        });
        await store.db.updateTable("attempts").set(set).where("id", "=", id).execute();
        return id;
      };
      // As the code before 018 wrote them.
      await attempt(1, { agent_id: 5, wait_ms: 300, disposition: "sale" }); // taken and disposed of by 5
      await attempt(2, { agent_id: 5, wait_ms: null, disposition: "no answer" }); // a preview nobody answered
      await attempt(3, { agent_id: 6, wait_ms: 0, disposition: null }); // taken by 6, no disposition yet
      await attempt(4, { agent_id: null, wait_ms: null, disposition: null }); // a robot's call
      await migrateToLatest(store.db, store.schema);
      const rows = await store.db
        .selectFrom("attempts")
        .select(["seq", "agent_id", "disposed_by", "disposition"])
        .orderBy("seq")
        .execute();
      assert.deepEqual(rows, [
        { seq: 1, agent_id: 5, disposed_by: 5, disposition: "sale" },
        { seq: 2, agent_id: null, disposed_by: 5, disposition: "no answer" },
        { seq: 3, agent_id: 6, disposed_by: null, disposition: null },
        { seq: 4, agent_id: null, disposed_by: null, disposition: null },
      ]);
    } finally {
      await store.close();
    }
  });
}
