// Runs one campaign to its end on the virtual clock and the sim driver, and reports what happened:
// the engine behind `outdial simulate` and `npm run bench:dispatch`. The same seed gives the same report.
import { VirtualClock } from "../clock/virtual-clock.ts";
import { withDefaults } from "../model/campaign-settings.ts";
import { createAgent, setCampaignAgents } from "../store/agents.ts";
import type { Store } from "../store/db.ts";
import { createDriver } from "../telephony/index.ts";
import type { Dist } from "../telephony/sim/scenario.ts";
import { SimulatedAgents } from "./agents/simulated.ts";
import { Engine } from "./engine.ts";

export interface SimulationOptions {
  store: Store;
  accountId: number;
  campaignId: number;
  seed?: number;
  /** Sim scenario name or inline scenario; default: the campaign's own, else "default". */
  scenario?: string | Record<string, unknown> | null;
  /** Virtual start time (ms epoch). */
  startAt?: number;
  /** Give up after this much simulated time. */
  maxSimMs?: number;
  tickGapMs?: number;
  claimBatch?: number;
  /** Lease length and maintenance spacing. By default a pass a minute: one process owns the whole run, so
   *  nothing changes behind the engine's back that a pass every 5 s would find (no other node, no API), and a
   *  run with days of waiting stays quick. bench/dispatch passes the production spacing it measures. */
  leaseMs?: number;
  maintenanceMs?: number;
  /** Simulated agents, for a campaign that dials for agents. */
  agents?: { count: number; talkSec?: Dist; wrapSec?: Dist; previewSec?: Dist } | null;
  /** Called about every `progressEvery` attempts with the attempts finished so far. */
  onProgress?(finished: number): void;
  progressEvery?: number;
}

export interface SimulationReport {
  contacts: number;
  attempts: number;
  byOutcome: Record<string, number>;
  byStatus: Record<string, number>;
  successRate: number;
  /** Attempts per hour of dialingMs. */
  callsPerHour: number;
  /** The simulated time less its stretches of more than 15 minutes with no call up (nor in its wrap-up):
   *  nights and weekends outside calling hours, the wait for the schedule to open, the days before a
   *  retry. The same stretches take simulated agents off shift. */
  dialingMs: number;
  simulatedMs: number;
  wallMs: number;
  attemptsPerSec: number;
  campaignStatus: string;
  /** With simulated agents: what their shift looked like. */
  agents?: AgentReport;
}

export interface AgentReport {
  count: number;
  /** (talk + wrap-up) / logged-in time on shift: stretches of more than 15 minutes with no call up are
   *  taken as off shift. */
  occupancy: number;
  /** Agent-hours on shift, the measure of the per-hour figures. */
  onShiftHours: number;
  /** Abandoned / live answers over the run. */
  abandonRate: number;
  liveAnswers: number;
  abandoned: number;
  liveConnectsPerAgentHour: number;
  /** Mean time an agent waited, ready, between calls (s). */
  meanWaitSec: number;
  /** People AMD took for machines: as the rate counts them (estimated from machine verdicts), and as the
   *  simulator knows them, so that a campaign's amd.falsePositiveShare can be checked against its AMD. */
  amdFalsePositives: { estimated: number; known: number; machineVerdicts: number };
}

export async function simulateCampaign(o: SimulationOptions): Promise<SimulationReport> {
  const clock = new VirtualClock(o.startAt ?? Date.UTC(2026, 0, 5, 6, 0, 0));
  const t0 = clock.now();
  const row = await o.store.db
    .selectFrom("campaigns")
    .select("settings")
    .where("id", "=", o.campaignId)
    .executeTakeFirstOrThrow();
  const scenario = o.scenario ?? (JSON.parse(row.settings).scenario as string | null) ?? "default";
  const wrapUpMs = withDefaults(JSON.parse(row.settings)).wrapUpSec * 1000;
  const driver = createDriver("sim", { clock }, { seed: o.seed ?? 1, scenario });
  const engine = new Engine({
    store: o.store,
    clock,
    driver,
    nodeId: "simulation",
    // The engine draws too (which of several free agents takes a call): the same seed, the same run.
    seed: o.seed ?? 1,
    tickGapMs: o.tickGapMs ?? 100,
    claimBatch: o.claimBatch,
    leaseMs: o.leaseMs ?? 180_000,
    maintenanceMs: o.maintenanceMs ?? 60_000,
    onError: (err) => {
      throw err;
    },
  });
  const wall0 = performance.now();
  await engine.run();
  const sim = o.agents ? await logInAgents(engine, o, clock) : null;
  await engine.start(o.accountId, o.campaignId);
  const d = engine.dispatcher;
  const every = o.progressEvery ?? 10_000;
  let nextProgress = every;
  const maxAt = t0 + (o.maxSimMs ?? 30 * 86_400_000);
  await clock.run({
    until: maxAt,
    stop: () => {
      if (o.onProgress && d.stats.finished >= nextProgress) {
        nextProgress += every;
        o.onProgress(d.stats.finished);
      }
      return !d.campaigns.has(o.campaignId) && d.inFlight === 0;
    },
  });
  const offMs = await offShiftMs(o, t0, clock.now(), wrapUpMs);
  const agents = sim ? await agentReport(engine, sim, o, offMs) : undefined;
  // As a node stops: no more dials, the calls a cut-off run left up are hung up, and their ends recorded.
  await engine.stopDialing();
  await driver.close();
  await engine.shutdown();
  const wallMs = performance.now() - wall0;
  const simulatedMs = clock.now() - t0;

  const outcomes = await o.store.db
    .selectFrom("attempts")
    .select(["outcome", o.store.db.fn.countAll<number>().as("n")])
    .where("campaign_id", "=", o.campaignId)
    .groupBy("outcome")
    .execute();
  const statuses = await o.store.db
    .selectFrom("contacts")
    .select(["status", o.store.db.fn.countAll<number>().as("n")])
    .where("campaign_id", "=", o.campaignId)
    .groupBy("status")
    .execute();
  const campaign = await o.store.db
    .selectFrom("campaigns")
    .select("status")
    .where("id", "=", o.campaignId)
    .executeTakeFirstOrThrow();
  const byOutcome = Object.fromEntries(outcomes.map((r) => [r.outcome ?? "open", Number(r.n)]));
  const byStatus = Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)]));
  const attempts = Object.values(byOutcome).reduce((a, b) => a + b, 0);
  const contacts = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const dialingMs = Math.max(0, simulatedMs - offMs);
  return {
    contacts,
    attempts,
    byOutcome,
    byStatus,
    successRate: contacts ? (byStatus.succeeded ?? 0) / contacts : 0,
    callsPerHour: dialingMs > 0 ? attempts / (dialingMs / 3_600_000) : 0,
    dialingMs,
    simulatedMs,
    wallMs,
    attemptsPerSec: wallMs > 0 ? attempts / (wallMs / 1000) : 0,
    campaignStatus: campaign.status,
    ...(agents ? { agents } : {}),
  };
}

async function logInAgents(
  engine: Engine,
  o: SimulationOptions,
  clock: VirtualClock,
): Promise<SimulatedAgents> {
  const spec = o.agents as NonNullable<SimulationOptions["agents"]>;
  const now = clock.now();
  const ids: number[] = [];
  for (let i = 0; i < spec.count; i++) {
    ids.push(
      (
        await createAgent(
          o.store.db,
          o.accountId,
          { name: `sim agent ${i + 1}`, userId: null, extension: null },
          now,
        )
      ).id,
    );
  }
  const members = ids.map((agentId) => ({ agentId, penalty: 0 }));
  await setCampaignAgents(o.store, o.accountId, o.campaignId, members, now);
  const sim = new SimulatedAgents(engine.agents, engine.board, clock, o.accountId, {
    talkSec: spec.talkSec ?? { kind: "lognormal", median: 90, sigma: 0.6, min: 5, max: 1800 },
    wrapSec: spec.wrapSec ?? { kind: "uniform", min: 5, max: 20 },
    previewSec: spec.previewSec,
    seed: o.seed ?? 1,
  });
  await sim.login(o.campaignId, ids);
  return sim;
}

/** A stretch this long with no call up is taken as off shift: a call centre staffs no agents through a
 *  night outside calling hours, or the days before a retry or a 72-hour wait ends. */
const OFF_SHIFT_AFTER_MS = 15 * 60_000;

/** Time within [from, to] that no call of the campaign was up nor in its wrap-up (at most the campaign's
 *  wrapUpSec after it), in stretches longer than OFF_SHIFT_AFTER_MS. */
async function offShiftMs(o: SimulationOptions, from: number, to: number, wrapUpMs: number): Promise<number> {
  const calls = await o.store.db
    .selectFrom("attempts")
    .select(["started_at", "ended_at"])
    .where("campaign_id", "=", o.campaignId)
    .orderBy("started_at")
    .execute();
  let off = 0;
  let busyUntil = from;
  for (const c of calls) {
    const start = Number(c.started_at);
    if (start - busyUntil > OFF_SHIFT_AFTER_MS) off += start - busyUntil;
    busyUntil = Math.max(busyUntil, c.ended_at === null ? to : Number(c.ended_at) + wrapUpMs);
  }
  if (to - busyUntil > OFF_SHIFT_AFTER_MS) off += to - busyUntil;
  return off;
}

/** `offMsEach` is the run's time off shift (offShiftMs), the same for every agent. */
async function agentReport(
  engine: Engine,
  sim: SimulatedAgents,
  o: SimulationOptions,
  offMsEach: number,
): Promise<AgentReport> {
  const t = sim.totals();
  const rates = await engine.agents.abandonment(o.accountId, o.campaignId);
  // Agents stay logged in from the start to the campaign's last event, days of nothing to dial included:
  // measured over that, one retry two days ahead made a team at 84% read 2% busy. Such stretches are
  // taken out of their logged-in and ready time (nobody is on a call or in wrap-up then).
  const offMs = t.agents * offMsEach;
  const onShiftMs = Math.max(0, t.loggedInMs - offMs);
  const readyMs = Math.max(0, t.readyMs - offMs);
  const hours = onShiftMs / 3_600_000;
  // AMD's machine verdicts of people: the outcome is machine, the simulator's truth a person.
  const misjudged = await o.store.db
    .selectFrom("attempts")
    .select("details")
    .where("campaign_id", "=", o.campaignId)
    .where("outcome", "=", "machine")
    .execute();
  const known = misjudged.filter((r) => {
    const d = JSON.parse(r.details ?? "{}") as { amd?: boolean; answeredByTruth?: string };
    return d.amd === true && d.answeredByTruth === "human";
  }).length;
  return {
    count: t.agents,
    occupancy: onShiftMs > 0 ? (t.onCallMs + t.wrapUpMs) / onShiftMs : 0,
    onShiftHours: hours,
    abandonRate: rates.campaign.rate,
    liveAnswers: rates.campaign.liveAnswers,
    abandoned: rates.campaign.abandoned,
    liveConnectsPerAgentHour: hours > 0 ? t.connects / hours : 0,
    meanWaitSec: t.connects > 0 ? readyMs / t.connects / 1000 : 0,
    amdFalsePositives: {
      estimated: rates.campaign.estimatedFalsePositives,
      known,
      machineVerdicts: rates.campaign.machineVerdicts,
    },
  };
}
