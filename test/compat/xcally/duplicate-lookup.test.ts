// The duplicate check of a copy into a queue (dialCheckDuplicateType) reads about the numbers it copies,
// not the queue (scale10 audit): adding one contact to a list linked to a queue of 300,000 read and
// parsed the phones of all 300,000 inside the write transaction, 1.0–1.8 s on SQLite. Here a service on
// a Kysely that counts the contacts rows every statement returns adds one contact to a queue of 300
// /v1 contacts and reads only the row of its number and those of the contacts with several numbers (a
// later number has no index). It still decides as before: a first or later number of a contact that
// counts under the queue's type is a duplicate, in a batch of more than one lookup chunk too.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { xcallyService } from "../../../src/api/compat/xcally/service.ts";
import { type ApiFixture, apiFixture } from "../../api/helpers.ts";
import { dialects } from "../../helpers/stores.ts";

const QUEUE = { type: "outbound", name: "Q", dialActive: false };
const phone = (n: number) => `+1415555${String(n).padStart(4, "0")}`;

/** Counts the rows the statements reading `contacts` return (a select's first FROM table). */
function contactsRowCounter(): KyselyPlugin & { rows: number } {
  const reading = new Set<unknown>();
  const counter = {
    rows: 0,
    transformQuery(a: PluginTransformQueryArgs): RootOperationNode {
      const node = a.node as {
        kind: string;
        from?: { froms: { table?: { identifier?: { name?: string } } }[] };
      };
      if (node.kind === "SelectQueryNode" && node.from?.froms[0]?.table?.identifier?.name === "contacts")
        reading.add(a.queryId);
      return a.node;
    },
    async transformResult(a: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (reading.delete(a.queryId)) counter.rows += a.result.rows.length;
      return a.result;
    },
  };
  return counter;
}

for (const d of dialects()) {
  describe(`Xcally: the duplicate check of a copy looks up the numbers copied (${d.name})`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await apiFixture(() => d.open());
    });
    after(() => f.close());
    const ok = async (method: string, url: string, payload: unknown, status: number) => {
      const res = await f.call({ method: method as "POST", url, payload: payload as object });
      assert.equal(res.statusCode, status, res.body);
      return res.json();
    };
    /** A queue with /v1 contacts of `phones` (each a contact's numbers) and a linked, empty Xcally list. */
    const queueWith = async (settings: object, phones: string[][]) => {
      const q = await ok("POST", "/api/voice/queues", { ...QUEUE, ...settings }, 201);
      const nl = await ok("POST", `/v1/campaigns/${q.id}/lists`, { name: "native" }, 201);
      const contacts = phones.map((p) => ({ phones: p }));
      await ok("POST", `/v1/campaigns/${q.id}/lists/${nl.id}/contacts`, { contacts }, 200);
      const list = await ok("POST", "/api/cm/lists", { name: `crm ${q.id}` }, 201);
      await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] }, 200);
      return { queueId: q.id as number, listId: list.id as number };
    };
    /** The numbers copied into the queue from Xcally lists, sorted. */
    const copied = async (queueId: number) =>
      (
        await f.store.db
          .selectFrom("contacts")
          .select("phone")
          .where("campaign_id", "=", queueId)
          .where("external_id", "like", "xcally:%")
          .execute()
      )
        .map((r) => r.phone)
        .sort();

    test("adding one contact reads its number's rows and the multi-number contacts, not the queue", async () => {
      const singles = Array.from({ length: 300 }, (_, i) => [phone(i)]);
      const multi = [
        [phone(1000), phone(1001)],
        [phone(1002), phone(1003)],
      ];
      const { queueId, listId } = await queueWith({ name: "big" }, [...singles, ...multi]);
      const counter = contactsRowCounter();
      const service = xcallyService({
        store: { ...f.store, db: f.store.db.withPlugin(counter) },
        engine: f.engine,
        clock: f.clock,
      });
      const add = (p: string) =>
        service.insertParsed(f.accountId, listId, [
          { firstName: null, lastName: null, phone: p, custom: {} },
        ]);

      await add(phone(7));
      // Its own number's row (a duplicate here) and the two contacts with several numbers.
      assert.equal(counter.rows, 3, "rows of contacts read to add one contact to a queue of 302");
      counter.rows = 0;
      await add(phone(1003));
      assert.equal(counter.rows, 2, "a later number: only the multi-number contacts are read");
      counter.rows = 0;
      await add(phone(5000));
      assert.equal(counter.rows, 2, "a new number: only the multi-number contacts are read");
      assert.deepEqual(await copied(queueId), [phone(5000)]);
    });

    test("a batch over one lookup chunk skips first and later numbers, and repeats within it", async () => {
      const { queueId, listId } = await queueWith({ name: "batch" }, [
        [phone(10)],
        [phone(3000), phone(610)],
        [phone(1)],
      ]);
      // 700 distinct numbers, two lookup chunks: 10 is a first number, 610 a later one (second chunk).
      const batch = [...Array.from({ length: 700 }, (_, i) => ({ phone: phone(i) })), { phone: phone(5) }];
      await ok("POST", `/api/cm/lists/${listId}/contacts`, batch, 201);
      const numbers = await copied(queueId);
      assert.equal(numbers.length, 697);
      for (const skipped of [phone(1), phone(10), phone(610)])
        assert.ok(!numbers.includes(skipped), `${skipped} is in the queue already`);
      assert.equal(
        numbers.filter((p) => p === phone(5)).length,
        1,
        "a number twice in the batch is copied once",
      );
    });

    test("onlyIfOpen: a later number of a settled contact is no duplicate; of a pending one, it is", async () => {
      const { queueId, listId } = await queueWith({ name: "open", dialCheckDuplicateType: "onlyIfOpen" }, [
        [phone(20), phone(21)],
        [phone(22), phone(23)],
      ]);
      await f.store.db
        .updateTable("contacts")
        .set({ status: "succeeded", ready: 0 })
        .where("campaign_id", "=", queueId)
        .where("phone", "=", phone(20))
        .execute();
      await ok("POST", `/api/cm/lists/${listId}/contacts`, [{ phone: phone(21) }, { phone: phone(23) }], 201);
      assert.deepEqual(await copied(queueId), [phone(21)]);
    });
  });
}
