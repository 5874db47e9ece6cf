// The 2-second rule holds when the grace timer runs late: on the wall clock a timer waits for a busy event
// loop (a long synchronous transaction, a big export), and an agent who went ready in that gap was put
// through to a person who had waited 2.2 s, recorded as a live answer, not abandoned (nor held 72 h). Here
// the agents' side's timers run 300 ms late, as on a busy loop; the harness is otherwise the usual one.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock } from "../../src/clock/clock.ts";
import { queueAgents } from "../helpers/agents.ts";
import { harness } from "../helpers/engine-harness.ts";

const START = Date.UTC(2026, 0, 5, 14, 0, 0);

test("a person who waited 2.2 s for an agent is abandoned, not connected, even if the grace timer runs late", async () => {
  const h = await harness({
    start: START,
    seed: 1,
    scenario: { outcomes: { human: 1 }, ringSec: 5, talkSec: 3600 },
  });
  const id = await h.campaign(
    { dialMethod: "power", powerRatio: 2, maxConcurrent: 10, wrapUpSec: 0, maxAttemptsPerContact: 1 },
    [{ phones: ["+12025551001"] }, { phones: ["+12025551002"] }],
  );
  const [a, b] = await queueAgents(h, id, 2);
  // A busy event loop: the engine's timers for the agents' side fire 300 ms after they are due.
  const v = h.clock;
  const laggy: Clock = {
    virtual: true,
    now: () => v.now(),
    monotonic: () => v.monotonic(),
    at: (at, fn) => v.at(at + 300, fn),
    after: (ms, fn) => v.after(ms + 300, fn),
  };
  (h.engine as unknown as { dialing: { o: { clock: Clock } } }).dialing.o.clock = laggy;
  await h.engine.agents.login(h.accountId, a, id);
  await h.engine.start(h.accountId, id);
  // Two lines for one ready agent: the first person to answer gets agent a, the other waits.
  let waiting: { waitingSince: number | null; attemptId: number } | undefined;
  for (let i = 0; i < 600 && !waiting; i++) {
    await v.advance(100);
    waiting = [...h.engine.dispatcher.liveCalls.values()].find((c) => c.waitingSince !== null);
  }
  assert.ok(waiting, "a person waits for an agent");
  const since = waiting.waitingSince ?? 0;
  await v.advance(since + 2200 - v.now()); // 2.2 s of waiting; the grace timer has not run yet
  await h.engine.agents.login(h.accountId, b, id); // agent b arrives, ready
  await v.advance(5000);
  await h.engine.stop(h.accountId, id);
  await h.runToEnd(7200_000);
  const attemptId = waiting.attemptId;
  const row = (await h.attempts(id)).find((x) => x.id === attemptId);
  await h.close();
  assert.equal(row?.outcome, "abandoned", `waited ${row?.wait_ms} ms and was recorded ${row?.outcome}`);
});
