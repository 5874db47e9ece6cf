// bench:pacing — scenario OB50 of docs pacing-benchmark.md §4 (or another scenario file): every dial
// method and an oracle on seeds 1–10 with common random numbers. Prints a table and the machine, and
// ends with one JSON line: {"methods": {"<method>": {"occupancy", "abandon_rate", …}}}.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseScenario } from "../src/pacing/sim/scenario.ts";
import { printMachine } from "./lib/machine.ts";
import { type BenchMethod, METHODS, type MethodFigures, runMethod } from "./pacing/run.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1-10" },
    /** Agents instead of the scenario's; the list grows with them unless --leads is given. */
    agents: { type: "string" },
    leads: { type: "string" },
    scenario: { type: "string", default: path.join(here, "pacing", "ob50.json") },
    /** A comma-separated subset of the methods (the oracle always runs: ratios need it). */
    methods: { type: "string" },
    /** Predictive releases late lines after this many seconds of ringing (releaseAfterRingSec; off by default). */
    "release-after-ring": { type: "string" },
    /** For studies: the predictive outer loop's options as JSON, e.g. '{"margin":0,"reserveAbandons":0}'. */
    budget: { type: "string" },
  },
});

function parseSeeds(spec: string): number[] {
  const seeds: number[] = [];
  for (const part of spec.split(",")) {
    const [from, to] = part.split("-").map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to)))
      throw new Error(`--seeds: cannot read "${spec}" (e.g. 1-10, 3 or 1,4,7)`);
    for (let s = from; s <= (to ?? from); s++) seeds.push(s);
  }
  return seeds;
}

const BUDGET_KEYS = [
  "margin",
  "settleAnswers",
  "reserveAbandons",
  "rampAnswers",
  "minThreshold",
  "maxThreshold",
];

function parseBudget(text: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--budget: not JSON: ${text}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("--budget: a JSON object, e.g. '{\"margin\":0}'");
  }
  for (const [k, v] of Object.entries(parsed)) {
    if (!BUDGET_KEYS.includes(k))
      throw new Error(`--budget: unknown key ${k} (one of ${BUDGET_KEYS.join(", ")})`);
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`--budget: ${k} must be a number`);
  }
  return parsed as Record<string, number>;
}

const scenario = parseScenario(JSON.parse(fs.readFileSync(values.scenario, "utf8")));
if (values.agents !== undefined) {
  const agents = Number(values.agents);
  scenario.leads = Math.round((scenario.leads * agents) / scenario.agents);
  scenario.agents = agents;
}
if (values.leads !== undefined) scenario.leads = Number(values.leads);
const seeds = parseSeeds(values.seeds);
const wanted = values.methods?.split(",") ?? [...METHODS];
const methods = METHODS.filter((m) => m === "oracle" || wanted.includes(m));

const loadBefore = os.loadavg().map((l) => l.toFixed(2));
printMachine();
console.log(`load average before: ${loadBefore.join(" ")}`);
console.log(
  `scenario ${scenario.name}: ${scenario.agents} agents, ${scenario.shiftSec / 3600} h, ${scenario.leads} leads, ` +
    `grace ${scenario.graceSec} s, target abandonment ${(scenario.targetAbandonRate * 100).toFixed(1)}%, ` +
    `seeds ${values.seeds}`,
);

const figures = new Map<BenchMethod, MethodFigures>();
const releaseAfterRingSec =
  values["release-after-ring"] === undefined ? null : Number(values["release-after-ring"]);
if (releaseAfterRingSec !== null && !(releaseAfterRingSec >= 15)) {
  throw new Error("--release-after-ring: seconds of ringing, at least 15 (the legal minimum)");
}
const budget = values.budget === undefined ? undefined : parseBudget(values.budget);
for (const method of methods)
  figures.set(method, runMethod(method, scenario, seeds, { releaseAfterRingSec, budget }));
const oracle = figures.get("oracle")!;
const progressive = figures.get("progressive");

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
const pad = (s: string, n: number) => s.padStart(n);
const header = [
  "method",
  "occupancy",
  "abandon",
  "max seed",
  "talk min/h",
  "dials/agent-h",
  "peak lines/agent",
];
console.log(
  `\n${[header[0].padEnd(12), ...header.slice(1).map((h) => pad(h, 10)), pad("÷ oracle", 9), pad("gap closed", 11), pad("s", 6)].join(" ")}`,
);
for (const f of figures.values()) {
  const gap = progressive ? (f.occupancy - progressive.occupancy) / (1 - progressive.occupancy) : Number.NaN;
  console.log(
    [
      f.method.padEnd(12),
      pad(pct(f.occupancy), 10),
      pad(pct(f.abandonRate, 2), 10),
      pad(pct(f.maxSeedAbandonRate, 2), 10),
      pad(f.talkMinPerAgentHour.toFixed(1), 10),
      pad(f.dialsPerAgentHour.toFixed(1), 13),
      pad(f.peakLinesPerAgent.toFixed(2), 16),
      pad((f.occupancy / oracle.occupancy).toFixed(3), 9),
      pad(Number.isNaN(gap) ? "–" : pct(gap), 11),
      pad(f.seconds.toFixed(1), 6),
    ].join(" "),
  );
}
for (const f of figures.values())
  if (f.seedsOutOfLeads > 0)
    console.log(`note: ${f.method} ran out of leads on ${f.seedsOutOfLeads} seed(s)`);

const predictive = figures.get("predictive");
if (predictive) {
  console.log(
    `\npredictive per seed (occupancy / abandonment): ${predictive.seeds
      .map((r) => `${r.seed}: ${pct(r.occupancy)} / ${pct(r.abandonRate, 2)}`)
      .join(", ")}`,
  );
  if (releaseAfterRingSec !== null)
    console.log(
      `predictive hung up ${predictive.releasedPerAgentHour.toFixed(1)} lines per agent-hour unanswered after ≥ ${releaseAfterRingSec} s of ringing; ` +
        `${pct(predictive.releasedPeopleShare, 2)} of the people its lines reached would have answered one of them later`,
    );
  const ratio = predictive.occupancy / oracle.occupancy;
  const cap = scenario.targetAbandonRate;
  const overCap = predictive.seeds.filter((r) => r.abandonRate > cap).map((r) => r.seed);
  console.log(
    `cap ${pct(cap, 1)} on every seed: ${overCap.length === 0 ? "held" : `FAILED on seed(s) ${overCap.join(", ")}`}; ` +
      `predictive ÷ oracle = ${ratio.toFixed(3)}`,
  );
}

const json: Record<string, Record<string, number>> = {};
for (const f of figures.values()) {
  json[f.method] = {
    occupancy: round(f.occupancy),
    abandon_rate: round(f.abandonRate),
    max_seed_abandon_rate: round(f.maxSeedAbandonRate),
    talk_min_per_agent_hour: round(f.talkMinPerAgentHour, 2),
    ratio_to_oracle: round(f.occupancy / oracle.occupancy),
    dials_per_agent_hour: round(f.dialsPerAgentHour, 2),
    gap_closed: progressive ? round((f.occupancy - progressive.occupancy) / (1 - progressive.occupancy)) : 0,
    released_per_agent_hour: round(f.releasedPerAgentHour, 2),
    released_people_share: round(f.releasedPeopleShare),
  };
}
console.log(JSON.stringify({ methods: json }));

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}
