// A campaign dialing for a named queue, on the virtual clock: its only agents are the queue's members, who
// log in to it and take its live answers; an agent added to the queue while the campaign runs may log in
// and is given calls from then on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EngineError } from "../../src/engine/types.ts";
import { createAgent } from "../../src/store/agents.ts";
import { createQueue, setQueueMembers } from "../../src/store/queues.ts";
import { simulatedAgents } from "../helpers/agents.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";

const phone = (i: number) => `+1202555${String(1000 + i)}`;
const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ phones: [phone(i)] }));
// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const MIXED = { outcomes: { human: 0.5, no_answer: 0.3, busy: 0.2 }, talkSec: 3600 };

async function agents(h: Harness, names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    ids.push(
      (await createAgent(h.store.db, h.accountId, { name, userId: null, extension: null }, h.clock.now())).id,
    );
  }
  return ids;
}

const members = (ids: number[]) => ids.map((agentId) => ({ agentId, penalty: 0 }));

test("a progressive campaign whose only agents come from a named queue connects every live answer to them", async () => {
  const h = await harness({ start: START, seed: 11, scenario: MIXED });
  const queueId = (await createQueue(h.store.db, h.accountId, "sales", h.clock.now())).id;
  const queued = await agents(h, ["Ann", "Bob"]);
  await setQueueMembers(h.store, h.accountId, queueId, members(queued), h.clock.now());
  const id = await h.campaign(
    { dialMethod: "progressive", queueId, maxConcurrent: 20, wrapUpSec: 5, maxAttemptsPerContact: 1 },
    contacts(30),
  );
  const sim = simulatedAgents(h, { talkSec: 20, wrapSec: 2, seed: 3 });
  await sim.login(id, queued);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(6 * 3600_000);

  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 30);
  assert.equal(attempts.filter((a) => a.outcome === "abandoned").length, 0);
  const humans = attempts.filter((a) => a.outcome === "human");
  assert.ok(humans.length >= 8, `${humans.length} human answers`);
  for (const a of humans)
    assert.ok(queued.includes(Number(a.agent_id)), `attempt ${a.id} has agent ${a.agent_id}`);
  assert.deepEqual(
    new Set(humans.map((a) => Number(a.agent_id))),
    new Set(queued),
    "both queue agents took calls",
  );
  assert.equal(sim.totals().connects, humans.length);
  await h.close();
});

test("an agent added to the queue while the campaign runs may log in to it and receives calls", async () => {
  const h = await harness({ start: START, seed: 12, scenario: MIXED });
  const queueId = (await createQueue(h.store.db, h.accountId, "sales", h.clock.now())).id;
  const [first, late] = await agents(h, ["First", "Late"]);
  await setQueueMembers(h.store, h.accountId, queueId, members([first]), h.clock.now());
  const id = await h.campaign(
    { dialMethod: "progressive", queueId, maxConcurrent: 20, wrapUpSec: 0, maxAttemptsPerContact: 1 },
    contacts(60),
  );
  const sim = simulatedAgents(h, { talkSec: 60, wrapSec: 1, seed: 4 });
  await sim.login(id, [first]);
  await assert.rejects(
    h.engine.agents.login(h.accountId, late, id),
    (err: unknown) => err instanceof EngineError && err.code === "not_in_queue",
  );
  await h.engine.start(h.accountId, id);
  await h.clock.run({ until: h.clock.now() + 10 * 60_000 });

  const addedAt = h.clock.now();
  await setQueueMembers(h.store, h.accountId, queueId, members([first, late]), addedAt);
  h.engine.wake();
  await sim.login(id, [late]);
  await h.runToEnd(6 * 3600_000);

  const attempts = await h.attempts(id);
  const humans = attempts.filter((a) => a.outcome === "human");
  const ofLate = humans.filter((a) => Number(a.agent_id) === late);
  assert.ok(ofLate.length >= 3, `the late agent took ${ofLate.length} calls`);
  for (const a of ofLate) assert.ok(Number(a.started_at) >= addedAt, "none before it joined");
  const before = humans.filter((a) => Number(a.started_at) < addedAt);
  assert.ok(before.length > 0 && before.every((a) => Number(a.agent_id) === first));
  for (const a of humans) assert.ok([first, late].includes(Number(a.agent_id)));
  await h.close();
});
