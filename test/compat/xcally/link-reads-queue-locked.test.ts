// Audit xcally11: a link of a list to a queue copied its contacts with the queue's settings as the route
// read them before its transaction, before it waited for the list's lock (list-lock.ts). A PUT changing
// dialOrderByScheduledAt or dialCheckDuplicateType while the link waited was not seen: the copies got the
// old order's priority sign (dialed in the wrong order for good, as a later flip negates them with the
// rest) or duplicates the new mode skips were copied. The copy now reads the queue once it holds the
// campaign's lock. An outside session holds the list's row lock so the link waits there, and the PUT is
// sent once it does: the interleaving is the same every run. PostgreSQL only: on SQLite the store's one
// connection runs one transaction at a time, so nothing can land in between.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload: unknown, status: number) => Promise<any>;

const pgCase = dialects().find((d) => d.name === "postgres");

async function withFixture(fn: (f: Twin24Fixture, ok: Ok) => Promise<void>): Promise<void> {
  const f = await twin24Fixture({ scenario: "all_human", openStore: () => pgCase!.open() });
  const ok: Ok = async (method, url, payload, status) => {
    const r = await f.call({ method: method as "POST", url, payload: payload as object });
    assert.equal(r.statusCode, status, r.body);
    return r.json();
  };
  try {
    await fn(f, ok);
  } finally {
    await f.close();
  }
}

/**
 * Sends `request` while an outside session holds Xcally list `listId`'s row lock, runs `meanwhile` once a
 * session waits on that lock (the link, inside its transaction, its queue read before), then releases it.
 */
async function whileListLocked<T>(
  f: Twin24Fixture,
  listId: number,
  request: () => Promise<T>,
  meanwhile: () => Promise<void>,
): Promise<T> {
  // The store's own schema (one per test store); the outside session is no connection of its pool.
  const { rows: at } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(f.store.db);
  const outside = new pg.Client({ connectionString: process.env.OUTDIAL_TEST_PG_URL });
  await outside.connect();
  try {
    await outside.query("BEGIN");
    await outside.query(`SELECT id FROM "${at[0].schema}".xcally_lists WHERE id = $1 FOR UPDATE`, [listId]);
    const { rows } = await outside.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pending = request();
    for (let i = 0; ; i++) {
      // pg_locks, not pg_stat_activity: the latter is read once per transaction, and `outside` is in one.
      const waiting = await outside.query(
        "SELECT 1 FROM pg_locks WHERE NOT granted AND pg_blocking_pids(pid) && $1::int[]",
        [[rows[0].pid]],
      );
      if (waiting.rowCount) break;
      if (i === 1000) throw new Error("the link never came to wait on the list's lock");
      await new Promise((r) => setTimeout(r, 10));
    }
    await meanwhile();
    await outside.query("COMMIT");
    return await pending;
  } finally {
    await outside.end();
  }
}

describe("xcally: a link copies with the queue's settings as they are once it holds the locks (postgres)", {
  skip: !pgCase,
}, () => {
  /** A queue with list A linked (one contact), and list B (`phones`) not linked yet. */
  async function queueAndLists(ok: Ok, queue: object, phones: string[]) {
    const q = await ok(
      "POST",
      "/api/voice/queues",
      { name: "Q", type: "outbound", dialActive: false, ...queue },
      201,
    );
    const a = await ok("POST", "/api/cm/lists", { name: "A" }, 201);
    await ok("POST", `/api/cm/lists/${a.id}/contacts`, [{ phone: "+14155550100" }], 201);
    await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [a.id] }, 200);
    const b = await ok("POST", "/api/cm/lists", { name: "B" }, 201);
    await ok(
      "POST",
      `/api/cm/lists/${b.id}/contacts`,
      phones.map((phone) => ({ phone })),
      201,
    );
    return { q, b };
  }

  test("an order flipped to ASC while the link waits: its copies get the ASC sign too", () =>
    withFixture(async (f, ok) => {
      const { q, b } = await queueAndLists(ok, {}, ["+14155550101", "+14155550102"]);
      const linked = await whileListLocked(
        f,
        b.id,
        () => f.call({ method: "POST", url: `/api/voice/queues/${q.id}/lists`, payload: { ids: [b.id] } }),
        () => ok("PUT", `/api/voice/queues/${q.id}`, { dialOrderByScheduledAt: "ASC" }, 200),
      );
      assert.equal(linked.statusCode, 200, linked.body);
      const copies = await f.store.db
        .selectFrom("contacts")
        .select(["phone", "priority"])
        .where("campaign_id", "=", q.id)
        .orderBy("id")
        .execute();
      // ASC: a copy's priority is its copy time in seconds, positive; DESC negates it.
      assert.equal(copies.length, 3);
      for (const c of copies) assert.ok(c.priority > 0, `${c.phone}: priority ${c.priority} in an ASC queue`);
    }));

  test('a duplicate check switched to "always" while the link waits: the duplicate is not copied', () =>
    withFixture(async (f, ok) => {
      const { q, b } = await queueAndLists(ok, { dialCheckDuplicateType: "never" }, ["+14155550100"]);
      const linked = await whileListLocked(
        f,
        b.id,
        () => f.call({ method: "POST", url: `/api/voice/queues/${q.id}/lists`, payload: { ids: [b.id] } }),
        () => ok("PUT", `/api/voice/queues/${q.id}`, { dialCheckDuplicateType: "always" }, 200),
      );
      assert.equal(linked.statusCode, 200, linked.body);
      assert.deepEqual([linked.json().contactsAdded, linked.json().duplicatesSkipped], [0, 1]);
      const copies = await f.store.db
        .selectFrom("contacts")
        .select("phone")
        .where("campaign_id", "=", q.id)
        .execute();
      assert.deepEqual(
        copies.map((c) => c.phone),
        ["+14155550100"],
      );
    }));
});
