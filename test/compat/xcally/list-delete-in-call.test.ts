// A list deleted while one of its copies is on a call: the call finishes, and the contact was then retried
// (busy → redial, 3 more calls) from a list that no longer exists: the delete cancelled only the copies
// pending at that instant (xcally9). Motion dials nobody of a deleted list again: the copy on a call is
// withdrawn (engine withdrawContact) and settles cancelled when its call ends.
import assert from "node:assert/strict";
import { test } from "node:test";
import { twin24Fixture } from "../twin24/helpers.ts";

const MINUTE = 60_000;

test("a list deleted while its contact is on a call: the contact is not redialed after that call", async () => {
  const f = await twin24Fixture({ scenario: "always_busy" });
  const ok = async (method: string, url: string, payload: unknown, status: number) => {
    const r = await f.call({ method: method as "POST", url, payload: payload as object });
    assert.equal(r.statusCode, status, r.body);
    return r.statusCode === 204 ? null : r.json();
  };
  try {
    const list = await ok("POST", "/api/cm/lists", { name: "L" }, 201);
    await ok("POST", `/api/cm/lists/${list.id}/contacts`, [{ phone: "+12125550123" }], 201);
    const q = await ok(
      "POST",
      "/api/voice/queues",
      { name: "Q", type: "outbound", dialActive: false, dialBusyMaxRetry: 3, dialBusyRetryFrequency: 1 },
      201,
    );
    await ok("POST", `/api/voice/queues/${q.id}/lists`, { ids: [list.id] }, 200);
    await ok("PUT", `/api/voice/queues/${q.id}`, { dialActive: true }, 200);
    // Step until the copy is on a call.
    let status = "";
    for (let i = 0; i < 200 && status !== "in_progress"; i++) {
      await f.run(100);
      status = (
        await f.store.db
          .selectFrom("contacts")
          .select("status")
          .where("campaign_id", "=", q.id)
          .executeTakeFirstOrThrow()
      ).status;
    }
    assert.equal(status, "in_progress");
    await ok("DELETE", `/api/cm/lists/${list.id}`, undefined, 204);
    await f.run(60 * MINUTE);
    const attempts = await f.store.db
      .selectFrom("attempts")
      .select("id")
      .where("campaign_id", "=", q.id)
      .execute();
    assert.equal(attempts.length, 1, `the deleted list's contact was dialed ${attempts.length} times`);
    const copy = await f.store.db
      .selectFrom("contacts")
      .select(["status", "wait_reason"])
      .where("campaign_id", "=", q.id)
      .executeTakeFirstOrThrow();
    assert.equal(copy.status, "cancelled");
  } finally {
    await f.close();
  }
});
