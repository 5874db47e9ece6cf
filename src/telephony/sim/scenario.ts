// Sim scenarios: what the simulated people on the far end do. A scenario gives outcome weights and time
// distributions (seconds); named ones cover the common cases and a JSON object configures the rest.
// Per-number overrides force one number's outcome, for tests and demos. AMD verdicts keep the scenario's
// pace and accuracy within what the campaign's Asterisk-style AMD parameters allow (amdVerdictSec).
import { generator, hashSeed, normal } from "./random.ts";

export const SIM_OUTCOMES = ["human", "machine", "busy", "no_answer", "failed", "rejected"] as const;
export type SimOutcome = (typeof SIM_OUTCOMES)[number];

/** A time distribution in seconds. */
export type Dist =
  | number
  | { kind: "fixed"; value: number }
  | { kind: "uniform"; min: number; max: number }
  /** Log-normal by its median and the sigma of the underlying normal, optionally clipped. */
  | { kind: "lognormal"; median: number; sigma: number; min?: number; max?: number }
  | { kind: "exponential"; mean: number; min?: number; max?: number };

export interface SimScenario {
  /** Relative weights; they need not sum to 1. */
  outcomes: Partial<Record<SimOutcome, number>>;
  /** Seconds from originate to the first ring. */
  postDialSec: Dist;
  /** Seconds of ringing before a person or machine answers (longer than the ring timeout = no answer). */
  ringSec: Dist;
  /** Seconds of ringing before the far end rejects or is found busy. */
  busySec: Dist;
  /** Talk seconds of a human answer. */
  talkSec: Dist;
  /** Seconds a machine answer lasts when nobody hangs it up (the greeting and the beep). */
  machineSec: Dist;
  /** Seconds answer-machine detection takes to reach its verdict. */
  amdSec: Dist;
  /** Probability that AMD's verdict is right (a campaign's amd.params.errorRate overrides it). */
  amdAccuracy: number;
  /** Share of the people a bot talks to whom it transfers (the bot's transfer action then applies). */
  transferRate: number;
  /** A number's forced outcome, by E.164 number. */
  overrides: Record<string, SimOutcome>;
}

const BASE: SimScenario = {
  outcomes: { human: 0.35, machine: 0.15, busy: 0.1, no_answer: 0.3, failed: 0.05, rejected: 0.05 },
  postDialSec: { kind: "uniform", min: 0.5, max: 2.5 },
  ringSec: { kind: "lognormal", median: 9, sigma: 0.5, min: 2 },
  busySec: { kind: "uniform", min: 1, max: 4 },
  talkSec: { kind: "lognormal", median: 60, sigma: 0.8, min: 3, max: 1800 },
  machineSec: { kind: "uniform", min: 15, max: 35 },
  amdSec: { kind: "uniform", min: 2, max: 4 },
  amdAccuracy: 0.9,
  transferRate: 0,
  overrides: {},
};

export const NAMED_SCENARIOS: Record<string, SimScenario> = {
  default: BASE,
  /** Shorter calls, so a newcomer watching `npm start` sees the campaign move. */
  demo: {
    ...BASE,
    outcomes: { human: 0.45, machine: 0.1, busy: 0.1, no_answer: 0.25, failed: 0.05, rejected: 0.05 },
    talkSec: { kind: "lognormal", median: 10, sigma: 0.5, min: 3, max: 45 },
    ringSec: { kind: "lognormal", median: 4, sigma: 0.4, min: 1 },
    machineSec: { kind: "uniform", min: 5, max: 12 },
  },
  all_human: { ...BASE, outcomes: { human: 1 } },
  always_busy: { ...BASE, outcomes: { busy: 1 } },
  always_no_answer: { ...BASE, outcomes: { no_answer: 1 } },
};

export class ScenarioError extends Error {}

/** The fields each kind of distribution takes besides `kind`: required, then optional (the clip). */
const DIST_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  fixed: { required: ["value"], optional: [] },
  uniform: { required: ["min", "max"], optional: [] },
  lognormal: { required: ["median", "sigma"], optional: ["min", "max"] },
  exponential: { required: ["mean"], optional: ["min", "max"] },
};

/**
 * Checks a time distribution; throws ScenarioError naming `where.field` (e.g. scenario.talkSec) and why.
 * A field its kind does not take is refused too: a misspelled clip ("mx" for "max") would otherwise be
 * dropped without a word, and the distribution run unclipped.
 */
export function checkDist(d: unknown, field: string, where = "scenario"): Dist {
  const bad = (why: string) => new ScenarioError(`${where}.${field}: ${why}`);
  if (typeof d === "number") {
    if (!(d >= 0) || !Number.isFinite(d)) throw bad("must be a non-negative number of seconds");
    return d;
  }
  if (!d || typeof d !== "object") throw bad("must be a number or a distribution object");
  const o = d as Record<string, unknown>;
  // Own kinds only: "constructor" or "toString" are not distributions.
  const fields =
    typeof o.kind === "string" && Object.hasOwn(DIST_FIELDS, o.kind) ? DIST_FIELDS[o.kind] : null;
  if (!fields) throw bad("kind must be fixed, uniform, lognormal or exponential");
  const num = (k: string, optional: boolean) => {
    const v = o[k];
    if (v === undefined && optional) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw bad(`${k} must be a non-negative number`);
  };
  for (const k of fields.required) num(k, false);
  for (const k of fields.optional) num(k, true);
  const known = ["kind", ...fields.required, ...fields.optional];
  // A clip whose floor is above its ceiling would silently give the ceiling for every draw.
  const { min, max } = o;
  if (known.includes("min") && typeof min === "number" && typeof max === "number" && min > max)
    throw bad("min is above max");
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    throw new ScenarioError(
      `${where}.${field}.${unknown}: unknown field of a ${o.kind} distribution (it takes ${known.join(", ")})`,
    );
  }
  return d as Dist;
}

/**
 * Resolves a scenario name, a JSON text or an object into a full scenario; an object's fields override the
 * named base it gives in `base` (default "default"). Throws ScenarioError naming the bad field.
 */
export function resolveScenario(input: string | Record<string, unknown> | null | undefined): SimScenario {
  if (input === null || input === undefined) return BASE;
  if (typeof input === "string") {
    if (input.trimStart().startsWith("{")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(input);
      } catch (err) {
        throw new ScenarioError(`scenario: not valid JSON (${(err as Error).message})`);
      }
      return resolveScenario(parsed as Record<string, unknown>);
    }
    // Own names only: "constructor" or "toString" are not scenarios.
    const named = Object.hasOwn(NAMED_SCENARIOS, input) ? NAMED_SCENARIOS[input] : undefined;
    if (!named) {
      throw new ScenarioError(
        `scenario: unknown name "${input}" (known: ${Object.keys(NAMED_SCENARIOS).join(", ")})`,
      );
    }
    return named;
  }
  const baseName = input.base ?? "default";
  if (typeof baseName !== "string") throw new ScenarioError("scenario.base: must be a scenario name");
  const out: SimScenario = { ...resolveScenario(baseName) };
  for (const [k, v] of Object.entries(input)) {
    switch (k) {
      case "base":
        break;
      case "outcomes": {
        if (!v || typeof v !== "object") throw new ScenarioError("scenario.outcomes: must be an object");
        const weights: Partial<Record<SimOutcome, number>> = {};
        for (const [o, w] of Object.entries(v)) {
          if (!SIM_OUTCOMES.includes(o as SimOutcome))
            throw new ScenarioError(`scenario.outcomes.${o}: unknown outcome`);
          // Finite too: an infinite weight (JSON's 1e400) would make every draw NaN.
          if (typeof w !== "number" || !(w >= 0) || !Number.isFinite(w))
            throw new ScenarioError(`scenario.outcomes.${o}: must be a finite weight >= 0`);
          weights[o as SimOutcome] = w;
        }
        if (!Object.values(weights).some((w) => (w ?? 0) > 0))
          throw new ScenarioError("scenario.outcomes: at least one weight must be positive");
        out.outcomes = weights;
        break;
      }
      case "overrides": {
        if (!v || typeof v !== "object") throw new ScenarioError("scenario.overrides: must be an object");
        for (const [phone, o] of Object.entries(v)) {
          if (!SIM_OUTCOMES.includes(o as SimOutcome))
            throw new ScenarioError(`scenario.overrides.${phone}: unknown outcome "${String(o)}"`);
        }
        out.overrides = { ...(v as Record<string, SimOutcome>) };
        break;
      }
      case "amdAccuracy":
      case "transferRate":
        if (typeof v !== "number" || v < 0 || v > 1)
          throw new ScenarioError(`scenario.${k}: must be between 0 and 1`);
        out[k] = v;
        break;
      case "postDialSec":
      case "ringSec":
      case "busySec":
      case "talkSec":
      case "machineSec":
      case "amdSec":
        out[k] = checkDist(v, k);
        break;
      default:
        throw new ScenarioError(`scenario.${k}: unknown field`);
    }
  }
  return out;
}

export function sample(d: Dist, rand: () => number): number {
  if (typeof d === "number") return d;
  let v: number;
  switch (d.kind) {
    case "fixed":
      return d.value;
    case "uniform":
      return d.min + (d.max - d.min) * rand();
    case "lognormal":
      v = d.median * Math.exp(d.sigma * normal(rand));
      break;
    case "exponential":
      v = -d.mean * Math.log(1 - rand());
      break;
  }
  if (d.min !== undefined) v = Math.max(d.min, v);
  if (d.max !== undefined) v = Math.min(d.max, v);
  return v;
}

export function pickOutcome(s: SimScenario, rand: () => number): SimOutcome {
  let total = 0;
  for (const o of SIM_OUTCOMES) total += s.outcomes[o] ?? 0;
  let r = rand() * total;
  for (const o of SIM_OUTCOMES) {
    r -= s.outcomes[o] ?? 0;
    if (r < 0) return o;
  }
  return "human";
}

/** An AMD parameter in seconds (Asterisk's AMD() takes milliseconds), or null when absent or not a time. */
function amdParamSec(params: Record<string, number> | undefined, name: string): number | null {
  const v = params?.[name];
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v / 1000 : null;
}

/** The chance an AMD verdict is right: 1 − params.errorRate when the campaign sets one, else the scenario's. */
export function amdAccuracyOf(s: SimScenario, params: Record<string, number> | undefined): number {
  const errorRate = params?.errorRate;
  if (typeof errorRate !== "number" || !Number.isFinite(errorRate)) return s.amdAccuracy;
  return 1 - Math.min(1, Math.max(0, errorRate));
}

/**
 * Seconds from the answer to AMD's verdict. `drawn` is the detector's own pace (the scenario's amdSec);
 * Asterisk's parameters bound it as AMD() behaves: it never listens longer than totalAnalysisTime, calls a
 * machine only once the greeting has run longer than `greeting`, and a person only after
 * `afterGreetingSilence` of silence followed their hello. A bound that exceeds the total gives the total.
 */
export function amdVerdictSec(
  drawn: number,
  verdict: "human" | "machine",
  params: Record<string, number> | undefined,
): number {
  const floor = amdParamSec(params, verdict === "machine" ? "greeting" : "afterGreetingSilence") ?? 0;
  const total = amdParamSec(params, "totalAnalysisTime") ?? Number.POSITIVE_INFINITY;
  return Math.min(total, Math.max(floor, drawn));
}

export { generator, hashSeed };
