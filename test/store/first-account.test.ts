// The first account is made once however many nodes start together on a new database: on PostgreSQL each
// statement reads the rows committed when it began, so the "no account yet" check alone let every node
// make one. Each node runs it as it does on start (in a transaction with its key) or on its own.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertFirstAccount } from "../../src/store/accounts.ts";
import { openStore, type Store } from "../../src/store/db.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects()) {
  test(`nodes starting together make one first account [${dialect.name}]`, async () => {
    for (let round = 0; round < 4; round++) {
      const store = await dialect.open();
      const nodes: Store[] = [store];
      try {
        if (dialect.name === "postgres") {
          for (let i = 0; i < 3; i++) {
            nodes.push(
              await openStore({
                url: process.env.OUTDIAL_TEST_PG_URL!,
                pgSchema: store.schema,
                migrate: false,
              }),
            );
          }
        }
        const made = await Promise.all(
          nodes.map((n, i) =>
            i % 2 === 0
              ? n.db.transaction().execute((trx) => insertFirstAccount(trx, `node ${i}`, 0))
              : insertFirstAccount(n.db, `node ${i}`, 0),
          ),
        );
        const accounts = await store.db.selectFrom("accounts").select("id").execute();
        assert.equal(accounts.length, 1, `round ${round}: ${JSON.stringify(made)}`);
        assert.equal(made.filter((id) => id !== null).length, 1);
        assert.equal(await insertFirstAccount(store.db, "later", 0), null);
      } finally {
        for (const n of nodes.slice(1)) await n.close();
        await store.close();
      }
    }
  });
}
