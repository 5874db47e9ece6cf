// Audit xcally13: a list's rename (PUT /api/cm/lists/{id}) and its agent links (POST …/users) read the list,
// then wrote, outside the list's lock (list-lock.ts) that its delete takes. A delete committed between the
// two made the rename's UPDATE match no row (500 internal_error, not 404) and left the links written after
// the delete's own removal of them, for a list that no longer existed. Both now write under the lock: a
// list deleted meanwhile is a 404 and nothing is written. An outside session holds the list's row (as the
// delete's transaction does), the request waits for it, the session deletes the list and commits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dialects } from "../../helpers/stores.ts";
import { twin24Fixture } from "../twin24/helpers.ts";

const pg = dialects().find((d) => d.name === "postgres");

const writes = [
  {
    name: "a rename",
    method: "PUT" as const,
    path: (id: number) => `/api/cm/lists/${id}`,
    payload: { name: "new" },
  },
  {
    name: "an agent link",
    method: "POST" as const,
    path: (id: number) => `/api/cm/lists/${id}/users`,
    payload: (agentId: number) => ({ ids: [agentId] }),
  },
];

for (const w of writes) {
  test(`${w.name} of a list deleted meanwhile answers 404 and writes nothing [postgres]`, {
    skip: !pg,
  }, async () => {
    const f = await twin24Fixture({ scenario: "all_human", openStore: () => pg!.open() });
    try {
      const created = await f.call({ method: "POST", url: "/api/cm/lists", payload: { name: "old" } });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as number;
      const agent = await f.call({ method: "POST", url: "/v1/agents", payload: { name: "Ann" } });
      assert.equal(agent.statusCode, 201, agent.body);
      const payload = typeof w.payload === "function" ? w.payload(agent.json().id) : w.payload;
      const outside = await f.store.pool!.connect();
      try {
        await outside.query("BEGIN");
        await outside.query("SELECT id FROM xcally_lists WHERE id = $1 FOR UPDATE", [id]);
        const pid = (await outside.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
        let answered = false;
        const request = f.call({ method: w.method, url: w.path(id), payload }).finally(() => {
          answered = true;
        });
        for (let i = 0; i < 500 && !answered; i++) {
          const { rows } = await outside.query(
            "SELECT 1 FROM pg_locks WHERE NOT granted AND $1 = ANY(pg_blocking_pids(pid))",
            [pid],
          );
          if (rows.length > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(answered, false, "the request waits for the list's row");
        await outside.query("DELETE FROM xcally_agent_links WHERE kind = 'list' AND target_id = $1", [id]);
        await outside.query("DELETE FROM xcally_lists WHERE id = $1", [id]);
        await outside.query("COMMIT");
        const res = await request;
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.json().error.code, "not_found", res.body);
        const { rows } = await f.store.pool!.query(
          "SELECT count(*)::int AS n FROM xcally_agent_links WHERE kind = 'list' AND target_id = $1",
          [id],
        );
        assert.equal(rows[0].n, 0, "no link outlives the deleted list");
      } finally {
        outside.release();
      }
    } finally {
      await f.close();
    }
  });
}
