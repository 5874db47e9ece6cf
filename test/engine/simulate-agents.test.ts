// `outdial simulate` with simulated agents, run as the CLI: the agents' report (occupancy, abandonment,
// live connects per agent-hour, wait between calls), reproducible from the seed, for each dial method.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { type AgentReport, type SimulationReport, simulateCampaign } from "../../src/engine/simulation.ts";
import { openStore } from "../../src/store/db.ts";
import { addContacts, createAccount, createCampaign } from "../helpers/fixtures.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-simulate-"));
const csv = path.join(dir, "contacts.csv");
fs.writeFileSync(
  csv,
  `phone\n${Array.from({ length: 1500 }, (_, i) => `+1202555${String(i).padStart(4, "0")}`).join("\n")}\n`,
);

function simulate(method: string, extra: string[] = [], settings: Record<string, unknown> = {}) {
  const file = path.join(dir, `${method}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: method,
      seed: 3,
      startAt: "2026-03-02T14:00:00Z",
      scenario: "default",
      settings: {
        dialMethod: method,
        maxConcurrent: 100,
        maxAttemptsPerContact: 1,
        wrapUpSec: 30,
        ...settings,
      },
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
  // Without AMD nothing is judged a machine by AMD: no false positive, estimated or known.
  assert.deepEqual(progressive.agents.amdFalsePositives, { estimated: 0, known: 0, machineVerdicts: 0 });
});

test("simulate with AMD: the people it hung up on, as the rate estimates them and as the simulation knows them", () => {
  // The default scenario's AMD is right 90 % of the time: a tenth of the people are taken for machines.
  const report = simulate("progressive", [], {
    amd: { enabled: true, mode: "background", falsePositiveShare: 0.05 },
  });
  const fp = report.agents.amdFalsePositives;
  assert.ok(fp.machineVerdicts > 20, `${fp.machineVerdicts} machine verdicts`);
  assert.ok(Math.abs(fp.estimated - 0.05 * fp.machineVerdicts) < 1e-9);
  assert.ok(fp.known > 0 && fp.known < fp.machineVerdicts, `${fp.known} people among them`);
  // Each known one is a machine verdict of a person: the rate's estimate is what the report set against it.
  assert.ok(report.agents.abandoned >= fp.estimated);
  const text = execFileSync(
    process.execPath,
    ["bin/outdial.mjs", "simulate", path.join(dir, "progressive.json"), csv, "--max-hours", "1"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  const estimated = Number.isInteger(fp.estimated) ? String(fp.estimated) : fp.estimated.toFixed(1);
  assert.ok(
    text.includes(
      `AMD false positives ${estimated} estimated in the rate, ${fp.known} people the simulation hung up on (of ${fp.machineVerdicts} machine verdicts)`,
    ),
    text,
  );
});

test("agents picked at random: the same seed gives the same agent for every call", async () => {
  const startAt = Date.UTC(2026, 2, 2, 14, 0, 0);
  async function run(): Promise<[string, number | null][]> {
    const store = await openStore({ url: ":memory:" });
    try {
      const accountId = await createAccount(store, "acme", startAt);
      const settings = {
        dialMethod: "progressive" as const,
        agentSelection: "random" as const,
        maxConcurrent: 20,
      };
      const ids = await createCampaign(
        store,
        accountId,
        { ...settings, maxAttemptsPerContact: 1 },
        { now: startAt },
      );
      const phones = Array.from({ length: 300 }, (_, i) => [`+1202556${String(i).padStart(4, "0")}`]);
      await addContacts(
        store,
        { accountId, ...ids },
        phones.map((p) => ({ phones: p })),
        startAt,
      );
      await simulateCampaign({
        store,
        accountId,
        campaignId: ids.campaignId,
        seed: 5,
        startAt,
        maxSimMs: 1_800_000,
        scenario: "all_human",
        agents: { count: 6, talkSec: { kind: "uniform", min: 20, max: 90 }, wrapSec: 5 },
      });
      const rows = await store.db
        .selectFrom("attempts")
        .select(["phone", "agent_id"])
        .where("agent_id", "is not", null)
        .orderBy("id")
        .execute();
      return rows.map((r) => [r.phone, r.agent_id]);
    } finally {
      await store.close();
    }
  }
  const first = await run();
  assert.ok(first.length > 50, `${first.length} calls reached an agent`);
  assert.ok(new Set(first.map(([, agent]) => agent)).size > 1, "several agents took calls");
  assert.deepEqual(await run(), first, "the engine's own draws come from the seed too");
});
