// The CLI run as a user runs it (bin/outdial.mjs): help on every command, numeric options that refuse
// typos instead of running with a silent default, and a start banner that never shows the database's
// password.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import pg from "pg";
import { insertAccount } from "../../src/store/accounts.ts";
import { openStore } from "../../src/store/db.ts";
import { childSetup, startOutdial } from "../helpers/child.ts";
import { createCampaign } from "../helpers/fixtures.ts";
import { pgRequired } from "../helpers/stores.ts";

function outdial(...args: string[]) {
  return outdialWith({}, ...args);
}

function outdialWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/outdial.mjs", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("--help works on every command and exits 0", () => {
  for (const command of ["serve", "import", "simulate", "explain", "pacing"]) {
    const r = outdial(command, "--help");
    assert.equal(r.code, 0, `${command}: ${r.err}`);
    assert.match(r.out, /usage:/);
  }
});

test("simulate refuses a seed or a time limit that is not a number", () => {
  for (const [flag, value] of [
    ["--seed", "abc"],
    ["--seed", "1.5"],
    ["--max-hours", "abc"],
    ["--max-hours", "0"],
    ["--agents", "x"],
  ]) {
    const r = outdial("simulate", "examples/campaign.json", "examples/contacts.csv", flag, value);
    assert.equal(r.code, 1, `${flag} ${value} must fail`);
    assert.match(r.err, new RegExp(`${flag} must be a .*number`), r.err);
  }
});

test("simulate refuses a CSV that brings no contact instead of idling to its time limit", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-sim-"));
  const empty = path.join(dir, "empty.csv");
  fs.writeFileSync(empty, "phone\n");
  const invalid = path.join(dir, "invalid.csv");
  fs.writeFileSync(invalid, "phone\n12\nabc\n");
  for (const [file, rows] of [
    [empty, 0],
    [invalid, 2],
  ] as const) {
    const r = outdial("simulate", "examples/campaign.json", file);
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.err,
      new RegExp(`no contacts to simulate: .* has ${rows} data rows and none was imported`),
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a failed import writes nothing, not even the list it would have made", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-import-"));
  const env = { OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db") };
  const store = await openStore({ url: env.OUTDIAL_DATABASE_URL });
  const accountId = await insertAccount(store.db, "acme", 0);
  const { campaignId } = await createCampaign(store, accountId);
  await store.close();
  const counts = async () => {
    const s = await openStore({ url: env.OUTDIAL_DATABASE_URL });
    try {
      const lists = await s.db
        .selectFrom("lists")
        .select((e) => e.fn.countAll<number>().as("n"))
        .executeTakeFirst();
      const contacts = await s.db
        .selectFrom("contacts")
        .select((e) => e.fn.countAll<number>().as("n"))
        .executeTakeFirst();
      return [Number(lists?.n), Number(contacts?.n)];
    } finally {
      await s.close();
    }
  };
  const id = String(campaignId);
  for (const args of [
    [path.join(dir, "missing.csv")],
    ["--phone-policy", "bogus", "examples/contacts.csv"],
    ["examples/contacts.csv"], // the file uses ';', not the default ',': no phone column
  ]) {
    const r = outdialWith(env, "import", "--campaign", id, ...args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.out}`);
    assert.deepEqual(await counts(), [1, 0], `${args.join(" ")} left something behind`);
  }
  const ok = outdialWith(
    env,
    "import",
    "--campaign",
    id,
    "--delimiter",
    ";",
    "--default-country",
    "US",
    "examples/contacts.csv",
  );
  assert.equal(ok.code, 0, ok.err);
  const [lists, contacts] = await counts();
  assert.equal(lists, 2);
  assert.ok(contacts > 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("serve prints the database address without its password", { timeout: 60_000 }, async (t) => {
  const url = process.env.OUTDIAL_TEST_PG_URL;
  if (!url) {
    if (pgRequired()) throw new Error("PostgreSQL is required here but OUTDIAL_TEST_PG_URL is not set");
    t.skip("no PostgreSQL (OUTDIAL_TEST_PG_URL)");
    return;
  }
  // A database of its own (serve migrates it), reached with a password (trust auth ignores it).
  const name = `outdial_cli_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const withPassword = new URL(url);
  withPassword.password = "S3cretPw";
  withPassword.pathname = `/${name}`;
  const { env } = await childSetup("outdial-cli-", { OUTDIAL_DATABASE_URL: withPassword.toString() });
  const child = startOutdial(env);
  try {
    await child.ready;
    assert.doesNotMatch(child.output(), /S3cretPw/);
    assert.match(child.output(), new RegExp(`database postgres://[^ ]*:\\*\\*\\*@[^ ]*/${name}`));
  } finally {
    child.child.kill("SIGKILL");
    await new Promise((r) => child.child.once("exit", r));
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
});
