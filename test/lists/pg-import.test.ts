// The PostgreSQL writer (COPY inside one transaction), run when OUTDIAL_TEST_PG_URL names a server:
// each run gets its own schema. Skipped otherwise.
import assert from "node:assert/strict";
import { test } from "node:test";
import { importCallListFile } from "../../src/api/compat/voximplant/csv.ts";
import { VOX, VoxError } from "../../src/api/compat/voximplant/errors.ts";
import { addContacts, ImportError, importCsv } from "../../src/lists/import.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { createAccount, createCampaign } from "../helpers/fixtures.ts";
import { pgRequired } from "../helpers/stores.ts";
import { NOW, streamOf } from "./helpers.ts";

const url = process.env.OUTDIAL_TEST_PG_URL;
if (!url && pgRequired())
  throw new Error(
    "PostgreSQL is required here (CI or OUTDIAL_REQUIRE_PG=1) but OUTDIAL_TEST_PG_URL is not set",
  );
const skip = url ? false : "set OUTDIAL_TEST_PG_URL to run the PostgreSQL import tests";

async function pgFixture(extra: { importConnections?: number } = {}): Promise<{
  store: Store;
  target: { accountId: number; campaignId: number; listId: number; now: number };
}> {
  const schema = `lists_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const store = await openStore({ url: url as string, pgSchema: schema, poolSize: 4, ...extra });
  const accountId = await createAccount(store, "a", NOW);
  const { campaignId, listId } = await createCampaign(store, accountId, {}, { name: "c", now: NOW });
  const close = store.close;
  store.close = async () => {
    await store.pool?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await close();
  };
  return {
    store,
    target: {
      accountId,
      campaignId,
      listId,
      now: NOW,
    },
  };
}

async function count(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("contacts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

test("PostgreSQL: a CSV import is copied in one transaction, exactly as on SQLite", { skip }, async () => {
  const { store, target } = await pgFixture();
  try {
    const csv =
      'phone,id,tz,note\n+79161234567,a1,+03:00,"tab\there, back\\\\slash"\n8 916 123-45-68,a2,,x\nbad,a3,,y\n';
    const report = await importCsv(store, { ...target, defaultCountry: "RU" }, streamOf(csv));
    assert.deepEqual([report.rows, report.inserted, report.skipped], [3, 2, 1]);
    const rows = await store.db.selectFrom("contacts").selectAll().orderBy("id").execute();
    assert.deepEqual(
      rows.map((r) => [
        r.phone,
        r.external_id,
        r.time_zone,
        JSON.parse(r.custom).note,
        r.status,
        Number(r.next_attempt_at),
      ]),
      [
        ["+79161234567", "a1", "UTC+03:00", "tab\there, back\\\\slash", "pending", NOW],
        ["+79161234568", "a2", null, "x", "pending", NOW],
      ],
    );
    // Duplicates against stored contacts, and a rejected import that leaves nothing behind.
    const again = await importCsv(
      store,
      target,
      streamOf("phone,id\n+79161234567,b1\n+79161234569,a1\n+79161234560,b2\n"),
    );
    assert.deepEqual(
      again.errors.map((e) => [e.row, e.code]),
      [
        [1, "duplicate_phone"],
        [2, "duplicate_external_id"],
      ],
    );
    await assert.rejects(
      importCsv(store, { ...target, phonePolicy: "reject" }, streamOf("phone\n+79161234561\nnope\n")),
      (err: unknown) => err instanceof ImportError && err.row === 2,
    );
    assert.equal(await count(store), 3);
    const json = await addContacts(store, target, [{ phone: "+12125550123", custom: { a: "b" } }]);
    assert.equal(json.inserted, 1);
    assert.equal(await count(store), 4);
  } finally {
    await store.close();
  }
});

test("PostgreSQL: a 60,000-row import through the worker", { skip }, async () => {
  const { store, target } = await pgFixture();
  try {
    const lines = Array.from({ length: 60_000 }, (_, i) => `+7916${String(1_000_000 + i)},n${i}`);
    const report = await importCsv(store, target, streamOf(`phone,name\n${lines.join("\n")}\n`, 65536));
    assert.equal(report.inserted, 60_000);
    assert.equal(await count(store), 60_000);
  } finally {
    await store.close();
  }
});

test("PostgreSQL: due contacts are ready in the dial queue, later ones wait for start_at", {
  skip,
}, async () => {
  const { store, target } = await pgFixture();
  try {
    const s = NOW / 1000;
    const csv = `phone,start_at\n+79161234567,\n+79161234568,${s - 60}\n+79161234569,${s + 3600}\n`;
    await importCsv(store, target, streamOf(csv));
    await addContacts(store, target, [
      { phone: "+79161234570" },
      { phone: "+79161234571", start_at: NOW + 60_000 },
    ]);
    const rows = await store.db.selectFrom("contacts").selectAll().orderBy("id").execute();
    assert.deepEqual(
      rows.map((r) => [r.phone, r.ready, r.wait_reason, Number(r.next_attempt_at)]),
      [
        ["+79161234567", 1, null, NOW],
        ["+79161234568", 1, null, NOW],
        ["+79161234569", 0, "start_at", NOW + 3_600_000],
        ["+79161234570", 1, null, NOW],
        ["+79161234571", 0, "start_at", NOW + 60_000],
      ],
    );
  } finally {
    await store.close();
  }
});

test("PostgreSQL: values past the index entry or integer limits are invalid rows, not a failed import", {
  skip,
}, async () => {
  const { store, target } = await pgFixture();
  try {
    // 1,000 CJK characters: within the field length, 3,000 bytes, over a B-tree entry's 2,704.
    const wide = Array.from({ length: 1000 }, (_, i) =>
      String.fromCharCode(0x4e00 + ((i * 7919) % 20000)),
    ).join("");
    const csv = `phone,external_id,priority\n+12125550101,ok,2147483647\n+12125550102,${wide},\n+12125550103,,2147483648\n`;
    const report = await importCsv(store, target, streamOf(csv));
    assert.deepEqual(
      [report.inserted, report.errors.map((e) => [e.row, e.code])],
      [
        1,
        [
          [2, "invalid_external_id"],
          [3, "invalid_priority"],
        ],
      ],
    );
    const json = await addContacts(store, { ...target, phonePolicy: "flag" }, [
      { phone: "+12125550104", priority: -2147483648 },
      { phone: wide },
      { phone: "+12125550105", external_id: wide },
      { phone: "+12125550106", priority: -2147483649 },
    ]);
    assert.deepEqual(
      [json.inserted, json.errors.map((e) => [e.row, e.code])],
      [
        1,
        [
          [2, "invalid_phone"],
          [3, "invalid_external_id"],
          [4, "invalid_priority"],
        ],
      ],
    );
    assert.equal(await count(store), 2);
  } finally {
    await store.close();
  }
});

test("PostgreSQL: a row set aside for its external_id does not hold its phone against later rows", {
  skip,
}, async () => {
  const { store, target } = await pgFixture();
  try {
    await importCsv(store, target, streamOf("phone,external_id\n+12125550199,X\n"));
    const csv =
      "phone,external_id\n+12125550101,X\n+12125550101,\n+12125550102,A\n+12125550102,A\n+12125550102,\n";
    const report = await importCsv(store, target, streamOf(csv));
    assert.deepEqual(
      [report.inserted, report.skipped, report.errors.map((e) => [e.row, e.code])],
      [
        2,
        3,
        [
          [1, "duplicate_external_id"],
          [4, "duplicate_external_id"],
          [5, "duplicate_phone"],
        ],
      ],
    );
    assert.deepEqual(await phonesAndIds(store), [
      ["+12125550199", "X"],
      ["+12125550101", null],
      ["+12125550102", "A"],
    ]);
  } finally {
    await store.close();
  }
});

test("PostgreSQL: imports hold connections of their own; one over the limit is a 429, and the store goes on", {
  skip,
}, async () => {
  const { store, target } = await pgFixture({ importConnections: 1 });
  const second = await createCampaign(store, target.accountId, {}, { name: "c2", now: NOW });
  try {
    // An upload that stays open (a slow client) holds the one import connection of this store.
    const { PassThrough } = await import("node:stream");
    const slow = new PassThrough();
    slow.write("phone\n+79161234567\n");
    const first = importCsv(store, { ...target, defaultCountry: "RU" }, slow);
    while ((store.importPool?.totalCount ?? 0) === 0) await new Promise((r) => setTimeout(r, 10));
    await assert.rejects(
      importCsv(store, { ...target, ...second, defaultCountry: "RU" }, streamOf("phone\n+79161234568\n")),
      (err: unknown) => err instanceof ImportError && err.status === 429 && err.code === "too_many_imports",
    );
    // The connections the dispatcher and the API use are all still there.
    const busy = await Promise.all([1, 2, 3, 4].map(() => count(store)));
    assert.deepEqual(busy, [0, 0, 0, 0]);
    slow.end();
    assert.equal((await first).inserted, 1);
  } finally {
    await store.close();
  }
});

test("PostgreSQL: the Voximplant face answers a busy node as a transient error, not as a fault of the file", {
  skip,
}, async () => {
  const { store, target } = await pgFixture({ importConnections: 1 });
  const held = await (store.importPool as NonNullable<typeof store.importPool>).connect(); // another upload
  try {
    const err = await importCallListFile(
      store,
      target,
      { content: Buffer.from("phone_number\n+12025550101\n") },
      1_000_000,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof VoxError);
    assert.equal(err.code, VOX.INTERNAL, err.message);
    assert.match(err.message, /send the request again/);
  } finally {
    held.release();
    await store.close();
  }
});

test("PostgreSQL: a row set aside for its stored phone claims no external_id: the next row with it is stored", {
  skip,
}, async () => {
  const { store, target } = await pgFixture();
  try {
    await importCsv(store, target, streamOf("phone\n+12125550100\n"));
    const report = await importCsv(
      store,
      target,
      streamOf("phone,external_id\n+12125550100,W\n+12125550101,W\n+12125550102,W\n"),
    );
    assert.deepEqual(
      [report.inserted, report.errors.map((e) => [e.row, e.code])],
      [
        1,
        [
          [1, "duplicate_phone"],
          [3, "duplicate_external_id"],
        ],
      ],
    );
    assert.deepEqual(await phonesAndIds(store), [
      ["+12125550100", null],
      ["+12125550101", "W"],
    ]);
  } finally {
    await store.close();
  }
});

async function phonesAndIds(store: Store): Promise<[string, string | null][]> {
  const rows = await store.db.selectFrom("contacts").select(["phone", "external_id"]).orderBy("id").execute();
  return rows.map((r) => [r.phone, r.external_id]);
}
