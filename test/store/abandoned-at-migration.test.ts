// Migration 019 on each dialect: contacts.abandoned_at is filled from the record, the end of each
// contact's latest abandoned call, so that the claim's 72 h check covers contacts abandoned before it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { migrateTo, migrateToLatest } from "../../src/store/migrate.ts";
import { insertAttempt } from "../api/helpers.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  test(`an upgrade records when each contact's latest abandoned call ended [${dialect.name}]`, async () => {
    const store = await dialect.open({ migrate: false });
    try {
      await migrateTo(store.db, "018_disposed_by", store.schema);
      const accountId = await createAccount(store, "acme");
      const ids = await createCampaign(store, accountId, {});
      const [twice, once, never] = await addContacts(store, { accountId, ...ids }, [
        { phones: ["+12125550100"] },
        { phones: ["+12125550101"] },
        { phones: ["+12125550102"] },
      ]);
      let seq = 1;
      const attempt = (contactId: number, endedAt: number, outcome: string) =>
        insertAttempt(store, {
          accountId,
          ...ids,
          contactId,
          seq: seq++,
          startedAt: endedAt - 30_000,
          endedAt,
          outcome,
        });
      await attempt(twice, 100_000, "abandoned");
      await attempt(twice, 500_000, "abandoned");
      await attempt(twice, 900_000, "no_answer");
      await attempt(once, 200_000, "abandoned");
      await attempt(never, 300_000, "human");
      await migrateToLatest(store.db, store.schema);
      const rows = await store.db
        .selectFrom("contacts")
        .select(["id", "abandoned_at"])
        .orderBy("id")
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.id, r.abandoned_at === null ? null : Number(r.abandoned_at)]),
        [
          [twice, 500_000],
          [once, 200_000],
          [never, null],
        ],
      );
    } finally {
      await store.close();
    }
  });
}
