// Two engines on one store (stallablePair), node A running an agent campaign at 2 calls per second whose
// dials claimed ahead of their slots wait reserved (markOnDial), and node B's sweep held off until the test
// lets it run: the set-up of the tests of a reserved dial's mark across a heartbeat lapse.
import assert from "node:assert/strict";
import { createAgent, setCampaignAgents } from "../../src/store/agents.ts";
import type { Store } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "./fixtures.ts";
import { stallablePair } from "./stallable-pair.ts";

export const LEASE_MS = 60_000;
const SCENARIO = {
  outcomes: { human: 0, machine: 0, busy: 0.5, no_answer: 0.5, failed: 0, rejected: 0 },
  postDialSec: { kind: "uniform", min: 0, max: 0.2 },
  busySec: { kind: "uniform", min: 0.5, max: 1 },
  ringSec: { kind: "uniform", min: 2, max: 4 },
  talkSec: { kind: "uniform", min: 1, max: 2 },
  machineSec: { kind: "uniform", min: 1, max: 2 },
};

/** The pair once A has a reserved dial waiting for its slot: `waiting` its attempt ids, `releaseSweep` lets
 *  B's sweep run again. */
export async function reservedDialWaiting(store: Store, t0: number) {
  const pair = stallablePair(store, t0, LEASE_MS, { a: SCENARIO });
  const { clock, a, b } = pair;
  const accountId = await createAccount(store, "acme", t0);
  const settings = {
    dialMethod: "progressive",
    maxConcurrent: 10,
    callsPerSecond: 2,
    calleeWindow: { from: "00:00", to: "24:00" },
  };
  const ids = await createCampaign(store, accountId, settings as never, { now: t0 });
  const phones = Array.from({ length: 200 }, (_, i) => ({ phones: [`+1202555${1000 + i}`] }));
  await addContacts(store, { accountId, ...ids }, phones, t0);
  const agents = [];
  for (let i = 0; i < 6; i++)
    agents.push(
      await createAgent(store.db, accountId, { name: `ag${i}`, userId: null, extension: null }, t0),
    );
  const members = agents.map((x) => ({ agentId: x.id, penalty: 0 }));
  await setCampaignAgents(store, accountId, ids.campaignId, members, t0);
  await a.run();
  await b.engine.run();
  for (const ag of agents) await a.agents.login(accountId, ag.id, ids.campaignId);
  await a.start(accountId, ids.campaignId);
  await clock.run({ until: t0 + 5_000 });
  const queued = () => [...a.dispatcher.liveCalls.values()].filter((c) => !c.originated && c.markOnDial);
  for (let i = 0; i < 2000 && queued().length === 0; i++) await clock.run({ until: clock.now() + 20 });
  assert.ok(queued().length > 0, "node A has a reserved dial waiting for its slot");

  // biome-ignore lint/suspicious/noExplicitAny: the engine's store is private; the test stands in for B's sweep
  const bDispatch = (b.engine as any).dispatch;
  const realExpired = bDispatch.expiredLeases.bind(bDispatch);
  let holdSweep = true;
  bDispatch.expiredLeases = (now: number, limit: number) =>
    holdSweep ? Promise.resolve([]) : realExpired(now, limit);
  return {
    ...pair,
    waiting: queued().map((c) => c.attemptId),
    releaseSweep: () => {
      holdSweep = false;
    },
  };
}
