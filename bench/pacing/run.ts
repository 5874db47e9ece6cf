// bench/pacing/run owns one benchmark case: every dial method on every seed of a scenario and the
// figures per method (means over seeds; the worst seed's abandonment). It must not print.

import { AbandonTracker } from "../../src/pacing/abandon-tracker.ts";
import { createPacer, type PacerSettings } from "../../src/pacing/index.ts";
import type { PacingScenario } from "../../src/pacing/sim/scenario.ts";
import { type SimulationResult, simulate } from "../../src/pacing/sim/simulator.ts";
import type { DialMethod } from "../../src/pacing/types.ts";
import { oracleSchedule } from "./oracle.ts";

export const METHODS = ["oracle", "predictive", "progressive", "power", "preview"] as const;
export type BenchMethod = (typeof METHODS)[number];

/** Pacer settings that are not the scenario's: the campaign's own choices. */
export interface PacerChoices {
  /** Predictive: releaseAfterRingSec (null: every line rings out, the default). */
  releaseAfterRingSec: number | null;
  /** Predictive, for studies: the outer loop's options instead of its defaults. */
  budget?: PacerSettings["budget"];
}

export function runOnce(
  method: BenchMethod,
  scenario: PacingScenario,
  seed: number,
  choices: PacerChoices = { releaseAfterRingSec: null },
): SimulationResult {
  if (method === "oracle") return simulate({ scenario, seed, schedule: oracleSchedule(scenario, seed) });
  const tracker = new AbandonTracker({ targetRate: scenario.targetAbandonRate });
  const pacer = createPacer(method as DialMethod, {
    tracker,
    powerRatio: scenario.powerRatio,
    maxLinesPerAgent: scenario.maxLinesPerAgent,
    graceMs: scenario.graceSec * 1000,
    releaseAfterRingMs: choices.releaseAfterRingSec === null ? null : choices.releaseAfterRingSec * 1000,
    budget: choices.budget,
  });
  return simulate({ scenario, seed, pacer, tracker });
}

export interface MethodFigures {
  method: BenchMethod;
  seeds: SimulationResult[];
  occupancy: number;
  abandonRate: number;
  maxSeedAbandonRate: number;
  talkMinPerAgentHour: number;
  dialsPerAgentHour: number;
  peakLinesPerAgent: number;
  /** Lines hung up unanswered after the legal minimum of ringing, per agent-hour (predictive only). */
  releasedPerAgentHour: number;
  /** Of the people the lines reached or would have reached, the share lost to those releases. */
  releasedPeopleShare: number;
  /** Seeds on which the list ran out before the end of the shift. */
  seedsOutOfLeads: number;
  seconds: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function runMethod(
  method: BenchMethod,
  scenario: PacingScenario,
  seeds: number[],
  choices?: PacerChoices,
): MethodFigures {
  const started = performance.now();
  const results = seeds.map((seed) => runOnce(method, scenario, seed, choices));
  return {
    method,
    seeds: results,
    occupancy: mean(results.map((r) => r.occupancy)),
    abandonRate: mean(results.map((r) => r.abandonRate)),
    maxSeedAbandonRate: Math.max(...results.map((r) => r.abandonRate)),
    talkMinPerAgentHour: mean(results.map((r) => r.talkMinPerAgentHour)),
    dialsPerAgentHour: mean(results.map((r) => r.dialsPerAgentHour)),
    peakLinesPerAgent: Math.max(...results.map((r) => r.peakLinesPerAgent)),
    releasedPerAgentHour: mean(results.map((r) => r.released / ((r.agents * scenario.shiftSec) / 3600))),
    releasedPeopleShare: mean(results.map((r) => r.releasedHumans / (r.liveAnswers + r.releasedHumans || 1))),
    seedsOutOfLeads: results.filter((r) => r.leadsExhaustedAtSec !== null).length,
    seconds: (performance.now() - started) / 1000,
  };
}
