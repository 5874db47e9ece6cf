// What a results export holds while the campaign changes under it, and Excel's row limit. An export names
// its columns in a first pass and reads the rows later, as the client downloads: a contact added between
// the two was written without the custom field no contact had had (found by an audit, 2026-12-05).
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "csv-parse/sync";
import { openExport, xlsxStream } from "../../src/api/native/export/writers.ts";
import { apiFixture, createCampaignViaApi, insertContacts } from "./helpers.ts";

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

for (const format of ["json", "csv"] as const) {
  test(`${format}: the contacts there when the export began, each with every custom field it has`, async () => {
    const f = await apiFixture();
    try {
      const c = await createCampaignViaApi(f, { name: "midstream" });
      const at = { accountId: f.accountId, campaignId: c.id, listId: c.listId };
      const [first, edited] = await insertContacts(f.store, at, [
        { custom: JSON.stringify({ name: "first" }) },
        { custom: JSON.stringify({ name: "edited" }) },
      ]);
      // The export is open (its columns named); the client has not read a byte yet.
      const stream = await openExport(format, { db: f.store.db, campaignId: c.id, onError: () => {} });
      // Meanwhile an import adds a contact with a field nobody had, and an edit gives one to a contact.
      await insertContacts(f.store, at, [{ custom: JSON.stringify({ name: "late", vip: "gold" }) }]);
      await f.store.db
        .updateTable("contacts")
        .set({ custom: JSON.stringify({ name: "edited", status: "vip", tier: 2 }) })
        .where("id", "=", edited)
        .execute();
      const body = await text(stream);
      if (format === "json") {
        const records = JSON.parse(body) as Record<string, unknown>[];
        assert.deepEqual(
          records.map((r) => r.id),
          [first, edited],
          "the contact added meanwhile is left for the next export",
        );
        // A field given after the first pass is named by the same rule: "status" is a base column.
        assert.equal(records[1].name, "edited");
        assert.equal(records[1]["custom.status"], "vip");
        assert.equal(records[1].tier, 2);
        assert.equal(records[1].status, "pending");
        assert.equal(records[0].tier, undefined, "a record holds only its contact's own fields");
      } else {
        const rows = parse(body, { columns: true }) as Record<string, string>[];
        assert.deepEqual(
          rows.map((r) => Number(r.id)),
          [first, edited],
          "the contact added meanwhile is not written without its field: it is left for the next export",
        );
      }
    } finally {
      await f.close();
    }
  });
}

test("xlsx: a campaign with more contacts than a sheet holds under its header is a 400 naming the limit", async () => {
  const f = await apiFixture();
  try {
    const c = await createCampaignViaApi(f, { name: "huge" });
    const at = { accountId: f.accountId, campaignId: c.id, listId: c.listId };
    await insertContacts(f.store, at, [{}, {}, {}]);
    // A five-row sheet (Excel's is 1,048,576 rows) holds four contacts under its header row.
    const open = () =>
      openExport("xlsx", { db: f.store.db, campaignId: c.id, onError: () => {}, xlsxMaxRows: 5 });
    const sheet = await text(await open());
    assert.ok(sheet.length > 0, "three contacts fit");
    await insertContacts(f.store, at, [{}]);
    await text(await open());
    await insertContacts(f.store, at, [{}]);
    await assert.rejects(open(), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, "too_many_rows");
      assert.equal(err.field, "querystring.format");
      assert.match(err.message, /5 contacts.*at most 4 under its header row: export as csv or json/);
      return true;
    });
    // Through the API the limit is Excel's own, which five contacts are far from.
    const res = await f.call({ method: "GET", url: `/v1/campaigns/${c.id}/export?format=xlsx` });
    assert.equal(res.statusCode, 200, "five contacts are nothing to Excel");
  } finally {
    await f.close();
  }
});

test("xlsx: a stream that reaches the sheet's last row fails rather than write a file Excel calls damaged", async () => {
  async function* rows(n: number) {
    for (let i = 0; i < n; i++) yield [i, `row ${i}`];
  }
  const read = (n: number) => {
    let failure: unknown = null;
    const out = xlsxStream(
      "s",
      ["id", "name"],
      rows(n),
      (err) => {
        failure = err;
      },
      5,
    );
    return text(out).then(
      () => failure,
      (err: unknown) => failure ?? err,
    );
  };
  assert.equal(await read(4), null, "four rows under the header fit a five-row sheet");
  const failure = await read(5);
  assert.ok(failure instanceof Error, "a fifth row under the header does not");
  assert.match(failure.message, /at most 5 rows/);
});
