// An import into a list made for it (importCsvIntoNewList, `outdial import` without --list): the list is
// made by the transaction that commits the contacts, so nobody sees it before they are there, and an
// import that fails, or whose process is killed while the file streams in (where no cleanup of its own
// runs), leaves no list behind; a file that stages no row makes none. The CLI used to insert the list in
// a statement of its own before reading the file and delete it from JavaScript on failure: every killed
// import left an empty list named after its file for good (import10).
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { importCsvIntoNewList } from "../../src/lists/import.ts";
import type { Store } from "../../src/store/db.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";
import { NOW, rejects } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`an import into a new list [${dialect.name}]`, () => {
    let store: Store;
    let accountId: number;
    before(async () => {
      store = await dialect.open();
      accountId = await createAccount(store, "acme", NOW);
    });
    after(() => store.close());

    const campaign = async () =>
      (await createCampaign(store, accountId, {}, { name: "c", now: NOW })).campaignId;
    const request = (campaignId: number) => ({ accountId, campaignId, now: NOW, newListName: "people.csv" });
    const lists = async (campaignId: number) =>
      (
        await store.db
          .selectFrom("lists")
          .select(["id", "name", "created_at"])
          .where("campaign_id", "=", campaignId)
          .orderBy("id")
          .execute()
      ).map((l) => ({ ...l, id: Number(l.id), created_at: Number(l.created_at) }));
    const contacts = async (campaignId: number) =>
      (
        await store.db
          .selectFrom("contacts")
          .select(["list_id", "phone"])
          .where("campaign_id", "=", campaignId)
          .orderBy("id")
          .execute()
      ).map((c) => [Number(c.list_id), c.phone]);

    test("the list appears with its contacts, not before: none while the file streams in", async () => {
      const campaignId = await campaign();
      const [own] = await lists(campaignId);
      const source = new PassThrough();
      const done = importCsvIntoNewList(store, request(campaignId), source);
      source.write("phone,name\n+12125550100,Ann\n");
      // The first rows are taken while the rest of the file has yet to come.
      while (source.readableLength > 0) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await lists(campaignId), [own], "a list is there before the import has committed");
      source.end("+12125550101,Bob\n");
      const { listId, report } = await done;
      assert.equal(report.inserted, 2);
      assert.deepEqual(await lists(campaignId), [own, { id: listId, name: "people.csv", created_at: NOW }]);
      assert.deepEqual(await contacts(campaignId), [
        [listId, "+12125550100"],
        [listId, "+12125550101"],
      ]);
    });

    test("a failed import leaves no list; a file that stages no row makes none", async () => {
      const campaignId = await campaign();
      const [own] = await lists(campaignId);
      const malformed = Readable.from([Buffer.from('phone\n+12125550100\n+12125550101"x\n')]);
      await rejects(importCsvIntoNewList(store, request(campaignId), malformed), { code: "malformed_csv" });
      const invalid = Readable.from([Buffer.from("phone\nnot a phone\n")]);
      const { listId, report } = await importCsvIntoNewList(store, request(campaignId), invalid);
      assert.deepEqual([listId, report.rows, report.inserted], [null, 1, 0]);
      const headerOnly = await importCsvIntoNewList(
        store,
        request(campaignId),
        Readable.from([Buffer.from("phone\n")]),
      );
      assert.equal(headerOnly.listId, null);
      assert.deepEqual(await lists(campaignId), [own]);
      assert.deepEqual(await contacts(campaignId), []);
    });

    test("rows that all repeat stored contacts still make the list: the import succeeded", async () => {
      const campaignId = await campaign();
      const csv = () => Readable.from([Buffer.from("phone\n+12125550100\n")]);
      const first = await importCsvIntoNewList(store, request(campaignId), csv());
      const again = await importCsvIntoNewList(store, request(campaignId), csv());
      assert.equal(again.report.inserted, 0);
      assert.equal(again.report.errors[0]?.code, "duplicate_phone");
      assert.notEqual(again.listId, null);
      assert.deepEqual(
        (await lists(campaignId)).slice(1).map((l) => l.id),
        [first.listId, again.listId],
      );
    });
  });
}
