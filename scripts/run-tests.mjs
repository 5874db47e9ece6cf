// Runs every test/**/*.test.ts file (or the files/folders given) under node's own test runner with tsx.
// Node 20's runner has no glob support, so the file list is built here.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

function collect(p, out) {
  const st = fs.statSync(p);
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(p).sort()) collect(path.join(p, e), out);
  } else if (p.endsWith(".test.ts")) out.push(p);
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith("--"));
const targets = args.filter((a) => !a.startsWith("--"));
const files = [];
for (const t of targets.length ? targets : ["test"]) collect(t, files);
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...flags, ...files],
  { stdio: "inherit" },
);
process.exit(res.status ?? 1);
