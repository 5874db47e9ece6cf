// `outdial serve` stopped by a signal exits 0 once everything is closed, and non-zero when the shutdown
// fails (it used to print "shutdown failed" and exit 0, telling a supervisor all was well).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { childSetup } from "../helpers/child.ts";

/** Starts serve (with `preload` required first, if given), SIGTERMs it once it listens: its exit and output. */
async function serveAndStop(env: Record<string, string>, preload?: string) {
  const child = spawn(
    process.execPath,
    [...(preload ? ["--require", preload] : []), "bin/outdial.mjs", "serve"],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setInterval(() => {
      if (/outdial listening on/.test(out)) {
        clearInterval(timer);
        child.kill("SIGTERM");
      }
    }, 50);
    child.on("exit", (c) => {
      clearInterval(timer);
      resolve(c);
    });
  });
  return { code, out };
}

test("serve exits 0 after a clean shutdown, 1 after a failed one", { timeout: 120_000 }, async (t) => {
  const { dir, env } = await childSetup("outdial-cli-shutdown-");
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clean = await serveAndStop(env);
  assert.equal(clean.code, 0, clean.out);
  assert.match(clean.out, /SIGTERM: shutting down/);
  assert.doesNotMatch(clean.out, /shutdown failed/);

  // The database cannot be closed: the last step of the shutdown fails.
  const sqlite = createRequire(path.resolve("package.json")).resolve("better-sqlite3");
  const preload = path.join(dir, "close-fails.cjs");
  fs.writeFileSync(
    preload,
    `const Database = require(${JSON.stringify(sqlite)});
Database.prototype.close = function () { throw new Error("simulated close failure"); };
`,
  );
  const failed = await serveAndStop(env, preload);
  assert.match(failed.out, /shutdown failed: Error: simulated close failure/, failed.out);
  assert.equal(failed.code, 1, failed.out);
});
