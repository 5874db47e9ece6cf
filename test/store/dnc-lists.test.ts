// Do-not-call lists in the store, on each dialect: migration 013 keeps every entry of a database made
// before campaigns had lists of their own (ids, fields, the account's list), and afterwards the account's
// list and each campaign's hold a number independently.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Kysely } from "kysely";
import { withDefaults } from "../../src/model/campaign-settings.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { insertCampaign } from "../../src/store/campaigns.ts";
import { accountList, addDncNumbers, findDncNumber, listDncNumbers } from "../../src/store/dnc.ts";
import { migrateTo, migrateToLatest } from "../../src/store/migrate.ts";
import { dialects } from "../helpers/stores.ts";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

for (const dialect of dialects()) {
  describe(`do-not-call lists in the store [${dialect.name}]`, () => {
    test("an upgrade keeps the account's entries; then each list holds a number on its own", async () => {
      const store = await dialect.open({ migrate: false });
      try {
        await migrateTo(store.db, "012_personal_callbacks", store.schema);
        const accountId = await insertAccount(store.db, "acme", NOW);
        // Written as the code of migration 012's time wrote them (no campaign_id yet).
        const old = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
        await old
          .insertInto("dnc_numbers")
          .values([
            {
              account_id: accountId,
              phone: "+12125550100",
              source: "csv",
              reason: "asked",
              created_at: NOW,
              expires_at: null,
            },
            {
              account_id: accountId,
              phone: "+12125550101",
              source: "api",
              reason: null,
              created_at: NOW,
              expires_at: NOW + 1000,
            },
          ])
          .execute();
        // A third entry, removed again: its id is not handed out after the upgrade.
        await old
          .insertInto("dnc_numbers")
          .values({
            account_id: accountId,
            phone: "+12125550102",
            source: "api",
            reason: null,
            created_at: NOW,
          })
          .execute();
        await old.deleteFrom("dnc_numbers").where("phone", "=", "+12125550102").execute();
        const before = await old.selectFrom("dnc_numbers").selectAll().orderBy("id").execute();
        await migrateToLatest(store.db, store.schema);

        const after = await store.db.selectFrom("dnc_numbers").selectAll().orderBy("id").execute();
        assert.deepEqual(
          after.map((r) => ({ ...r, id: Number(r.id), account_id: Number(r.account_id) })),
          before.map((r) => ({
            ...r,
            id: Number(r.id),
            account_id: Number(r.account_id),
            campaign_id: 0,
            search_key: null,
          })),
          "every entry kept, on the account's list (E.164, so each its own search key)",
        );
        const { id: campaignId } = await insertCampaign(store.db, {
          accountId,
          name: "c",
          settings: withDefaults({}),
          now: NOW,
        });
        const campaignList = { accountId, campaignId: Number(campaignId) };
        const entry = { phone: "+12125550100", source: "t", reason: null, expiresAt: null };
        assert.deepEqual(await addDncNumbers(store, campaignList, [entry], NOW), {
          added: 1,
          alreadyListed: 0,
        });
        assert.deepEqual(await addDncNumbers(store, accountList(accountId), [entry], NOW), {
          added: 0,
          alreadyListed: 1,
        });
        assert.equal(
          Number((await findDncNumber(store.db, campaignList, "+12125550100", NOW))?.campaign_id),
          campaignId,
        );
        assert.equal(await findDncNumber(store.db, campaignList, "+12125550101", NOW), undefined);
        const own = await listDncNumbers(store.db, campaignList, { limit: 10 }, NOW);
        assert.deepEqual(
          own.map((r) => r.phone),
          ["+12125550100"],
        );
        const ids = (await store.db.selectFrom("dnc_numbers").select("id").orderBy("id").execute()).map((r) =>
          Number(r.id),
        );
        assert.deepEqual(ids, [1, 2, 4], "a new id follows the highest ever given, not the highest kept");
      } finally {
        await store.close();
      }
    });
  });
}
