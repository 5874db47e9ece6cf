// OUTDIAL_DATABASE_URL as the CLI reads it: a URL whose scheme is not postgres:// or postgresql:// (mysql://,
// a typo) used to be taken as a SQLite file path — outdial made folders named after the URL (its password
// among them) in the working directory, a fresh database in them, and dialed from it while its banner said
// postgres://. It is refused now, naming the variable and not the password; Postgres:// (URL schemes are
// case-insensitive) reaches PostgreSQL.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import pg from "pg";
import { freePort } from "../helpers/child.ts";
import { pgRequired } from "../helpers/stores.ts";

const BIN = path.resolve("bin/outdial.mjs");

function tmp(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outdial-cli-${prefix}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `outdial serve` in `cwd` until it prints "listening" (then SIGTERM) or exits: its output and exit code. */
async function serveOnce(cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, "serve"], {
    cwd,
    env: { ...process.env, OUTDIAL_PORT: String(await freePort()), OUTDIAL_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setInterval(() => {
      if (/listening/.test(out)) {
        clearInterval(timer);
        child.kill("SIGTERM");
      }
    }, 50);
    child.on("exit", (c) => {
      clearInterval(timer);
      resolve(c);
    });
  });
  return { out, code, banner: out.split("\n").find((l) => l.includes("listening")) ?? "" };
}

test("import refuses a database URL of another scheme, naming the variable, and makes no SQLite file of it", (t) => {
  for (const url of [
    "mysql://ops:s3cret@127.0.0.1/outdial",
    "postgress://ops:s3cret@127.0.0.1:1/outdial",
    "postgres+ssl://ops:s3cret@127.0.0.1:1/outdial",
  ]) {
    const cwd = tmp(t, "url");
    fs.writeFileSync(path.join(cwd, "c.csv"), "phone\n+12125550100\n");
    const r = spawnSync(process.execPath, [BIN, "import", "--campaign", "1", "c.csv"], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, OUTDIAL_DATABASE_URL: url },
      timeout: 60_000,
    });
    const made = fs.readdirSync(cwd).filter((f) => f !== "c.csv");
    assert.deepEqual(made, [], `${url}: created ${made.join(", ")}; stderr: ${r.stderr.trim()}`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /OUTDIAL_DATABASE_URL must be a postgres:\/\/ .*URL or a SQLite file path/, url);
    assert.doesNotMatch(r.stderr, /s3cret/, url);
  }
});

test("serve refuses mysql://… instead of serving a new SQLite database", { timeout: 90_000 }, async (t) => {
  const cwd = tmp(t, "url-serve");
  const r = await serveOnce(cwd, { OUTDIAL_DATABASE_URL: "mysql://ops:s3cret@127.0.0.1:1/outdial" });
  assert.equal(r.banner, "", `it served: ${r.banner}`);
  assert.equal(r.code, 1);
  assert.match(r.out, /OUTDIAL_DATABASE_URL/);
  assert.doesNotMatch(r.out, /s3cret/);
  assert.deepEqual(fs.readdirSync(cwd), []);
});

test("serve takes Postgres://… (a scheme in upper case) as PostgreSQL, not as a SQLite path", {
  timeout: 90_000,
}, async (t) => {
  const cwd = tmp(t, "url-pg");
  const url = process.env.OUTDIAL_TEST_PG_URL;
  if (!url) {
    // Without a server it still must not become a file: the start fails on the connection instead.
    const r = await serveOnce(cwd, {
      OUTDIAL_DATABASE_URL: "Postgres://ops:s3cret@127.0.0.1:1/outdial",
      OUTDIAL_LEASE_MS: "1000",
    });
    assert.equal(r.banner, "", `it served: ${r.banner}`);
    assert.notEqual(r.code, 0);
    assert.deepEqual(fs.readdirSync(cwd), [], r.out);
    if (pgRequired()) throw new Error("PostgreSQL is required here but OUTDIAL_TEST_PG_URL is not set");
    return;
  }
  const name = `outdial_cli_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const upper = new URL(url);
    upper.pathname = `/${name}`;
    const r = await serveOnce(cwd, {
      OUTDIAL_DATABASE_URL: upper.toString().replace(/^postgres(ql)?:/, (s) => s.toUpperCase()),
    });
    assert.match(r.banner, new RegExp(`database postgres(ql)?://[^ ]*/${name},`), r.out);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(fs.readdirSync(cwd), []);
    // The start migrated that database and made its first account there.
    const made = new URL(url);
    made.pathname = `/${name}`;
    const db = new pg.Client({ connectionString: made.toString() });
    await db.connect();
    const accounts = await db.query("SELECT count(*)::int AS n FROM accounts").finally(() => db.end());
    assert.equal(accounts.rows[0].n, 1);
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
});
