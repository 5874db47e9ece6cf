// The reads whose cost grew with a campaign, read from the query plans (never timed), on each dialect. A
// page of a campaign's contacts (the API's list, every page of an export) walks contacts_campaign
// (campaign_id, id): before it, SQLite sorted all the campaign's contacts for each page (an export of
// 100,000 contacts spent 7.3 s in SQL) and PostgreSQL read a big campaign's rows to page a later one.
// Voximplant's StartNextCallTask takes one held task through the partial index contacts_manual_held:
// before, it read every held task of the list into Node (300,000: ~650 ms with the event loop held). Both
// lists are written by the real import (its SQLite index rebuild included), so the indexes are shown to
// survive one; and the released tasks are checked to be the right ones.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CompiledQuery, Kysely, KyselyPlugin, QueryId, RootOperationNode } from "kysely";
import { MANUAL_HOLD_AT } from "../../src/api/compat/voximplant/lists.ts";
import {
  queryContacts,
  readContactResultsPage,
  readCustomFieldsPage,
} from "../../src/store/contacts-query.ts";
import type { Store } from "../../src/store/db.ts";
import type { Database } from "../../src/store/schema.ts";
import { listFields, type VoxFixture, voxFixture } from "../compat/voximplant/helpers.ts";
import { dialects } from "../helpers/stores.ts";

/** Tasks of the big manual list: at least the SQLite import's threshold for rebuilding its indexes. */
const BIG = 20_000;
/** Tasks of the list created after it. */
const SMALL = 300;

/** Every statement run through the returned Kysely, compiled as it was sent. */
function recording(db: Kysely<Database>): { db: Kysely<Database>; take(): CompiledQuery[] } {
  let seen: { node: RootOperationNode; queryId: QueryId }[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      seen.push(args);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return {
    db: db.withPlugin(plugin),
    take() {
      const out = seen.map(({ node, queryId }) => db.getExecutor().compileQuery(node, queryId));
      seen = [];
      return out;
    },
  };
}

function sqlitePlan(store: Store, q: CompiledQuery): string {
  const rows = store.sqlite!.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.parameters) as {
    detail: string;
  }[];
  return rows.map((r) => r.detail).join(" | ");
}

interface PgNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PgNode[];
}

/** PostgreSQL's executed plan, one line a node, and the contacts rows its scans read (kept or filtered). */
async function pgPlan(store: Store, q: CompiledQuery): Promise<{ lines: string[]; contactsRead: number }> {
  const res = await store.pool!.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.parameters as unknown[]);
  const lines: string[] = [];
  let contactsRead = 0;
  const walk = (n: PgNode) => {
    const read = (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0)) * n["Actual Loops"];
    if (n["Relation Name"] === "contacts") contactsRead += read;
    lines.push(`${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""} (read ${read})`);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(res.rows[0]["QUERY PLAN"][0].Plan);
  return { lines, contactsRead };
}

function csvOf(phones: string[]): string {
  return `phone;n\n${phones.map((p, i) => `${p};${i + 1}`).join("\n")}\n`;
}

for (const d of dialects()) {
  describe(`reads of a big campaign use their indexes [${d.name}]`, () => {
    let f: VoxFixture;
    let rec: ReturnType<typeof recording>;
    let big: { listId: number; contactIds: number[] };
    let small: { listId: number; contactIds: number[] };

    /** A manual call list made by CreateManualCallList, and its contacts' ids in order. */
    const manualList = async (name: string, phones: string[]) => {
      const out = await f.vox("CreateManualCallList", listFields({ name, file_content: csvOf(phones) }));
      assert.equal(out.count, phones.length, JSON.stringify(out));
      const rows = await f.store.db
        .selectFrom("contacts")
        .select("id")
        .where("campaign_id", "=", out.list_id)
        .orderBy("id")
        .execute();
      return { listId: out.list_id as number, contactIds: rows.map((r) => Number(r.id)) };
    };

    before(async () => {
      f = await voxFixture({
        scenario: "all_human",
        store: async () => {
          const store = await d.open();
          rec = recording(store.db);
          store.db = rec.db;
          return store;
        },
      });
      const numbers = (area: string, n: number) =>
        Array.from({ length: n }, (_, i) => `+1${area}${2_000_001 + i}`);
      big = await manualList("big", numbers("212", BIG));
      small = await manualList("small", numbers("646", SMALL));
      if (d.name === "postgres") await f.store.pool!.query("ANALYZE contacts");
    });
    after(() => f?.close());

    const pages: [string, (c: { listId: number; contactIds: number[] }) => Promise<unknown>][] = [
      ["first page", (c) => queryContacts(rec.db, c.listId, {}, { limit: 100 })],
      [
        "page after a cursor",
        (c) => queryContacts(rec.db, c.listId, {}, { afterId: c.contactIds[150], limit: 100 }),
      ],
      ["page of a status", (c) => queryContacts(rec.db, c.listId, { statuses: ["pending"] }, { limit: 100 })],
      [
        "page of unflagged contacts",
        (c) => queryContacts(rec.db, c.listId, { flagged: false }, { limit: 100 }),
      ],
      ["export: custom fields", (c) => readCustomFieldsPage(rec.db, c.listId, c.contactIds[10], 100)],
      ["export: results", (c) => readContactResultsPage(rec.db, c.listId, c.contactIds[10], 100)],
    ];
    for (const [name, read] of pages) {
      test(`${name}: reads a page, not the campaign`, async () => {
        rec.take();
        if (d.name === "sqlite") {
          await read(big);
          const [q] = rec.take();
          const plan = sqlitePlan(f.store, q);
          assert.match(
            plan,
            /SEARCH c(ontacts)? USING (COVERING )?INDEX contacts_campaign \(campaign_id=\?/,
            plan,
          );
          assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, plan);
        } else {
          // The campaign made after the big one: the primary key walk read the big one's rows first.
          await read(small);
          const [q] = rec.take();
          const { lines, contactsRead } = await pgPlan(f.store, q);
          assert.ok(contactsRead <= SMALL, `read ${contactsRead} contacts:\n${lines.join("\n")}`);
        }
      });
    }

    test("StartNextCallTask reads one held task and releases the list's tasks in order", async () => {
      rec.take();
      assert.deepEqual(await f.vox("StartNextCallTask", { list_id: big.listId }), {
        result: 1,
        list_id: big.listId,
      });
      const lookUp = rec.take().find((q) => /^select .* order by "priority", "id"/.test(q.sql));
      assert.ok(lookUp, "the held task look-up");
      assert.match(lookUp.sql, / limit (\?|\$\d+)$/);
      assert.equal(lookUp.parameters.at(-1), 1);
      if (d.name === "sqlite") {
        const plan = sqlitePlan(f.store, lookUp);
        assert.match(plan, /SEARCH contacts USING INDEX contacts_manual_held \(list_id=\?\)/, plan);
        assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
      } else {
        const { lines, contactsRead } = await pgPlan(f.store, lookUp);
        assert.match(lines[0], /^Limit/, lines.join("\n"));
        assert.ok(
          lines.some((l) => l.startsWith("Index Scan using contacts_manual_held")),
          lines.join("\n"),
        );
        assert.ok(contactsRead <= 2, `read ${contactsRead} contacts:\n${lines.join("\n")}`);
      }
      assert.deepEqual(await f.vox("StartNextCallTask", { list_id: big.listId }), {
        result: 1,
        list_id: big.listId,
      });
      const released = await f.store.db
        .selectFrom("contacts")
        .select("id")
        .where("campaign_id", "=", big.listId)
        .where("start_at", "<", MANUAL_HOLD_AT)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        released.map((r) => Number(r.id)),
        big.contactIds.slice(0, 2),
      );
    });
  });
}
