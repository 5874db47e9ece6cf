// A campaign halts at its end time / lifetime, and explain says "no dial comes at or after that instant". A
// dial claimed a pass earlier for a calls-per-second slot falling exactly on halt_at (a pass claims a second
// ahead) went out at halt_at: its slot timer fired before the halting pass (2 calls/s, a 10 s lifetime: 21
// calls, the last at the halt instant; sched9). No slot at or past halt_at is handed out now.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harness } from "../helpers/engine-harness.ts";

for (const [cps, lifetimeSec] of [
  [2, 10],
  [0.5, 10],
] as const) {
  test(`no call starts at or after halt_at (${cps} calls/s, lifetime ${lifetimeSec} s)`, async () => {
    const h = await harness({ start: Date.UTC(2026, 0, 5, 12), scenario: "always_no_answer" });
    try {
      const id = await h.campaign(
        { maxConcurrent: 100, callsPerSecond: cps, lifetimeSec, maxAttemptsPerContact: 1 },
        Array.from({ length: 60 }, (_, i) => ({ phones: [`+1202555${String(1000 + i)}`] })),
      );
      await h.engine.start(h.accountId, id);
      await h.clock.run({ until: h.clock.now() + 120_000 });
      const row = await h.store.db
        .selectFrom("campaigns")
        .select(["status", "halt_at", "started_at"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "halted", "sanity: the lifetime halted it");
      const haltAt = Number(row.halt_at);
      const late = (await h.attempts(id)).filter((a) => a.started_at >= haltAt);
      assert.deepEqual(
        late.map((a) => `${new Date(a.started_at).toISOString()} (+${a.started_at - haltAt} ms)`),
        [],
        `calls started at or after halt_at ${new Date(haltAt).toISOString()}`,
      );
    } finally {
      await h.close();
    }
  });
}
