// countContactsByStatus, which campaign reads and listings show: the same counts as a GROUP BY over the
// campaign's contacts, on each dialect, read from the indexes dispatch keeps instead of every row (on
// SQLite a GROUP BY read all the rows of a 1M-contact campaign, 2–3 s per campaign shown).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CompiledQuery, Kysely, SqliteDialect } from "kysely";
import { countContactsByStatus } from "../../src/store/campaigns.ts";
import type { Database } from "../../src/store/schema.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";

const STATES = [
  { status: "pending", ready: 1 },
  { status: "pending", ready: 0 },
  { status: "pending", ready: 0 },
  { status: "in_progress", ready: 0 },
  { status: "succeeded", ready: 0 },
  { status: "failed", ready: 0 },
  { status: "failed", ready: 0 },
  { status: "cancelled", ready: 0 },
];

for (const dialect of dialects()) {
  describe(`campaign contact counts [${dialect.name}]`, () => {
    test("counts every status of the campaign, and only its contacts", async () => {
      const store = await dialect.open();
      try {
        const accountId = await createAccount(store);
        const ids = await createCampaign(store, accountId);
        const other = await createCampaign(store, accountId);
        const specs = STATES.map((_, i) => ({ phones: [`+1202555${1000 + i}`] }));
        const contactIds = await addContacts(store, { accountId, ...ids }, specs);
        await addContacts(store, { accountId, ...other }, specs);
        for (const [i, s] of STATES.entries()) {
          await store.db
            .updateTable("contacts")
            .set({ ...s, lease_owner: s.status === "in_progress" ? "n" : null })
            .where("id", "=", contactIds[i])
            .execute();
        }
        assert.deepEqual(await countContactsByStatus(store.db, ids.campaignId), {
          pending: 3,
          in_progress: 1,
          succeeded: 1,
          failed: 2,
          cancelled: 1,
        });
        assert.deepEqual(await countContactsByStatus(store.db, other.campaignId), { pending: 8 });
      } finally {
        await store.close();
      }
    });
  });
}

test("on SQLite the counts read no contact rows beyond the in-progress ones", async () => {
  const [sqlite] = dialects();
  const store = await sqlite.open();
  try {
    const accountId = await createAccount(store);
    const { campaignId } = await createCampaign(store, accountId);
    const ran: CompiledQuery[] = [];
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: store.sqlite! }),
      log: (e) => {
        ran.push(e.query);
      },
    });
    await countContactsByStatus(db, campaignId);
    assert.ok(ran.length > 0);
    for (const q of ran) {
      const plan = store
        .sqlite!.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
        .all(...(q.parameters as unknown[])) as { detail: string }[];
      for (const { detail } of plan) {
        if (!/\bcontacts\b/.test(detail)) continue;
        assert.match(detail, /COVERING INDEX|INDEX contacts_leases/, `${detail} in ${q.sql}`);
      }
    }
  } finally {
    await store.close();
  }
});
