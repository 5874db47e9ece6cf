// /readyz: ready while the database answers, 503 not_ready (nothing about the database's host in the answer)
// once it does not; no key needed, as /healthz.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { apiFixture } from "./helpers.ts";

for (const d of dialects()) {
  test(`readyz answers 200 while the database answers, 503 not_ready once it cannot (${d.name})`, async () => {
    const f = await apiFixture(d.open);
    try {
      const ready = await f.call({ method: "GET", url: "/readyz", key: null });
      assert.equal(ready.statusCode, 200, ready.body);
      assert.deepEqual(ready.json(), { ok: true });
      // The database gone from under the node: every statement fails as a refused connection does.
      const db = f.store.db;
      const refused = new Proxy(db, {
        get: (target, name) =>
          name === "getExecutor"
            ? () => {
                throw new Error("connect ECONNREFUSED 10.0.0.5:5432");
              }
            : Reflect.get(target, name),
      });
      (f.store as { db: typeof db }).db = refused;
      const gone = await f.call({ method: "GET", url: "/readyz", key: null }).finally(() => {
        (f.store as { db: typeof db }).db = db;
      });
      assert.equal(gone.statusCode, 503, gone.body);
      assert.deepEqual(gone.json(), {
        error: { code: "not_ready", message: "the database is not reachable" },
      });
      assert.equal((await f.call({ method: "GET", url: "/healthz", key: null })).statusCode, 200);
    } finally {
      await f.close();
    }
  });
}
