// An import whose list (or, for a new list, whose campaign) is deleted while its file streams in. SQLite
// checked the target inside the commit and answered 404 list_not_found / campaign_not_found; PostgreSQL
// let the contacts' (or the new list's) foreign key fail and answered the bare not_found of a foreign key,
// so a client saw two codes for one thing (parity11). Both now answer the same, nothing written.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { importCsv, importCsvIntoNewList } from "../../src/lists/import.ts";
import type { Store } from "../../src/store/db.ts";
import { insertList } from "../../src/store/lists.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";
import { NOW, rejects } from "./helpers.ts";

/** A file whose second half comes once `meanwhile` has run: what lands while the upload is under way. */
function fileWith(meanwhile: () => Promise<unknown>): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from("phone,name\n+12125550100,Ann\n");
      await meanwhile();
      yield Buffer.from("+12125550101,Bob\n");
    })(),
  );
}

for (const dialect of dialects()) {
  describe(`an import whose target is deleted meanwhile [${dialect.name}]`, () => {
    let store: Store;
    let accountId: number;
    before(async () => {
      store = await dialect.open();
      accountId = await createAccount(store, "acme", NOW);
    });
    after(() => store.close());

    const contactsOf = async (campaignId: number) =>
      (await store.db.selectFrom("contacts").select("id").where("campaign_id", "=", campaignId).execute())
        .length;

    test("its list deleted: 404 list_not_found, no contact written", async () => {
      const { campaignId } = await createCampaign(store, accountId, {}, { name: "a", now: NOW });
      const { id: listId } = await insertList(store.db, { accountId, campaignId, name: "l", now: NOW });
      const file = fileWith(() => store.db.deleteFrom("lists").where("id", "=", listId).execute());
      await rejects(importCsv(store, { accountId, campaignId, listId, now: NOW }, file), {
        status: 404,
        code: "list_not_found",
      });
      assert.equal(await contactsOf(campaignId), 0);
    });

    test("a new list's campaign deleted: 404 campaign_not_found, no list made", async () => {
      const { campaignId } = await createCampaign(store, accountId, {}, { name: "b", now: NOW });
      const file = fileWith(() =>
        store.db.transaction().execute(async (trx) => {
          await trx.deleteFrom("lists").where("campaign_id", "=", campaignId).execute();
          await trx.deleteFrom("campaigns").where("id", "=", campaignId).execute();
        }),
      );
      await rejects(
        importCsvIntoNewList(store, { accountId, campaignId, now: NOW, newListName: "people.csv" }, file),
        { status: 404, code: "campaign_not_found" },
      );
      const lists = await store.db
        .selectFrom("lists")
        .select("id")
        .where("campaign_id", "=", campaignId)
        .execute();
      assert.deepEqual(lists, []);
    });
  });
}
