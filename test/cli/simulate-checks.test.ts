// What `outdial simulate` checks before it runs: a campaign that dials for agents and has none is refused
// (it used to idle 30 simulated days and exit 0 with 0 attempts), --seed and --max-hours are checked before
// the CSV is imported (a typo cost a whole import first), and a campaign file's seed takes the range --seed
// does (seed -1 used to replay seed 0 exactly).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

function outdial(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/outdial.mjs", ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tmp(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outdial-cli-${prefix}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function phones(n: number): string {
  let body = "phone\n";
  for (let i = 0; i < n; i++) body += `+1212555${String(1000 + i)}\n`;
  return body;
}

test("simulate refuses a campaign that dials for agents and has none, instead of idling to its time limit", (t) => {
  const dir = tmp(t, "noagents");
  const csv = path.join(dir, "p.csv");
  fs.writeFileSync(csv, phones(3));
  for (const dialMethod of ["preview", "progressive", "power", "predictive"]) {
    const camp = path.join(dir, `${dialMethod}.json`);
    fs.writeFileSync(camp, JSON.stringify({ startAt: "2026-03-02T13:00:00Z", settings: { dialMethod } }));
    const r = outdial("simulate", camp, csv);
    assert.equal(r.code, 1, `${dialMethod}: exit ${r.code}: ${r.out}`);
    assert.match(
      r.err,
      new RegExp(
        `dials "${dialMethod}", which calls for agents, and has none: set agents.count in the file or pass --agents N`,
      ),
    );
    assert.equal(r.out, "");
  }
  // --agents alone is enough.
  const camp = path.join(dir, "progressive.json");
  const ok = outdial("simulate", camp, csv, "--agents", "2", "--max-hours", "1", "--json");
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).agents.count, 2);
});

test("simulate refuses a bad --seed or --max-hours before it reads the CSV", (t) => {
  const dir = tmp(t, "flags");
  // Not even there: the flag is the first thing wrong.
  const missing = path.join(dir, "missing.csv");
  for (const [flag, value] of [
    ["--seed", "7x"],
    ["--seed", "4294967296"],
    ["--max-hours", "0"],
  ]) {
    for (const csv of [missing, "examples/contacts.csv"]) {
      const r = outdial("simulate", "examples/campaign.json", csv, flag, value);
      assert.equal(r.code, 1, `${flag} ${value}`);
      assert.match(r.err, new RegExp(`^outdial simulate: ${flag} must be a .*number`), r.err);
      assert.doesNotMatch(r.err, /^import:/m, `${flag} ${value}: ${r.err}`);
    }
  }
});

test("a campaign file's seed is refused outside 0…4294967295, as --seed is", (t) => {
  const dir = tmp(t, "seed");
  const csv = path.join(dir, "p.csv");
  fs.writeFileSync(csv, phones(20));
  const run = (seed: number) => {
    const camp = path.join(dir, `s${seed}.json`);
    fs.writeFileSync(
      camp,
      JSON.stringify({ seed, startAt: "2026-03-02T13:00:00Z", settings: { maxAttemptsPerContact: 2 } }),
    );
    return outdial("simulate", camp, csv, "--json");
  };
  for (const seed of [-1, 2 ** 32]) {
    const r = run(seed);
    assert.equal(r.code, 1, `seed ${seed}: ${r.out}`);
    assert.match(r.err, /s-?\d+\.json: seed must be [<>]=/, r.err);
  }
  for (const seed of [0, 2 ** 32 - 1]) {
    const r = run(seed);
    assert.equal(r.code, 0, `seed ${seed}: ${r.err}`);
    assert.equal(JSON.parse(r.out).contacts, 20);
  }
});
