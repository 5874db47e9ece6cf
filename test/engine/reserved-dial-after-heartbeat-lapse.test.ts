// An agent campaign's dial claimed ahead of its calls-per-second slot is reserved; at the slot it is marked
// dialed (markDialed) and then dialed. A mark that only checked the reservation showed that no sweep had
// released the contact *yet*: with this node's heartbeat lapsed, another node's sweep that ran after the mark
// found an expired lease with an attempt no longer reserved, recorded it lost and gave the contact on, while
// this node dialed it (review40). The mark now requires the contact's lease alive at its time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { reservedDialWaiting } from "../helpers/reserved-dial-waiting.ts";
import { dialects } from "../helpers/stores.ts";

for (const dialect of dialects())
  describe(`a reserved agent-campaign dial after a heartbeat lapse [${dialect.name}]`, () => {
    test("is not dialed when the sweep can still record it lost", async () => {
      const store = await dialect.open();
      const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
      const { clock, aClock, a, aDialed, b, close, waiting, releaseSweep } = await reservedDialWaiting(
        store,
        t0,
      );
      try {
        // B's own sweep is held off during A's stall; A's heartbeat write fails after it (its database is slow).
        const aAny = a as any;
        const realHeartbeat = aAny.dispatch.heartbeat.bind(aAny.dispatch);
        let heartbeatDown = false;
        aAny.dispatch.heartbeat = (...args: unknown[]) =>
          heartbeatDown ? Promise.reject(new Error("heartbeat write timed out")) : realHeartbeat(...args);
        // B's sweep lands just after A's mark commits (a few ms later, on another node).
        const realMark = aAny.dispatch.markDialed.bind(aAny.dispatch);
        let swept = false;
        aAny.dispatch.markDialed = async (id: number, now: number) => {
          const ok = await realMark(id, now);
          if (heartbeatDown && !swept) {
            swept = true;
            releaseSweep();
            // biome-ignore lint/suspicious/noExplicitAny: B's sweep, run at this moment
            await (b.engine as any).reconcileExpired(clock.now());
          }
          return ok;
        };

        aClock.stalled = true; // A's event loop stops for 100 s: its heartbeat lapses
        await clock.run({ until: clock.now() + 100_000 });
        heartbeatDown = true;
        const resumedAt = clock.now();
        await aClock.resume();
        await clock.run({ until: clock.now() + 500 });
        assert.ok(swept, "a reserved dial's slot timer marked it dialed after the stall");

        const lost = await store.db
          .selectFrom("attempts")
          .select(["id", "outcome", "owner"])
          .where("id", "in", waiting)
          .where("outcome", "=", "lost")
          .execute();
        const lostIds = lost.map((r) => String(r.id));
        const dialedLost = aDialed.filter((d) => d.at >= resumedAt && lostIds.includes(d.callId));
        assert.deepEqual(
          dialedLost,
          [],
          `node A dialed attempts that node B recorded lost and gave on: ${JSON.stringify(dialedLost)} lost ${JSON.stringify(lost)}`,
        );
      } finally {
        await close();
      }
    });
  });
