// A top-up retried with its Idempotency-Key credits the account once: after a lost answer, and when the
// retry races the first; the same key with another amount is a 409; a key is per account. On SQLite and
// on PostgreSQL (the ledger row's unique key does it).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dialects } from "../helpers/stores.ts";
import { apiFixture } from "./helpers.ts";

for (const dialect of dialects()) {
  describe(`top-up idempotency on ${dialect.name}`, () => {
    test("the same key adds once, answers the balance marked replayed, and refuses another amount", async () => {
      const f = await apiFixture(dialect.open);
      try {
        const topUp = (amountUsd: number, key: string | null, note?: string, apiKey?: string) =>
          f.call({
            method: "POST",
            url: "/v1/balance/top-up",
            ...(apiKey ? { key: apiKey } : {}),
            headers: key === null ? {} : { "idempotency-key": key },
            payload: note === undefined ? { amountUsd } : { amountUsd, note },
          });
        const first = await topUp(500, "invoice-2026-117", "invoice 117");
        assert.equal(first.statusCode, 200, first.body);
        assert.equal(first.json().balance_usd, 500);
        assert.equal(first.headers["idempotent-replayed"], undefined);

        const retried = await topUp(500, "invoice-2026-117", "invoice 117");
        assert.equal(retried.statusCode, 200, retried.body);
        assert.equal(retried.json().balance_usd, 500, "a retry adds nothing");
        assert.equal(retried.headers["idempotent-replayed"], "true");

        // A retry racing the first of another key: exactly one of them adds.
        const racing = await Promise.all([1, 2, 3].map(() => topUp(20, "invoice-2026-118")));
        assert.deepEqual(
          racing.map((r) => r.statusCode),
          [200, 200, 200],
        );
        assert.equal(racing.filter((r) => r.headers["idempotent-replayed"] === "true").length, 2);

        const reused = await topUp(600, "invoice-2026-117", "invoice 117");
        assert.equal(reused.statusCode, 409, reused.body);
        assert.equal(reused.json().error.code, "idempotency_key_reused");
        assert.equal(reused.json().error.field, "headers.idempotency-key");
        assert.match(reused.json().error.message, /500 USD/);
        const otherNote = await topUp(500, "invoice-2026-117", "another invoice");
        assert.equal(otherNote.statusCode, 409, otherNote.body);

        // Without a key every top-up adds, as before.
        await topUp(1, null);
        await topUp(1, null);
        const balance = await f.call({ method: "GET", url: "/v1/balance" });
        assert.equal(balance.json().balance_usd, 522);
        const ledger = await f.call({ method: "GET", url: "/v1/balance/transactions?limit=50" });
        assert.equal(ledger.json().data.length, 4, "one ledger row per top-up that added");

        // A key is the account's own: another account may use the same one.
        const { key: other } = await f.newAccount("other");
        const elsewhere = await topUp(7, "invoice-2026-117", undefined, other);
        assert.equal(elsewhere.statusCode, 200, elsewhere.body);
        assert.equal(elsewhere.json().balance_usd, 7);

        for (const bad of ["", "has space", "x".repeat(256)]) {
          const refused = await topUp(1, bad);
          assert.equal(refused.statusCode, 400, `${JSON.stringify(bad)}: ${refused.body}`);
          assert.equal(refused.json().error.field, "headers.idempotency-key");
        }
      } finally {
        await f.close();
      }
    });
  });
}
