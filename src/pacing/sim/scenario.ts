// pacing/sim/scenario owns the simulated people of a pacing scenario (OB50 and variants): its parameters,
// their validation and each lead's attributes from its (seed, lead) stream. No I/O; no pacing decisions.

import { gamma, leadStream, lognormal, standardNormal, uniform } from "./random.ts";

export interface OutcomeMix {
  human: number;
  machine: number;
  noAnswer: number;
  busy: number;
  sit: number;
}

export interface Range {
  min: number;
  max: number;
}

export interface PacingScenario {
  name: string;
  agents: number;
  shiftSec: number;
  /** Leads in the list, one attempt each. */
  leads: number;
  outcomes: OutcomeMix;
  /** Later mixes, from a time in the shift on (e.g. the human rate falls halfway). */
  outcomeChanges: { atSec: number; outcomes: OutcomeMix }[];
  postDialSec: Range;
  /** After the post-dial delay: when unanswered, busy and SIT calls end. */
  resolutionSec: { noAnswer: number; busy: number; sit: number };
  /** After the post-dial delay: when a person answers. */
  humanRingSec: { shape: number; mean: number };
  /** After the post-dial delay: when a machine answers (normal, clipped). */
  machineRingSec: { mean: number; sd: number; min: number; max: number };
  amd: {
    humanVerdictSec: Range;
    machineVerdictSec: Range;
    /** Share of people AMD calls machines: hung up, counted as abandoned. */
    falsePositiveRate: number;
    /** Share of machines AMD calls people: they go to an agent for `falseNegativeHoldSec`, no wrap. */
    falseNegativeRate: number;
    falseNegativeHoldSec: number;
  };
  talkSec: { mean: number; cv: number; max: number };
  wrapSec: { shape: number; mean: number };
  /** A live answer with no agent within this time is abandoned. */
  graceSec: number;
  maxLinesPerAgent: number;
  /** Preview: seconds an agent reads the contact before dialing. */
  previewSec: number;
  /** Power: lines per ready agent. */
  powerRatio: number;
  /** The pacers are asked at every event and at least this often. */
  tickSec: number;
  targetAbandonRate: number;
}

export const OB50: PacingScenario = {
  name: "OB50",
  agents: 50,
  shiftSec: 28_800,
  leads: 40_000,
  outcomes: { human: 0.3, machine: 0.15, noAnswer: 0.4, busy: 0.08, sit: 0.07 },
  outcomeChanges: [],
  postDialSec: { min: 1.5, max: 3.5 },
  resolutionSec: { noAnswer: 25, busy: 1, sit: 1.5 },
  humanRingSec: { shape: 4, mean: 9 },
  machineRingSec: { mean: 20, sd: 2.5, min: 10, max: 24.9 },
  amd: {
    humanVerdictSec: { min: 1.3, max: 2.8 },
    machineVerdictSec: { min: 1.6, max: 3.5 },
    falsePositiveRate: 0.01,
    falseNegativeRate: 0.1,
    falseNegativeHoldSec: 10,
  },
  talkSec: { mean: 180, cv: 1, max: 3600 },
  wrapSec: { shape: 4, mean: 20 },
  graceSec: 1,
  maxLinesPerAgent: 3.5,
  previewSec: 5,
  powerRatio: 1.5,
  tickSec: 1,
  targetAbandonRate: 0.03,
};

export class PacingScenarioError extends Error {}

/** Checks `value` field by field against the shape of `template`: every number present, finite, ≥ 0. */
function check(value: unknown, template: unknown, path: string): void {
  if (typeof template === "number") {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
      throw new PacingScenarioError(`${path} must be a non-negative number`);
    return;
  }
  if (typeof template === "string") {
    if (typeof value !== "string") throw new PacingScenarioError(`${path} must be a string`);
    return;
  }
  if (Array.isArray(template)) {
    if (!Array.isArray(value)) throw new PacingScenarioError(`${path} must be an array`);
    return;
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new PacingScenarioError(`${path} must be an object`);
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object))
    if (!(key in (template as object))) throw new PacingScenarioError(`${path}.${key} is not a parameter`);
  for (const [key, sub] of Object.entries(template as object)) {
    if (!(key in object)) throw new PacingScenarioError(`${path}.${key} is missing`);
    check(object[key], sub, `${path}.${key}`);
  }
}

/** A scenario from JSON: every parameter of OB50 must be given (no silent defaults). */
export function parseScenario(json: unknown): PacingScenario {
  check(json, OB50, "scenario");
  const scenario = json as PacingScenario;
  scenario.outcomeChanges.forEach((change, i) => {
    check(change, { atSec: 0, outcomes: OB50.outcomes }, `scenario.outcomeChanges[${i}]`);
  });
  for (const mix of [scenario.outcomes, ...scenario.outcomeChanges.map((c) => c.outcomes)]) {
    const sum = mix.human + mix.machine + mix.noAnswer + mix.busy + mix.sit;
    if (Math.abs(sum - 1) > 1e-9) throw new PacingScenarioError(`outcome shares sum to ${sum}, not 1`);
  }
  if (scenario.agents < 1 || !Number.isInteger(scenario.agents))
    throw new PacingScenarioError("scenario.agents must be a positive integer");
  return scenario;
}

export type TrueOutcome = "human" | "machine" | "no_answer" | "busy" | "sit";

/** A lead's attributes, all drawn up front and in a fixed order so every policy meets the same person. */
export interface Lead {
  /** Uniform draw that picks the outcome from the mix in force when the lead is dialed. */
  outcomeDraw: number;
  postDialMs: number;
  humanRingMs: number;
  machineRingMs: number;
  humanVerdictMs: number;
  machineVerdictMs: number;
  amdFalsePositive: boolean;
  amdFalseNegative: boolean;
  talkMs: number;
  wrapMs: number;
}

export function drawLead(scenario: PacingScenario, seed: number, index: number): Lead {
  const stream = leadStream(seed, index);
  const rand = () => stream.next();
  const s = scenario;
  const machineRing = s.machineRingSec.mean + s.machineRingSec.sd * standardNormal(rand);
  return {
    outcomeDraw: rand(),
    postDialMs: 1000 * uniform(rand, s.postDialSec.min, s.postDialSec.max),
    humanRingMs: 1000 * gamma(rand, s.humanRingSec.shape, s.humanRingSec.mean),
    machineRingMs: 1000 * Math.min(s.machineRingSec.max, Math.max(s.machineRingSec.min, machineRing)),
    humanVerdictMs: 1000 * uniform(rand, s.amd.humanVerdictSec.min, s.amd.humanVerdictSec.max),
    machineVerdictMs: 1000 * uniform(rand, s.amd.machineVerdictSec.min, s.amd.machineVerdictSec.max),
    amdFalsePositive: rand() < s.amd.falsePositiveRate,
    amdFalseNegative: rand() < s.amd.falseNegativeRate,
    talkMs: 1000 * Math.min(s.talkSec.max, lognormal(rand, s.talkSec.mean, s.talkSec.cv)),
    wrapMs: 1000 * gamma(rand, s.wrapSec.shape, s.wrapSec.mean),
  };
}

/** The outcome of a lead dialed at `atMs` into the shift. */
export function outcomeAt(scenario: PacingScenario, lead: Lead, atMs: number): TrueOutcome {
  let mix = scenario.outcomes;
  for (const change of scenario.outcomeChanges) if (atMs >= change.atSec * 1000) mix = change.outcomes;
  const u = lead.outcomeDraw;
  let edge = mix.human;
  if (u < edge) return "human";
  edge += mix.machine;
  if (u < edge) return "machine";
  edge += mix.noAnswer;
  if (u < edge) return "no_answer";
  edge += mix.busy;
  if (u < edge) return "busy";
  return "sit";
}

/** Dial → AMD verdict (answered outcomes) or dial → end (the others). */
export function verdictOffsetMs(scenario: PacingScenario, lead: Lead, outcome: TrueOutcome): number {
  switch (outcome) {
    case "human":
      return lead.postDialMs + lead.humanRingMs + lead.humanVerdictMs;
    case "machine":
      return lead.postDialMs + lead.machineRingMs + lead.machineVerdictMs;
    case "no_answer":
      return lead.postDialMs + 1000 * scenario.resolutionSec.noAnswer;
    case "busy":
      return lead.postDialMs + 1000 * scenario.resolutionSec.busy;
    case "sit":
      return lead.postDialMs + 1000 * scenario.resolutionSec.sit;
  }
}
