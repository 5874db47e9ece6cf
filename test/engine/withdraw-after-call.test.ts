// withdrawContact takes a contact out for good: a waiting one is cancelled at once; one on a call finishes
// that call and is then settled cancelled by the claim (withdrawn_at), its retry never dialed. On both
// dialects: the claim reads withdrawn_at with its candidate columns.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/engine-harness.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects())
  describe(`withdrawContact [${dialect.name}]`, () => {
    test("a contact on a call finishes it and is not dialed again; a waiting one is cancelled now", async () => {
      const h = await harness({
        start: Date.UTC(2026, 0, 5, 12),
        scenario: "always_busy",
        openStore: () => dialect.open(),
      });
      try {
        const id = await h.campaign(
          { maxConcurrent: 1, retry: { busy: { intervalSec: 60, maxRetries: 3 } } },
          [{ phones: ["+12025550100"] }, { phones: ["+12025550101"] }],
        );
        await h.engine.start(h.accountId, id);
        const contacts = () =>
          h.store.db
            .selectFrom("contacts")
            .select(["id", "status", "wait_reason"])
            .where("campaign_id", "=", id)
            .orderBy("id")
            .execute();
        for (let i = 0; i < 100 && (await contacts())[0].status !== "in_progress"; i++) {
          await h.clock.advance(100);
        }
        const [onCall, waiting] = await contacts();
        assert.equal(onCall.status, "in_progress");
        assert.equal(waiting.status, "pending");
        assert.equal(await h.engine.withdrawContact(h.accountId, Number(onCall.id)), "after_call");
        assert.equal(await h.engine.withdrawContact(h.accountId, Number(waiting.id)), "cancelled");
        await h.clock.advance(3_600_000);
        const attempts = await h.attempts(id);
        assert.deepEqual(
          attempts.map((a) => a.contact_id),
          [onCall.id],
          "one call, the one up at the withdrawal",
        );
        const after = await contacts();
        assert.deepEqual(
          after.map((c) => c.status),
          ["cancelled", "cancelled"],
        );
        assert.equal(await h.engine.withdrawContact(h.accountId, Number(onCall.id)), null, "settled already");
        const row = await h.store.db
          .selectFrom("campaigns")
          .select("status")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        assert.equal(row.status, "completed");
      } finally {
        await h.close();
      }
    });
  });
