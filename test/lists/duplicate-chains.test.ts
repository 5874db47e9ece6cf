// Rows set aside at commit for repeating an earlier row's external_id or phone: the earlier row must be one
// that is kept. A row set aside for its phone claimed its external_id all the same, and a later row with
// that id and a new number was skipped though no row with the id was stored (import6). Checked against a
// walk in file order over random files, some into campaigns holding contacts already.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Store } from "../../src/store/db.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { dialects } from "../helpers/stores.ts";
import { type Fixture, NOW, run } from "./helpers.ts";

const PHONES = ["+13125550100", "+13125550101", "+13125550102", "+13125550103", "bad"];
const IDS = ["", "", "A", "B", "C"];

for (const dialect of dialects()) {
  describe(`duplicates set aside in chains [${dialect.name}]`, () => {
    let store: Store;
    let accountId: number;
    before(async () => {
      store = await dialect.open();
      accountId = await createAccount(store, "acme", NOW);
    });
    after(() => store.close());

    const campaign = async (): Promise<Fixture> => ({
      store,
      accountId,
      ...(await createCampaign(store, accountId, {}, { name: "c", now: NOW })),
    });
    const stored = async (f: Fixture) =>
      (
        await store.db
          .selectFrom("contacts")
          .select(["phone", "external_id"])
          .where("campaign_id", "=", f.campaignId)
          .orderBy("id")
          .execute()
      ).map((c) => `${c.phone}|${c.external_id ?? ""}`);
    const csv = (rows: string[][]) => `phone,id\n${rows.map((r) => r.join(",")).join("\n")}\n`;

    test("a row set aside for its phone claims no external_id", async () => {
      const f = await campaign();
      const report = await run(
        f,
        csv([
          [PHONES[0], "A"],
          [PHONES[0], "W"],
          [PHONES[1], "W"],
        ]),
      );
      assert.deepEqual(await stored(f), [`${PHONES[0]}|A`, `${PHONES[1]}|W`], JSON.stringify(report.errors));
      assert.deepEqual([report.inserted, report.skipped], [2, 1]);
      assert.deepEqual(
        report.errors.map((e) => [e.row, e.code]),
        [[2, "duplicate_phone"]],
      );
    });

    test("a chain through a whole file: every other row kept (review32)", async () => {
      // (id1,p1) (id2,p1) (id2,p2) (id3,p2) …: each row repeats the one before it. Settled a link per round of
      // set-based statements, 20,000 rows took some 10,000 rounds over the stage (minutes); walked, one pass.
      const f = await campaign();
      const n = 20_000;
      const phone = (i: number) => `+1312${String(5_000_000 + Math.ceil(i / 2))}`;
      const rows = Array.from({ length: n }, (_, k) => [phone(k + 1), `id${Math.floor((k + 1) / 2) + 1}`]);
      const report = await run(f, csv(rows));
      assert.deepEqual([report.inserted, report.skipped], [n / 2, n / 2]);
      const kept = await stored(f);
      assert.equal(kept[0], `${phone(1)}|id1`);
      assert.equal(kept.at(-1), `${phone(n - 1)}|id${n / 2}`);
    });

    test("random files: kept exactly as a walk in file order keeps them", async () => {
      let seed = 11;
      const pick = <T>(of: T[]) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return of[seed % of.length];
      };
      const count = (n: number) => Array.from({ length: n }, (_, i) => i);
      for (const round of count(dialect.name === "sqlite" ? 200 : 60)) {
        const f = await campaign();
        // Contacts already there, as a first import keeps them.
        const first = count(pick([0, 1, 2])).map(() => [pick(PHONES.slice(0, 4)), pick(IDS)]);
        if (first.length) await run(f, csv(first));
        const before = await stored(f);
        const phones = new Set(before.map((c) => c.split("|")[0]));
        const ids = new Set(before.map((c) => c.split("|")[1]).filter(Boolean));
        const rows = count(2 + pick([0, 1, 2, 3, 4])).map(() => [pick(PHONES), pick(IDS)]);
        const expected: string[] = [];
        for (const [phone, id] of rows) {
          if (phone === "bad" || (id && ids.has(id)) || phones.has(phone)) continue;
          phones.add(phone);
          if (id) ids.add(id);
          expected.push(`${phone}|${id}`);
        }
        const report = await run(f, csv(rows));
        const added = (await stored(f)).slice(before.length);
        const what = `round ${round}: ${JSON.stringify(first)} then ${JSON.stringify(rows)}`;
        assert.deepEqual(added, expected, what);
        assert.equal(report.inserted, added.length, what);
        assert.equal(report.rows, report.inserted + report.skipped, what);
      }
    });
  });
}
