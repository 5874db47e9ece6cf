// OUTDIAL_DATABASE_URL refused only "scheme://" values of other schemes than postgres(ql)://. A JDBC URL
// (jdbc:postgresql://…?password=…, what a Java shop's configuration holds) or the one-slash typo postgres:/…
// passed as a SQLite file path: `outdial serve` made folders named after the URL in its working directory,
// served a fresh empty database with a new owner key, and printed the password in its banner (maskUrlPassword
// masked only "scheme://" URLs). Any value starting with a URL scheme other than postgres:// or postgresql://
// is refused now, naming the variable and never the password, while Windows drive paths (one letter before
// the colon) and plain paths stay SQLite paths; maskUrlPassword masks such values too.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig, maskUrlPassword } from "../../src/config/config.ts";
import { isPostgresUrl } from "../../src/store/db.ts";
import { freePort } from "../helpers/child.ts";

const BIN = path.resolve("bin/outdial.mjs");
const SECRET = "s3cretPassw0rd";
const JDBC = `jdbc:postgresql://db.internal:5432/outdial?user=app&password=${SECRET}`;

test("a value starting with another URL scheme is refused naming the variable, not the password", () => {
  for (const url of [
    JDBC,
    `postgres:/app:${SECRET}@db.internal/outdial`,
    `postgresql:app:${SECRET}@db.internal/outdial`,
    `jdbc:sqlserver://db;user=app;password=${SECRET}`,
    `file:outdial.db?key=${SECRET}`,
  ]) {
    assert.throws(
      () => loadConfig({ OUTDIAL_DATABASE_URL: url }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, url);
        assert.match(err.message, /OUTDIAL_DATABASE_URL must be a postgres:\/\/ \(or postgresql:\/\/\) URL/);
        assert.doesNotMatch(err.message, new RegExp(SECRET), url);
        return true;
      },
    );
  }
  assert.throws(() => loadConfig({ OUTDIAL_DATABASE_URL: JDBC }), /got a jdbc: URL/);
  assert.throws(
    () => loadConfig({ OUTDIAL_DATABASE_URL: "postgres:/db/outdial" }),
    /got postgres: without the \/\//,
  );
});

test("Windows drive paths and plain paths, colons in them included, stay SQLite file paths", () => {
  for (const file of [
    "C:\\outdial\\outdial.db",
    "C:/outdial/outdial.db",
    "d:outdial.db",
    "./backup:2024.db",
    "/var/lib/outdial/outdial.db",
    "data/outdial.db",
    ":memory:",
  ]) {
    const { databaseUrl } = loadConfig({ OUTDIAL_DATABASE_URL: file });
    assert.equal(databaseUrl, file);
    assert.equal(isPostgresUrl(databaseUrl), false, file);
    assert.equal(maskUrlPassword(file), file, "a path is shown as it is");
  }
});

test("maskUrlPassword masks the password of a value it cannot read as a postgres:// URL", () => {
  const cases: [string, string][] = [
    [JDBC, "jdbc:postgresql://db.internal:5432/outdial?user=app&password=***"],
    [`postgres:/app:${SECRET}@db.internal/outdial`, "postgres:/app:***@db.internal/outdial"],
    [`jdbc:postgresql://app:${SECRET}@db/outdial`, "jdbc:postgresql://app:***@db/outdial"],
    [
      `jdbc:sqlserver://db;user=app;password=${SECRET};encrypt=true`,
      "jdbc:sqlserver://db;user=app;password=***",
    ],
    // With no parser to say where the password ends, the rest is hidden: an `@` in it hides no part.
    [`mysql:app:${SECRET}@x@db/outdial`, "mysql:app:***@db/outdial"],
    [`postgres://app:${SECRET}@db/outdial`, "postgres://app:***@db/outdial"],
    // A user information without a colon may be the password alone: hidden whole.
    [`postgres:/${SECRET}@db.internal/outdial`, "postgres:/***@db.internal/outdial"],
    [`mysql:${SECRET}@db/outdial`, "mysql:***@db/outdial"],
    [`jdbc:mysql://${SECRET}@db/outdial`, "jdbc:mysql://***@db/outdial"],
  ];
  for (const [url, shown] of cases) assert.equal(maskUrlPassword(url), shown, url);
});

test("outdial serve on a JDBC URL refuses to start: no folders, no banner, no password", {
  timeout: 60_000,
}, async (t) => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-config-jdbc-"));
  t.after(() => fs.rmSync(cwd, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, "serve"], {
    cwd,
    env: {
      ...process.env,
      OUTDIAL_PORT: String(await freePort()),
      OUTDIAL_LOG_LEVEL: "warn",
      OUTDIAL_DATABASE_URL: JDBC,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  // Before the fix it served: stop it at its banner rather than wait out the timeout.
  child.stdout.on("data", () => /listening/.test(out) && child.kill("SIGTERM"));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.doesNotMatch(out, new RegExp(SECRET), out);
  assert.doesNotMatch(out, /listening/, "it served");
  assert.deepEqual(fs.readdirSync(cwd), [], "folders named after the URL were made");
  assert.equal(code, 1, out);
  assert.match(out, /OUTDIAL_DATABASE_URL/);
});
