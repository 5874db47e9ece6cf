// Migration 014 on each dialect: subscriptions of Twin24 tasks' campaigns made before it are taken as the
// tasks' own (made_by "twin24", as the task edit treated them); every other one is the native API's.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kysely } from "kysely";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { insertCampaign } from "../../src/store/campaigns.ts";
import { insertList } from "../../src/store/lists.ts";
import { migrateTo, migrateToLatest } from "../../src/store/migrate.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

for (const dialect of dialects()) {
  test(`an upgrade marks the Twin24 tasks' subscriptions as theirs, and only those [${dialect.name}]`, async () => {
    const store = await dialect.open({ migrate: false });
    try {
      await migrateTo(store.db, "013_campaign_dnc", store.schema);
      const accountId = await insertAccount(store.db, "acme", NOW);
      const settings = withDefaults({});
      const task = await insertCampaign(store.db, { accountId, name: "task", settings, now: NOW });
      const other = await insertCampaign(store.db, { accountId, name: "native", settings, now: NOW });
      const list = await insertList(store.db, {
        accountId,
        campaignId: task.id,
        name: "candidates",
        now: NOW,
      });
      // Written as the code of migration 013's time wrote them (no made_by yet).
      const old = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await old
        .insertInto("twin24_tasks")
        .values({
          uuid: "u-1",
          account_id: accountId,
          campaign_id: task.id,
          list_id: list.id,
          created_at: NOW,
        })
        .execute();
      const hook = (campaignId: number | null, url: string) => ({
        account_id: accountId,
        campaign_id: campaignId,
        url,
        secret: "s",
        events: "[]",
        delay_sec: 0,
        partial_results: 1,
        max_attempts: 3,
        active: 1,
        created_at: NOW,
        updated_at: NOW,
      });
      await old
        .insertInto("webhooks")
        .values([hook(task.id, "https://task"), hook(other.id, "https://other"), hook(null, "https://all")])
        .execute();
      await migrateToLatest(store.db, store.schema);
      const rows = await store.db.selectFrom("webhooks").select(["url", "made_by"]).orderBy("id").execute();
      assert.deepEqual(rows, [
        { url: "https://task", made_by: "twin24" },
        { url: "https://other", made_by: null },
        { url: "https://all", made_by: null },
      ]);
    } finally {
      await store.close();
    }
  });
}
