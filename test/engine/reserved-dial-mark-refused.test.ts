// A reserved dial's mark (markDialed) is refused once this node's lease has run out (its heartbeat lapsed),
// even when no other node's sweep has taken the contact yet. The dispatcher read every refused mark as "a
// sweep gave the contact back" and only forgot the call: the contact stayed in progress under this node's
// lease, its attempt reserved, and once the heartbeat was renewed no sweep found it lapsed again: never
// dialed nor given back until a restart (review41). A refused mark now gives the contact back, a no-op in
// the store when another node's sweep took it first.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { reservedDialWaiting } from "../helpers/reserved-dial-waiting.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects())
  describe(`a reserved dial whose mark fails for a lapse no sweep acted on [${dialect.name}]`, () => {
    test("is given back or dialed, never left in_progress with no call", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
      const { clock, aClock, a, close, releaseSweep } = await reservedDialWaiting(store, t0);
      try {
        // B's sweep does not run while A stalls (B is busy, or there is no other node): nothing takes A's contacts.
        const aAny = a as any;
        const realMark = aAny.dispatch.markDialed.bind(aAny.dispatch);
        const failedMarks: number[] = [];
        aAny.dispatch.markDialed = async (id: number, now: number) => {
          const ok = await realMark(id, now);
          if (!ok) failedMarks.push(id);
          return ok;
        };

        aClock.stalled = true; // A's event loop stops for 100 s: its heartbeat lapses
        await clock.run({ until: clock.now() + 100_000 });
        await aClock.resume(); // A's overdue timers run in order: the slot timers' marks before the renewal
        await clock.run({ until: clock.now() + 500 });
        assert.ok(failedMarks.length > 0, "a mark failed for the lapse");
        releaseSweep();
        // Ten minutes on: every sweep of both nodes has run many times.
        await clock.run({ until: clock.now() + 600_000 });

        const live = new Set([...a.dispatcher.liveCalls.values()].map((c) => String(c.attemptId)));
        const rows = await store.db
          .selectFrom("attempts as t")
          .innerJoin("contacts as c", "c.id", "t.contact_id")
          .select(["t.id", "t.reserved", "c.id as contact", "c.status", "c.lease_owner"])
          .where("t.id", "in", failedMarks)
          .execute();
        const stuck = rows.filter((r) => r.status === "in_progress" && !live.has(String(r.id)));
        assert.deepEqual(
          stuck,
          [],
          `contacts left in_progress under a live node with no call, never dialed nor given back: ${JSON.stringify(stuck)}`,
        );
      } finally {
        await close();
      }
    });
  });
