// `outdial simulate` imports its CSV into an in-memory database, staging the rows in a scratch SQLite file
// in the temp directory. Ctrl-C (or a supervisor's SIGTERM) while the CSV was read killed the process the
// default way and left that file (41 MB for a 12 MB CSV) in the temp directory for good: no sweep looked
// there. simulate now stops its import on the signal, as `outdial import` does, and exits 128 + signal;
// and a start sweeps the temp directory too, for the files of a simulate killed with SIGKILL.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { outdialSync } from "../helpers/child.ts";

function tmp(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outdial-cli-${prefix}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A file large enough to be parsed in a worker and staged in a scratch file for a while. */
function bigCsv(file: string): void {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, "phone,name\n");
  for (let j = 0; j < 12; j++) {
    let chunk = "";
    for (let i = 0; i < 25_000; i++)
      chunk += `+1212${230 + j}${String(i % 10_000).padStart(4, "0")},person ${j}-${i} ${"x".repeat(30)}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

const scratchIn = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith(".outdial-import-"));

test("simulate interrupted by SIGINT or SIGTERM while it reads its CSV exits 130 or 143 and leaves no scratch file", {
  timeout: 180_000,
}, async (t) => {
  const dir = tmp(t, "sim-interrupted");
  // The child's own temp directory: where an in-memory database's import stages its rows.
  const tmpdir = path.join(dir, "tmp");
  fs.mkdirSync(tmpdir);
  const csv = path.join(dir, "big.csv");
  bigCsv(csv);
  const campaign = path.join(dir, "campaign.json");
  fs.writeFileSync(campaign, JSON.stringify({ name: "big", seed: 1, settings: { maxConcurrent: 10 } }));
  for (const [signal, expected] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    const child = spawn(process.execPath, ["bin/outdial.mjs", "simulate", campaign, csv], {
      env: { ...process.env, TMPDIR: tmpdir },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const until = Date.now() + 60_000;
    while (scratchIn(tmpdir).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(scratchIn(tmpdir).length > 0, `${signal}: the import started staging rows: ${err}`);
    child.kill(signal);
    assert.equal(await exited, expected, err);
    assert.match(err, new RegExp(`outdial simulate: interrupted by ${signal}; nothing was simulated`));
    assert.deepEqual(scratchIn(tmpdir), [], `${signal}: scratch files left in the temp directory`);
  }
});

test("a start sweeps the temp directory of the scratch files a dead outdial left there, and only those", (t) => {
  const dir = tmp(t, "sim-sweep");
  const tmpdir = path.join(dir, "tmp");
  fs.mkdirSync(tmpdir);
  // A pid no process has any more: a simulate killed with SIGKILL mid-import.
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  const deadPid = Number(dead.stdout);
  const stale = [
    `.outdial-import-${deadPid}-1-0a1b2c3d4e5f.tmp`,
    `.outdial-import-${deadPid}-1-0a1b2c3d4e5f.tmp-journal`,
  ];
  // This test's process is alive: an import under way in another outdial.
  const live = `.outdial-import-${process.pid}-1-aaaaaaaaaaaa.tmp`;
  const notOurs = [".outdial-import-notes.txt", `outdial-import-${deadPid}-1-x.tmp`, "other.tmp"];
  for (const name of [...stale, live, ...notOurs]) fs.writeFileSync(path.join(tmpdir, name), "x");
  const campaign = path.join(dir, "campaign.json");
  fs.writeFileSync(campaign, JSON.stringify({ seed: 1 }));
  const csv = path.join(dir, "p.csv");
  fs.writeFileSync(csv, "phone\n+12125550100\n");
  const r = outdialSync({ TMPDIR: tmpdir }, "simulate", campaign, csv);
  assert.equal(r.code, 0, r.err);
  for (const name of stale)
    assert.match(
      r.err,
      new RegExp(`removed .*${name.replaceAll(".", "\\.")}, left by an import whose process died`),
    );
  // (tsx, which runs the CLI, keeps its cache there too.)
  const left = new Set(fs.readdirSync(tmpdir));
  assert.deepEqual(
    [...stale, live, ...notOurs].filter((name) => left.has(name)),
    [live, ...notOurs],
  );
});
