// Audit xcally9: one Xcally list's writers take turns (list-lock.ts). On PostgreSQL a link of a list to a
// queue and an add to that list each wrote their own row and then read the other's table, so neither saw
// the other (the added contact never reached the queue); a delete read no link while a link was being
// copied, and the deleted list's contact was dialed. An outside session holds the queue's contacts lock
// (store/contacts-insert.ts) so that the link waits inside its transaction, and the second request is
// sent once the link waits there: the interleaving is the same every run. The same upload imported twice
// at once added every row twice, duplicates: ["phone"] notwithstanding; now the second finds it gone (404).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { contactsLockKey } from "../../../src/store/contacts-insert.ts";
import { dialects } from "../../helpers/stores.ts";
import { type Twin24Fixture, twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the route answered
type Ok = (method: string, url: string, payload: unknown, status: number) => Promise<any>;

async function withFixture(
  open: () => ReturnType<ReturnType<typeof dialects>[number]["open"]>,
  fn: (f: Twin24Fixture, ok: Ok) => Promise<void>,
): Promise<void> {
  const f = await twin24Fixture({ scenario: "all_human", openStore: open });
  const ok: Ok = async (method, url, payload, status) => {
    const r = await f.call({ method: method as "POST", url, payload: payload as object });
    assert.equal(r.statusCode, status, r.body);
    return r.statusCode === 204 ? null : r.json();
  };
  try {
    await fn(f, ok);
  } finally {
    await f.close();
  }
}

/** The sessions waiting on a lock one of `pids` holds. */
async function waitingOn(outside: pg.Client, pids: number[]): Promise<number[]> {
  const { rows } = await outside.query<{ pid: number }>(
    // pg_locks, not pg_stat_activity: the latter is read once per transaction, and `outside` is in one.
    "SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pg_blocking_pids(pid) && $1::int[]",
    [pids],
  );
  return rows.map((r) => r.pid);
}

/** Polls until a session waits on one of `pids`' locks (its pids), or `request` has answered ([]). */
async function untilWaitingOn(
  outside: pg.Client,
  pids: number[],
  request: Promise<unknown>,
): Promise<number[]> {
  let answered = false;
  void request.finally(() => {
    answered = true;
  });
  for (let i = 0; i < 1000; i++) {
    const waiting = await waitingOn(outside, pids);
    if (waiting.length > 0) return waiting;
    if (answered) return [];
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no session came to wait on ${pids}`);
}

/** Runs `fn` while an outside session holds campaign `id`'s contacts lock; `fn` gets that session and its
 *  pid, and `release` to commit it. */
async function holdingContactsLock(
  id: number,
  fn: (outside: pg.Client, pid: number, release: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const outside = new pg.Client({ connectionString: process.env.OUTDIAL_TEST_PG_URL });
  await outside.connect();
  try {
    await outside.query("BEGIN");
    await outside.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [contactsLockKey(id)]);
    const { rows } = await outside.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    await fn(outside, rows[0].pid, async () => {
      await outside.query("COMMIT");
    });
  } finally {
    await outside.end();
  }
}

const pgCase = dialects().find((d) => d.name === "postgres");

describe("xcally: a list's link, adds and delete take turns (postgres)", { skip: !pgCase }, () => {
  const open = () => pgCase!.open();

  test("a contact added while its list is being linked reaches the queue", () =>
    withFixture(open, async (f, ok) => {
      const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+12125550123" }], 201);
      const q = await ok(
        "POST",
        "/api/voice/queues",
        { name: "Q", type: "outbound", dialActive: false },
        201,
      );
      await holdingContactsLock(q.id, async (outside, pid, release) => {
        const linking = f.call({
          method: "POST",
          url: `/api/voice/queues/${q.id}/lists`,
          payload: { ids: [list.id] },
        });
        const [linker] = await untilWaitingOn(outside, [pid], linking);
        assert.ok(linker, "the link waits on the queue's contacts lock, its link row written");
        const adding = f.call({
          method: "POST",
          url: `/api/cm/lists/${list.id}/contacts`,
          payload: [{ phone: "+12125550124" }],
        });
        // The add waits for the link's list lock (or, as before the fix, commits at once).
        await untilWaitingOn(outside, [linker], adding);
        await release();
        const [linked, added] = await Promise.all([linking, adding]);
        assert.equal(linked.statusCode, 200, linked.body);
        assert.equal(added.statusCode, 201, added.body);
      });
      assert.equal((await ok("GET", `/api/cm/contacts?ListId=${list.id}`, undefined, 200)).count, 2);
      const copies = await f.store.db
        .selectFrom("contacts")
        .select("phone")
        .where("campaign_id", "=", q.id)
        .orderBy("id")
        .execute();
      assert.deepEqual(
        copies.map((c) => c.phone),
        ["+12125550123", "+12125550124"],
      );
    }));

  test("a list deleted while it is being linked: none of its contacts is dialed", () =>
    withFixture(open, async (f, ok) => {
      const list = await ok("POST", "/api/cm/lists", { name: "wrong list" }, 201);
      await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+12125550123" }], 201);
      const q = await ok(
        "POST",
        "/api/voice/queues",
        { name: "Q", type: "outbound", dialActive: false },
        201,
      );
      await holdingContactsLock(q.id, async (outside, pid, release) => {
        const linking = f.call({
          method: "POST",
          url: `/api/voice/queues/${q.id}/lists`,
          payload: { ids: [list.id] },
        });
        const [linker] = await untilWaitingOn(outside, [pid], linking);
        assert.ok(linker);
        const deleting = f.call({ method: "DELETE", url: `/api/cm/lists/${list.id}` });
        await untilWaitingOn(outside, [linker], deleting);
        await release();
        const [linked, deleted] = await Promise.all([linking, deleting]);
        assert.equal(linked.statusCode, 200, linked.body);
        assert.equal(deleted.statusCode, 204, deleted.body);
      });
      await ok("GET", `/api/cm/lists/${list.id}`, undefined, 404);
      await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: true }, 200);
      await f.run(10 * MINUTE);
      const called = await f.store.db
        .selectFrom("attempts")
        .select("phone")
        .where("campaign_id", "=", q.id)
        .execute();
      assert.deepEqual(called, [], "the deleted list's contact was dialed");
    }));
});

for (const d of dialects()) {
  test(`the same upload imported twice at once adds its rows once (${d.name})`, () =>
    withFixture(d.open, async (f, ok) => {
      const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
      const rows = Array.from({ length: 3000 }, (_, i) => `P${i};+1212555${String(i).padStart(4, "0")}`);
      const up = await f.call({
        method: "POST",
        url: "/api/cm/contacts/upload",
        headers: { "content-type": "text/csv" },
        payload: `Nome;telefono\n${rows.join("\n")}\n`,
      });
      assert.equal(up.statusCode, 201, up.body);
      const file = up.json().id as string;
      const body = {
        binding: { firstName: "Nome", phone: " telefono" },
        ListId: list.id,
        duplicates: ["phone"],
      };
      const both = await Promise.all(
        [1, 2].map(() => f.call({ method: "POST", url: `/api/cm/contacts/upload/${file}`, payload: body })),
      );
      // One imports the file; the other finds it imported (claimed) already.
      assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 404], both.map((r) => r.body).join("\n"));
      assert.equal(both.find((r) => r.statusCode === 200)!.json().created, 3000);
      assert.equal(
        (await ok("GET", `/api/cm/contacts?ListId=${list.id}&limit=1`, undefined, 200)).count,
        3000,
      );
    }));
}
