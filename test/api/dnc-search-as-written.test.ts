// GET /v1/dnc?phone= lists the numbers starting with the digits given, on the account's list and on a
// campaign's, whether an entry holds E.164 or the text a number was listed as written under
// phone_policy=flag ("+1 212 055 0100", the text a flagged contact holds and is dialed on): the search
// compares such an entry's digits (dnc_numbers.search_key), not its text, whose digits spaces break up, and
// an E.164 entry's phone (its key is NULL). Written with "+" (or the "00" dialed for it, on either side),
// a number is international; written without, its country is not known, and only a search without "+"
// finds it by its digits. Entries made before the key (migration 030), and those an older node of a
// rolling upgrade adds after it (naming no key), are found as well; the migration writes only the entries
// not written E.164, and its index holds only those.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { CompiledQuery, type Kysely, sql } from "kysely";
import { insertAccount } from "../../src/store/accounts.ts";
import {
  accountList,
  dncListQueries,
  dncSearchKey,
  listDncNumbers,
  storedSearchKey,
} from "../../src/store/dnc.ts";
import { migrateTo, migrateToLatest } from "../../src/store/migrate.ts";
import { dialects } from "../helpers/stores.ts";
import { type ApiFixture, apiFixture, createCampaignViaApi } from "./helpers.ts";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

/** Not valid as written (NANP exchange 055), so listed as written under phone_policy=flag, in id order. */
type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

/** Entries as dncInserts wrote them before migration 030, naming no search key (an older node's). */
async function insertWithoutKey(db: AnyDb, accountId: number, phones: string[]): Promise<void> {
  for (let i = 0; i < phones.length; i += 400) {
    const rows = phones.slice(i, i + 400).map((phone) => ({
      account_id: accountId,
      campaign_id: 0,
      phone,
      source: "api",
      reason: null,
      created_at: NOW,
      expires_at: null,
    }));
    await db.insertInto("dnc_numbers").values(rows).execute();
  }
}

const WRITTEN = {
  plus: "+1 212 055 0100",
  doubleZero: "001 212 055 0101",
  national: "(212) 055-0102",
  noPlus: "1 212 055 0103",
  otherArea: "+1 312 055 0104",
};

test("a search key is the phone's digits, after a + when it is written international", () => {
  assert.equal(dncSearchKey("+12125550100"), "+12125550100");
  assert.equal(dncSearchKey(WRITTEN.plus), "+12120550100");
  assert.equal(dncSearchKey("(+1) 212-055-0100"), "+12120550100");
  assert.equal(dncSearchKey(WRITTEN.doubleZero), "+12120550101");
  assert.equal(dncSearchKey(WRITTEN.national), "2120550102");
  assert.equal(dncSearchKey(WRITTEN.noPlus), "12120550103");
  assert.equal(dncSearchKey("0212 055 0105"), "02120550105");
});

test("an E.164 phone is stored without a key (its own); any other with its key", () => {
  assert.equal(storedSearchKey("+12125550100"), null);
  assert.equal(storedSearchKey(WRITTEN.plus), "+12120550100");
  assert.equal(storedSearchKey(WRITTEN.noPlus), "12120550103");
  assert.equal(storedSearchKey("12120550103"), "12120550103");
  assert.equal(storedSearchKey("+12125550100 "), "+12125550100");
});

test("a search for a prefix walks a range of an index (SQLite, without statistics)", async () => {
  const store = await dialects()[0].open();
  try {
    const accountId = await insertAccount(store.db, "acme", NOW);
    for (const phonePrefix of ["+1212", "1212", "+99"]) {
      for (const afterId of [undefined, 7]) {
        const filter = { phonePrefix, afterId, limit: 101 };
        for (const query of dncListQueries(store.db, accountList(accountId), filter, NOW)) {
          const { sql: text, parameters } = query.compile();
          const { rows } = await store.db.executeQuery<{ detail: string }>(
            CompiledQuery.raw(`EXPLAIN QUERY PLAN ${text}`, [...parameters]),
          );
          const plan = rows.map((row) => row.detail).join("; ");
          assert.match(
            plan,
            /USING INDEX (sqlite_autoindex_dnc_numbers_1|dnc_numbers_search_key) \(account_id=\? AND campaign_id=\? AND (phone|search_key)>\?/,
            `${phonePrefix} after ${afterId}: ${text} ${JSON.stringify(parameters)}: ${plan}`,
          );
        }
      }
    }
  } finally {
    await store.close();
  }
});

for (const dialect of dialects()) {
  describe(`do-not-call search by leading digits, numbers listed as written [${dialect.name}]`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(dialect.open);
    });
    after(() => f.close());
    beforeEach(() => f.store.db.deleteFrom("dnc_numbers").execute());

    const search = async (query: string) => {
      const res = await f.call({ method: "GET", url: `/v1/dnc?limit=100&${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().data as { phone: string }[]).map((e) => e.phone);
    };

    test("+1212 finds the numbers written +1 212 or 001 212; digits alone, those written without +", async () => {
      const res = await f.call({
        method: "POST",
        url: "/v1/dnc",
        payload: {
          numbers: [...Object.values(WRITTEN), "+1 (212) 555-0199", "+212 6 12 34 56 78"],
          phone_policy: "flag",
        },
      });
      assert.deepEqual([res.json().added, res.json().flagged], [7, 5], res.body);
      const e164 = ["+12125550199", "+212612345678"];

      // Written with its + (%2B), or with a + left unencoded, which the query string reads as a space.
      for (const query of ["phone=%2B1212", "phone=+1212"]) {
        assert.deepEqual(await search(query), [WRITTEN.plus, WRITTEN.doubleZero, e164[0]], query);
      }
      assert.deepEqual(await search("phone=%2B121205"), [WRITTEN.plus, WRITTEN.doubleZero]);
      assert.deepEqual(await search("phone=%2B1212555"), ["+12125550199"]);
      // Digits without +: the international numbers as before, and the ones written without a country code.
      assert.deepEqual(await search("phone=1212"), [
        WRITTEN.plus,
        WRITTEN.doubleZero,
        WRITTEN.noPlus,
        e164[0],
      ]);
      assert.deepEqual(await search("phone=212"), [WRITTEN.national, e164[1]]);
      assert.deepEqual(await search("phone=%2B212"), [e164[1]]);
      assert.deepEqual(await search("phone=%2B1"), [
        WRITTEN.plus,
        WRITTEN.doubleZero,
        WRITTEN.otherArea,
        e164[0],
      ]);
      // A whole number matches itself, however it was written.
      assert.deepEqual(await search("phone=%2B12120550101"), [WRITTEN.doubleZero]);
      assert.deepEqual(await search("phone=12120550103"), [WRITTEN.noPlus]);
      assert.deepEqual(await search("phone=%2B12125550199"), [e164[0]]);
      assert.deepEqual(await search("phone=%2B12120550103"), [], "written without +: not taken as +1");
      // All nines: the range's top is open, and still holds no number written without +.
      assert.deepEqual(await search("phone=%2B99"), []);

      // Paged in id order through the matches, whichever of the two readings of 1212 each is found by.
      const pages: string[][] = [];
      for (let after: number | null = 0; after !== null; ) {
        const res = await f.call({ method: "GET", url: `/v1/dnc?limit=2&phone=1212&after_id=${after}` });
        const page = res.json() as { data: { phone: string }[]; next_after_id: number | null };
        pages.push(page.data.map((e) => e.phone));
        after = page.next_after_id;
      }
      assert.deepEqual(pages, [
        [WRITTEN.plus, WRITTEN.doubleZero],
        [WRITTEN.noPlus, e164[0]],
      ]);
    });

    test("?phone=00… reads the 00 as the +, as a listed number's 00 is read", async () => {
      const res = await f.call({
        method: "POST",
        url: "/v1/dnc",
        payload: {
          numbers: [WRITTEN.doubleZero, WRITTEN.plus, WRITTEN.noPlus, "+12125550199"],
          phone_policy: "flag",
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      const international = [WRITTEN.doubleZero, WRITTEN.plus, "+12125550199"];
      assert.deepEqual(await search("phone=001212"), international);
      assert.deepEqual(await search("phone=%2B1212"), international);
      assert.deepEqual(await search("phone=0012120550101"), [WRITTEN.doubleZero]);
    });

    test("an entry an older node adds after the upgrade (naming no search key) is found", async () => {
      // Exactly what dncInserts wrote before migration 030: an older node of a rolling upgrade.
      const old = f.store.db as unknown as AnyDb;
      const olderNodes = ["+12125550123", "+442079460000"];
      await insertWithoutKey(old, f.accountId, olderNodes);
      const res = await f.call({
        method: "POST",
        url: "/v1/dnc",
        payload: { numbers: [WRITTEN.plus, "+12125550199"], phone_policy: "flag" },
      });
      assert.equal(res.statusCode, 200, res.body);
      const all = [olderNodes[0], WRITTEN.plus, "+12125550199"];
      assert.deepEqual(await search("phone=%2B1212"), all);
      assert.deepEqual(await search("phone=1212"), all);
      assert.deepEqual(await search("phone=001212"), all);
      assert.deepEqual(await search("phone=%2B12125550123"), [olderNodes[0]]);
      assert.deepEqual(await search("phone=%2B44"), [olderNodes[1]]);
      // NULL: an E.164 phone is its own key, whichever node wrote it.
      const keys = await f.store.db
        .selectFrom("dnc_numbers")
        .select(["phone", "search_key"])
        .orderBy("id")
        .execute();
      assert.deepEqual(keys, [
        { phone: olderNodes[0], search_key: null },
        { phone: olderNodes[1], search_key: null },
        { phone: WRITTEN.plus, search_key: "+12120550100" },
        { phone: "+12125550199", search_key: null },
      ]);

      // Merged in id order and cut to the page whichever query found each.
      const res2 = await f.call({ method: "GET", url: `/v1/dnc?limit=1&phone=1212` });
      const page = res2.json() as { data: { phone: string }[]; next_after_id: number | null };
      assert.deepEqual(
        page.data.map((e) => e.phone),
        [olderNodes[0]],
      );
      const rest = await f.call({
        method: "GET",
        url: `/v1/dnc?limit=5&phone=1212&after_id=${page.next_after_id}`,
      });
      assert.deepEqual(
        (rest.json().data as { phone: string }[]).map((e) => e.phone),
        all.slice(1),
      );
    });

    test("a campaign's list is searched the same way, apart from the account's", async () => {
      const { id } = await createCampaignViaApi(f, { name: "dnc search" });
      const add = async (numbers: string[], campaignId?: number) => {
        const res = await f.call({
          method: "POST",
          url: "/v1/dnc",
          payload: { numbers, phone_policy: "flag", ...(campaignId ? { campaign_id: campaignId } : {}) },
        });
        assert.equal(res.statusCode, 200, res.body);
      };
      await add([WRITTEN.plus, WRITTEN.national], id);
      await add([WRITTEN.doubleZero]);
      assert.deepEqual(await search(`campaign_id=${id}&phone=%2B1212`), [WRITTEN.plus]);
      assert.deepEqual(await search(`campaign_id=${id}&phone=212`), [WRITTEN.national]);
      assert.deepEqual(await search("phone=%2B1212"), [WRITTEN.doubleZero]);
    });

    test("entries listed before the search key are found after the upgrade; only those not E.164 are written", async () => {
      const store = await dialect.open({ migrate: false });
      try {
        await migrateTo(store.db, "029_node_heartbeat_token", store.schema);
        const accountId = await insertAccount(store.db, "acme", NOW);
        // Written as the code before migration 030 wrote them (no search_key); as written, past one
        // backfill step.
        const old = store.db as unknown as AnyDb;
        const paris = Array.from({ length: 1100 }, (_, i) => `+33 1 40 ${String(i).padStart(4, "0")}`);
        const asWritten = [...paris, ...Object.values(WRITTEN)];
        const phones = [
          ...Array.from({ length: 1200 }, (_, i) => `+44207946${String(i).padStart(4, "0")}`),
          ...asWritten,
        ];
        await insertWithoutKey(old, accountId, phones);
        const e164Ids = (
          await old.selectFrom("dnc_numbers").select("id").where("phone", "like", "+44%").execute()
        ).map((r) => Number(r.id));
        // What the migration writes: PostgreSQL stamps each row version with the transaction that wrote
        // it (xmin); SQLite counts the rows its connection changed.
        const rowVersions = async () =>
          dialect.name === "postgres"
            ? (await store.pool!.query("SELECT id, xmin::text AS xmin FROM dnc_numbers ORDER BY id")).rows
            : null;
        const changed = async () =>
          dialect.name === "sqlite"
            ? Number((await sql<{ n: number }>`SELECT total_changes() AS n`.execute(store.db)).rows[0].n)
            : 0;
        const versionsBefore = await rowVersions();
        const changedBefore = await changed();
        await migrateToLatest(store.db, store.schema);
        const changedByMigration = (await changed()) - changedBefore;

        const among = async (phonePrefix: string) =>
          (await listDncNumbers(store.db, accountList(accountId), { phonePrefix, limit: 2000 }, NOW)).map(
            (r) => r.phone,
          );
        assert.deepEqual(await among("+1212"), [WRITTEN.plus, WRITTEN.doubleZero]);
        assert.deepEqual(await among("1212"), [WRITTEN.plus, WRITTEN.doubleZero, WRITTEN.noPlus]);
        assert.deepEqual(await among("212"), [WRITTEN.national]);
        assert.equal((await among("+44")).length, 1200);
        assert.deepEqual(await among("+442079460119"), ["+442079460119"]);
        assert.deepEqual(await among("+33"), paris);
        assert.deepEqual(await among("3314010"), paris.slice(1000, 1100));
        const keys = await store.db.selectFrom("dnc_numbers").select(["phone", "search_key"]).execute();
        for (const { phone, search_key } of keys) assert.equal(search_key, storedSearchKey(phone), phone);
        for (const phone of asWritten) {
          assert.ok(
            keys.some((k) => k.phone === phone && k.search_key === dncSearchKey(phone)),
            phone,
          );
        }

        // Only the entries written otherwise than E.164 are written, never the E.164 ones (nearly all of a
        // list: an UPDATE of each, under PostgreSQL's ALTER TABLE lock, held every DNC read of the
        // dispatcher for as long); and only they are indexed.
        if (dialect.name === "postgres") {
          const written = new Set(
            (await store.pool!.query("SELECT id FROM dnc_numbers WHERE search_key IS NOT NULL")).rows.map(
              (r) => Number(r.id),
            ),
          );
          const after = new Map(((await rowVersions()) ?? []).map((r) => [Number(r.id), r.xmin as string]));
          for (const { id, xmin } of versionsBefore ?? []) {
            if (!written.has(Number(id))) assert.equal(after.get(Number(id)), xmin, `row ${id} rewritten`);
          }
          assert.equal(written.size, asWritten.length);
          assert.ok(e164Ids.every((id) => !written.has(id)));
        } else {
          // The keys of those written otherwise and the migration's own bookkeeping row: not the E.164 ones.
          assert.ok(
            changedByMigration <= asWritten.length + 2,
            `the migration changed ${changedByMigration} rows`,
          );
        }
        const index =
          dialect.name === "postgres"
            ? (
                await store.pool!.query(
                  "SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
                  [store.schema, "dnc_numbers_search_key"],
                )
              ).rows[0]?.definition
            : (
                await sql<{ definition: string }>`SELECT sql AS definition FROM sqlite_master
                  WHERE type = 'index' AND name = 'dnc_numbers_search_key'`.execute(store.db)
              ).rows[0]?.definition;
        assert.match(String(index), /where \(?"?search_key"? is not null\)?$/i, "a partial index");

        if (dialect.name === "postgres") {
          // A language's collation (glibc en_US) ignores the "+", which mixes "+1212…" with "1212…".
          const column = await store.pool!.query(
            `SELECT collation_name FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = 'dnc_numbers' AND column_name = 'search_key'`,
            [store.schema],
          );
          assert.equal(column.rows[0]?.collation_name, "C");
        }
      } finally {
        await store.close();
      }
    });
  });
}
