// `outdial simulate` with simulated agents, run as the CLI: the agents' report (occupancy, abandonment,
// live connects per agent-hour, wait between calls), reproducible from the seed, for each dial method.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { AgentReport, SimulationReport } from "../../src/engine/simulation.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-simulate-"));
const csv = path.join(dir, "contacts.csv");
fs.writeFileSync(
  csv,
  `phone\n${Array.from({ length: 1500 }, (_, i) => `+1202555${String(i).padStart(4, "0")}`).join("\n")}\n`,
);

function simulate(method: string, extra: string[] = []) {
  const file = path.join(dir, `${method}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: method,
      seed: 3,
      startAt: "2026-03-02T14:00:00Z",
      scenario: "default",
      settings: { dialMethod: method, maxConcurrent: 100, maxAttemptsPerContact: 1, wrapUpSec: 30 },
      agents: {
        count: 8,
        talkSec: { kind: "lognormal", median: 80, sigma: 0.5, min: 10, max: 600 },
        wrapSec: 8,
      },
    }),
  );
  const out = execFileSync(
    process.execPath,
    ["bin/outdial.mjs", "simulate", file, csv, "--json", "--max-hours", "1", ...extra],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  // The CLI prints the engine's report as JSON.
  return JSON.parse(out) as SimulationReport & { agents: AgentReport };
}

test("simulate --agents reports occupancy, abandonment, connects per agent-hour and wait, the same for the same seed", () => {
  const progressive = simulate("progressive");
  const again = simulate("progressive");
  assert.deepEqual(again.agents, progressive.agents, "same seed, same report");
  assert.equal(progressive.agents.count, 8);
  assert.equal(progressive.agents.abandoned, 0);
  assert.ok(
    progressive.agents.occupancy > 0.2 && progressive.agents.occupancy < 1,
    `${progressive.agents.occupancy}`,
  );
  assert.ok(progressive.agents.meanWaitSec > 0);
  // One hour, 8 agents: live connects per agent-hour is the connected calls over the agents' logged-in hours.
  assert.ok(Math.abs(progressive.agents.liveConnectsPerAgentHour - progressive.byOutcome.human / 8) < 1.5);

  const predictive = simulate("predictive");
  assert.ok(predictive.agents.abandonRate <= 0.03, `${predictive.agents.abandonRate}`);
  assert.ok(predictive.agents.occupancy > progressive.agents.occupancy, "predictive keeps agents busier");
  assert.ok(predictive.agents.meanWaitSec < progressive.agents.meanWaitSec);

  const power = simulate("power");
  assert.ok(power.attempts > progressive.attempts);
  const preview = simulate("preview");
  assert.equal(preview.agents.abandoned, 0);
  assert.ok(preview.attempts > 0 && preview.attempts < progressive.attempts);

  // --agents overrides the file's count.
  assert.equal(simulate("progressive", ["--agents", "3"]).agents.count, 3);
});
