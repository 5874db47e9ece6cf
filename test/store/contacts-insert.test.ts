// insertContacts on each dialect: a request's contacts are written all or none, however many statements
// the batch takes, so a caller that retries a failed request never leaves a first part behind to be
// dialed twice.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { insertContacts } from "../../src/store/contacts-insert.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  describe(`insertContacts [${dialect.name}]`, () => {
    test("a batch that fails in its second statement writes none of its contacts", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        const ids = await createCampaign(store, accountId);
        const specs = Array.from({ length: 700 }, (_, i) => ({
          phones: [`+1202555${String(1000 + i)}`],
          externalId: `job-${i}`,
        }));
        // Row 650 repeats row 10's external id, unique per campaign: the second INSERT fails.
        specs[650].externalId = "job-10";
        await assert.rejects(insertContacts(store.db, { accountId, ...ids, now: 0 }, specs));
        const n = await store.db
          .selectFrom("contacts")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        assert.equal(Number(n.n), 0);
        // Fixed, the same request goes through whole.
        specs[650].externalId = "job-650";
        const written = await insertContacts(store.db, { accountId, ...ids, now: 0 }, specs);
        assert.equal(new Set(written).size, 700);
      } finally {
        await store.close();
      }
    });

    test("new contacts sort as first attempts under the campaign's attempt order, as imports write them", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        for (const [attemptOrder, orderClass] of [
          ["first_attempts", 0],
          ["repeated_attempts", 1],
        ] as const) {
          const ids = await createCampaign(store, accountId, { attemptOrder });
          const [id] = await insertContacts(store.db, { accountId, ...ids, now: 0 }, [
            { phones: ["+12025550100"] },
          ]);
          const row = await store.db
            .selectFrom("contacts")
            .select("order_class")
            .where("id", "=", id)
            .executeTakeFirstOrThrow();
          assert.equal(row.order_class, orderClass, attemptOrder);
        }
      } finally {
        await store.close();
      }
    });
  });
}
