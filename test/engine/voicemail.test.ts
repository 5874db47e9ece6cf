// Voicemail drop (settings.amd.voicemailMessage) on the virtual clock: a machine gets the campaign's message
// after its greeting, then the hangup. In an agent campaign no agent is given the machine or kept for it
// (the pacer dials on meanwhile, a previewing agent is free at the verdict); in a robot campaign the robot
// does not talk to it. The outcome stays machine, and retry.machine decides what follows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { queueAgents, simulatedAgents } from "../helpers/agents.ts";
import { harness, peakConcurrency } from "../helpers/engine-harness.ts";

const phone = (i: number) => `+1202555${String(1000 + i)}`;
const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ phones: [phone(i)] }));
// Monday 2026-01-05 14:00 UTC = 09:00 in Washington: inside the default calling hours.
const START = Date.UTC(2026, 0, 5, 14, 0, 0);
const MACHINES = {
  outcomes: { machine: 1 },
  amdAccuracy: 1,
  amdSec: 2,
  machineSec: { kind: "uniform", min: 20, max: 30 },
  ringSec: 5,
};
const AMD = { enabled: true, mode: "background" as const, voicemailMessage: "vm-renewal" };

const voicemailOf = (details: string | null) =>
  (JSON.parse(details ?? "{}") as { result?: { voicemail?: string } }).result?.voicemail;

test("progressive: each machine gets the message after its greeting; the agent is never kept for it", async () => {
  const h = await harness({ start: START, seed: 3, scenario: MACHINES });
  const id = await h.campaign(
    {
      dialMethod: "progressive",
      maxConcurrent: 10,
      maxAttemptsPerContact: 2,
      retry: { machine: { intervalSec: 600, maxRetries: 0 } },
      amd: AMD,
    },
    contacts(12),
  );
  const agents = await queueAgents(h, id, 1);
  const sim = simulatedAgents(h, { talkSec: 30, wrapSec: 2, seed: 1 });
  await sim.login(id, agents);
  await h.engine.start(h.accountId, id);
  await h.runToEnd(3600_000);
  const attempts = await h.attempts(id);
  assert.equal(attempts.length, 12, "one message each: retry.machine.maxRetries 0 ends the contact");
  for (const a of attempts) {
    assert.equal(a.outcome, "machine");
    assert.equal(voicemailOf(a.details), "vm-renewal");
    assert.ok(Number(a.talk_sec) >= 20 && Number(a.talk_sec) <= 30, `the whole greeting: ${a.talk_sec} s`);
    assert.equal(a.agent_id, null);
  }
  assert.equal(sim.totals().connects, 0, "no agent was given a machine");
  assert.ok(peakConcurrency(attempts) > 1, "the next line went out while a message was being left");
  const calls = h.hangups.filter((x) => x.opts?.afterGreeting);
  assert.equal(calls.length, 12);
  await h.close();
});

test("without a message a machine is still dropped at once", async () => {
  const h = await harness({ start: START, seed: 3, scenario: MACHINES });
  const id = await h.campaign(
    {
      dialMethod: "progressive",
      maxAttemptsPerContact: 1,
      amd: { enabled: true, mode: "background" },
    },
    contacts(4),
  );
  await simulatedAgents(h, { talkSec: 30, wrapSec: 2 }).login(id, await queueAgents(h, id, 1));
  await h.engine.start(h.accountId, id);
  await h.runToEnd(3600_000);
  for (const a of await h.attempts(id)) {
    assert.equal(a.outcome, "machine");
    assert.equal(voicemailOf(a.details), undefined);
    assert.ok(Number(a.talk_sec) <= 2.5, `dropped at the verdict: ${a.talk_sec} s`);
  }
  await h.close();
});

test("preview: the agent who dialed a machine is free at the verdict, while the message is left", async () => {
  const h = await harness({ start: START, seed: 4, scenario: MACHINES });
  const id = await h.campaign({ dialMethod: "preview", maxAttemptsPerContact: 1, amd: AMD }, contacts(1));
  const [agent] = await queueAgents(h, id, 1);
  await h.engine.agents.login(h.accountId, agent, id);
  await h.engine.start(h.accountId, id);
  assert.ok(await h.engine.agents.previewNext(h.accountId, agent));
  await h.engine.agents.previewDial(h.accountId, agent);
  // Post-dial delay, 5 s of ringing, the verdict 2 s after the answer: the agent is free then.
  const dialed = h.clock.now();
  while (h.engine.board.get(agent)?.state !== "ready" && h.clock.now() < dialed + 30_000) {
    await h.clock.run({ until: h.clock.now() + 250 });
  }
  assert.equal(h.engine.board.get(agent)?.state, "ready", "back to work at the verdict");
  const [live] = await h.attempts(id);
  assert.equal(live.ended_at, null, "the message is still being left");
  await h.runToEnd(3600_000);
  const [done] = await h.attempts(id);
  assert.equal(voicemailOf(done.details), "vm-renewal");
  assert.ok(Number(done.talk_sec) >= 20);
  await h.close();
});

test("robot: a machine gets the message instead of the robot's conversation; people get the robot", async () => {
  const h = await harness({
    start: START,
    seed: 5,
    scenario: { ...MACHINES, outcomes: { machine: 1, human: 1 }, talkSec: 90 },
  });
  const id = await h.campaign({ maxConcurrent: 5, maxAttemptsPerContact: 1, amd: AMD }, contacts(20));
  await h.engine.start(h.accountId, id);
  await h.runToEnd(3600_000);
  const attempts = await h.attempts(id);
  const machines = attempts.filter((a) => a.outcome === "machine");
  const people = attempts.filter((a) => a.outcome === "human");
  assert.ok(machines.length > 3 && people.length > 3);
  for (const a of machines) assert.equal(voicemailOf(a.details), "vm-renewal");
  for (const a of people) {
    assert.equal(voicemailOf(a.details), undefined);
    assert.equal(Number(a.talk_sec), 90);
  }
  await h.close();
});
