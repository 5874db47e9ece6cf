// The CLI run as a user runs it (bin/outdial.mjs): help on every command, numeric options that refuse
// typos instead of running with a silent default, a start banner that never shows the database's
// password, and an import that defaults, advises and cleans up after itself as the API's does.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import pg from "pg";
import { defaultApiUrl } from "../../src/cli/api-get.ts";
import { parseCampaignFile } from "../../src/cli/campaign-file.ts";
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

test("no command is a usage error: the usage on stderr, exit 1; help asked for goes to stdout", () => {
  const none = outdial();
  assert.equal(none.code, 1);
  assert.equal(none.out, "");
  assert.match(none.err, /usage:/);
  const help = outdial("help");
  assert.equal(help.code, 0);
  assert.match(help.out, /usage:/);
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

test("simulate refuses agents for a robot campaign, and runs the agent example", () => {
  const robot = outdial("simulate", "examples/campaign.json", "examples/contacts.csv", "--agents", "3");
  assert.equal(robot.code, 1, robot.out);
  assert.match(robot.err, /agents need a campaign that dials for them: .* dials "robot"/);
  const agents = outdial("simulate", "examples/agent-campaign.json", "examples/contacts.csv", "--json");
  assert.equal(agents.code, 0, agents.err);
  const report = JSON.parse(agents.out);
  assert.equal(report.agents.count, 5);
  assert.ok(report.agents.occupancy > 0.3, `occupancy ${report.agents.occupancy}`);
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
  const { dir, rows, run } = await importDatabase();
  const counts = async () => [await rows("lists"), await rows("contacts")];
  for (const args of [
    [path.join(dir, "missing.csv")],
    ["--phone-policy", "bogus", "examples/contacts.csv"],
    ["examples/contacts.csv"], // the file uses ';', not the default ',': no phone column
  ]) {
    const r = run(...args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.out}`);
    assert.deepEqual(await counts(), [1, 0], `${args.join(" ")} left something behind`);
  }
  const ok = run("--delimiter", ";", "--default-country", "US", "examples/contacts.csv");
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

test("a campaign file's agent times and scenario are checked in full, naming the field", () => {
  const base = JSON.parse(fs.readFileSync("examples/campaign.json", "utf8"));
  const bad: [Record<string, unknown>, RegExp][] = [
    // A uniform without min and max gave the agents NaN seconds, and the simulation never ended.
    [{ agents: { count: 2, talkSec: { kind: "uniform" } } }, /agents\.talkSec: min must be/],
    [{ agents: { count: 2, wrapSec: { kind: "lognormal", median: 10 } } }, /agents\.wrapSec: sigma must be/],
    [
      { agents: { count: 2, talkSec: { kind: "uniform", min: 9, max: 1 } } },
      /agents\.talkSec: min is above max/,
    ],
    [{ scenario: { outcomes: { human: -1 } } }, /scenario\.outcomes\.human/],
    [{ scenario: "always_bussy" }, /unknown name "always_bussy"/],
    [{ settings: { ...base.settings, scenario: "nope" } }, /unknown name "nope"/],
  ];
  for (const [over, message] of bad) {
    const text = JSON.stringify({ ...base, scenario: undefined, ...over });
    assert.throws(() => parseCampaignFile(text, "c.json"), message, JSON.stringify(over));
  }
  const good = { ...base, agents: { count: 2, talkSec: 30, wrapSec: { kind: "uniform", min: 1, max: 5 } } };
  assert.equal(parseCampaignFile(JSON.stringify(good), "c.json").agents?.count, 2);
});

test("a campaign file's start names its instant: the same file and seed simulate alike in every TZ", () => {
  const base = JSON.parse(fs.readFileSync("examples/campaign.json", "utf8"));
  const at = (startAt: string) => () => parseCampaignFile(JSON.stringify({ ...base, startAt }), "c.json");
  // Date.parse reads these in the machine's zone: TZ=Asia/Tokyo simulated another day than TZ=UTC.
  for (const local of ["2026-03-02T06:00:00", "2026-03-02T06:00", "March 2, 2026 06:00"])
    assert.throws(at(local), /startAt ".*" needs a time zone/, local);
  for (const zoned of [
    "2026-03-02T06:00:00Z",
    "2026-03-02T09:00:00+03:00",
    "2026-03-02T06:00:00.5-0500",
    "2026-03-02",
  ])
    assert.doesNotThrow(at(zoned), zoned);
});

test("import refuses an id that is not one; explain says where outdial could not be reached", async () => {
  for (const [flag, value] of [
    ["--campaign", "abc"],
    ["--campaign", "1.5"],
    ["--list", "abc"],
  ]) {
    const args = flag === "--list" ? ["--campaign", "1", flag, value] : [flag, value];
    const r = outdial("import", ...args, "examples/contacts.csv");
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`${flag} must be a positive whole number \\(got "${value}"\\)`), r.err);
  }
  // A port nobody listens on. Was "outdial explain: fetch failed".
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const r = outdial("explain", "1", "--key", "x", "--url", `http://127.0.0.1:${port}`);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    new RegExp(`cannot reach outdial at http://127.0.0.1:${port} \\(ECONNREFUSED\\)`),
    r.err,
  );
  // A key pasted with a line break in it: said so, and never printed (fetch's own refusal quoted it whole).
  const secret = "od_YywY54VgjM8D1X4z5\nxst9Me8oPTg3J";
  for (const command of ["explain", "pacing"]) {
    const bad = outdial(command, "1", "--key", secret, "--url", `http://127.0.0.1:${port}`);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /the API key \(--key or OUTDIAL_API_KEY\) holds a space, line break/);
    assert.ok(!bad.err.includes("YywY54"), `key printed: ${bad.err}`);
  }
});

test("on a terminal, a command that fails mid-progress stops its bar, prints on its own line and exits", {
  skip: fs.existsSync("/usr/bin/script") ? false : "no script(1) for a pseudo-terminal",
}, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-tty-"));
  const campaign = path.join(dir, "campaign.json");
  fs.writeFileSync(campaign, JSON.stringify({ csv: { encoding: "bogus" } }));
  const csv = path.join(dir, "contacts.csv");
  fs.writeFileSync(csv, "phone\n+12025550100\n");
  // Before, the import bar's redraw timer kept the process alive for ever after the error.
  const r = spawnSync(
    "/usr/bin/script",
    ["-qec", `${process.execPath} bin/outdial.mjs simulate ${campaign} ${csv}`, "/dev/null"],
    { encoding: "utf8", timeout: 60_000 },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.error, undefined, "it exits");
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /import +\[/, "a bar was drawn");
  assert.ok(r.stdout.includes("\u001b[?7h"), "line wrapping is switched back on");
  assert.match(
    r.stdout,
    /\n\r?outdial simulate: \S+campaign\.json: csv\.encoding: unknown encoding "bogus"/,
    "the error has a line of its own",
  );
});

test("explain and pacing look for outdial where serve listens under the same settings", () => {
  assert.equal(defaultApiUrl({}), "http://127.0.0.1:8080");
  assert.equal(defaultApiUrl({ OUTDIAL_PORT: "9000" }), "http://127.0.0.1:9000");
  // Before, always http://127.0.0.1: a node with a certificate only answered "socket closed".
  assert.equal(
    defaultApiUrl({ OUTDIAL_TLS_CERT: "/etc/c.pem", OUTDIAL_HOST: "10.0.0.5", OUTDIAL_PORT: "8443" }),
    "https://10.0.0.5:8443",
  );
  assert.equal(defaultApiUrl({ OUTDIAL_HOST: "0.0.0.0" }), "http://127.0.0.1:8080");
  assert.equal(defaultApiUrl({ OUTDIAL_HOST: "::" }), "http://[::1]:8080");
  assert.equal(defaultApiUrl({ OUTDIAL_HOST: "fd00::5" }), "http://[fd00::5]:8080");
});

/** A SQLite database file with one account and campaign, for `outdial import`. */
async function importDatabase() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-cli-import-"));
  const env = { OUTDIAL_DATABASE_URL: path.join(dir, "outdial.db") };
  const store = await openStore({ url: env.OUTDIAL_DATABASE_URL });
  const accountId = await insertAccount(store.db, "acme", 0);
  const { campaignId } = await createCampaign(store, accountId);
  await store.close();
  const rows = async (table: "lists" | "contacts") => {
    const s = await openStore({ url: env.OUTDIAL_DATABASE_URL });
    try {
      const r = await s.db
        .selectFrom(table)
        .select((e) => e.fn.countAll<number>().as("n"))
        .executeTakeFirst();
      return Number(r?.n);
    } finally {
      await s.close();
    }
  };
  const run = (...args: string[]) => outdialWith(env, "import", "--campaign", String(campaignId), ...args);
  return { dir, env, campaignId, rows, run };
}

test("import skips a phone the campaign already has by default, as the API does; --duplicate-policy allow keeps it", async () => {
  const { dir, rows, run } = await importDatabase();
  const csv = path.join(dir, "people.csv");
  fs.writeFileSync(csv, "phone,name\n+12125550100,Ann\n+12125550101,Bob\n+12125550100,Ann again\n");
  const first = run(csv);
  assert.equal(first.code, 0, first.err);
  assert.deepEqual([JSON.parse(first.out).inserted, JSON.parse(first.out).skipped], [2, 1]);
  assert.equal(run(csv).code, 0);
  assert.equal(await rows("contacts"), 2, "the second import of the same file adds nobody");
  const allowed = run("--duplicate-policy", "allow", csv);
  assert.equal(allowed.code, 0, allowed.err);
  assert.equal(await rows("contacts"), 5);
  assert.match(outdial("--help").out, /--duplicate-policy skip\|allow\|reject/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("import takes --delimiter tab as the API takes delimiter=tab, and its advice names its own options", async () => {
  const { dir, rows, run } = await importDatabase();
  const tsv = path.join(dir, "people.tsv");
  fs.writeFileSync(tsv, "phone\tname\n+12125550100\tAnn\n");
  for (const tab of ["tab", "\\t"]) {
    const r = run("--delimiter", tab, "--duplicate-policy", "allow", tsv);
    assert.equal(r.code, 0, `--delimiter ${tab}: ${r.err}`);
  }
  assert.equal(await rows("contacts"), 2);
  const cell = path.join(dir, "cell.csv");
  fs.writeFileSync(cell, "Cell,name\n+12125550100,Ann\n");
  const noPhone = run(cell);
  assert.equal(noPhone.code, 1);
  assert.match(
    noPhone.err,
    /no phone column; outdial import does not map columns: rename the phone column to phone/,
  );
  const cp1251 = path.join(dir, "cp1251.csv");
  fs.writeFileSync(
    cp1251,
    Buffer.concat([Buffer.from("phone,name\n+79161234567,"), Buffer.from([0xc8, 0xec, 0xff, 0x0a])]),
  );
  const badBytes = run(cp1251);
  assert.equal(badBytes.code, 1);
  assert.match(
    badBytes.err,
    /row 1 \(line 2\) has bytes that are not valid UTF-8; pass the file's encoding with --encoding/,
  );
  const country = run("--default-country", "XX", tsv);
  assert.match(country.err, /--default-country: unknown country "XX"/);
  for (const r of [noPhone, badBytes, country])
    assert.doesNotMatch(r.err, /map\.|encoding=|default_country/, r.err);
  assert.equal(run("--encoding", "windows-1251", cp1251).code, 0);
  assert.deepEqual(
    [await rows("lists"), await rows("contacts")],
    [4, 3],
    "only the imports that succeeded kept a list",
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("import removes the scratch files of a CLI import that was killed (only a server start did) (import6)", async () => {
  const { dir, rows, run } = await importDatabase();
  // A process that is gone: its pid names the files a SIGKILL left.
  const dead = spawnSync(process.execPath, ["-e", ""]).pid;
  const left = [
    `.outdial-import-${dead}-1-0123456789ab.tmp`,
    `.outdial-import-${dead}-1-0123456789ab.tmp-journal`,
  ];
  for (const name of left) fs.writeFileSync(path.join(dir, name), "staged rows");
  const csv = path.join(dir, "people.csv");
  fs.writeFileSync(csv, "phone\n+12125550100\n");
  const r = run(csv);
  assert.equal(r.code, 0, r.err);
  for (const name of left)
    assert.match(
      r.err,
      new RegExp(`removed ${name.replaceAll(".", "\\.")}, left by an import whose process died`),
    );
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.startsWith(".outdial-import-")),
    [],
  );
  assert.equal(await rows("contacts"), 1);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("import of a file that brings nothing exits 1 and leaves no list; one whose rows are all there already exits 0 (cli6)", async () => {
  const { dir, rows, run } = await importDatabase();
  const lists = await rows("lists");
  for (const [what, body, why] of [
    ["every row invalid", "phone\nnot a phone\nalso bad\n", /none of its 2 rows is valid/],
    ["an empty file", "", /it has no rows/],
    ["a header only", "phone\n", /it has no rows/],
  ] as const) {
    const csv = path.join(dir, "c.csv");
    fs.writeFileSync(csv, body);
    const r = run(csv);
    assert.equal(r.code, 1, `${what}: ${r.out}`);
    assert.match(r.err, why, what);
    assert.equal(JSON.parse(r.out).listId, null, what);
    assert.equal(await rows("lists"), lists, `${what}: the empty list it made is gone`);
  }
  const csv = path.join(dir, "people.csv");
  fs.writeFileSync(csv, "phone\n+12125550100\n");
  assert.equal(run(csv).code, 0);
  // Run again: nothing new, but nothing wrong either (a script re-running an import).
  const again = run(csv);
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out).inserted, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("import refuses a file over OUTDIAL_MAX_IMPORT_BYTES, naming the setting, and leaves nothing", async () => {
  const { dir, env, campaignId, rows } = await importDatabase();
  const csv = path.join(dir, "people.csv");
  let body = "phone\n";
  for (let i = 0; i < 100; i++) body += `+1212555${String(i).padStart(4, "0")}\n`;
  fs.writeFileSync(csv, body); // 1,306 bytes
  const args = ["import", "--campaign", String(campaignId), csv];
  const r = outdialWith({ ...env, OUTDIAL_MAX_IMPORT_BYTES: "1K" }, ...args);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /the file is larger than 1024 bytes; OUTDIAL_MAX_IMPORT_BYTES sets the limit/);
  assert.deepEqual([await rows("lists"), await rows("contacts")], [1, 0]);
  assert.equal(outdialWith({ ...env, OUTDIAL_MAX_IMPORT_BYTES: "2K" }, ...args).code, 0);
  assert.equal(await rows("contacts"), 100);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("an import interrupted by SIGINT or SIGTERM exits 130 or 143, leaving no list and no scratch file", {
  timeout: 120_000,
}, async () => {
  const { dir, env, campaignId, rows } = await importDatabase();
  // Large enough to be parsed in a worker and staged in a scratch file for a while.
  const csv = path.join(dir, "big.csv");
  const fd = fs.openSync(csv, "w");
  fs.writeSync(fd, "phone,name\n");
  for (let j = 0; j < 12; j++) {
    let chunk = "";
    for (let i = 0; i < 25_000; i++)
      chunk += `+1212555${String(i % 10_000).padStart(4, "0")},person ${j}-${i} ${"x".repeat(30)}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  const scratch = () => fs.readdirSync(dir).filter((n) => n.startsWith(".outdial-import-"));
  for (const [signal, expected] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    const child = spawn(
      process.execPath,
      ["bin/outdial.mjs", "import", "--campaign", String(campaignId), csv],
      {
        env: { ...process.env, ...env },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const until = Date.now() + 60_000;
    while (scratch().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(scratch().length > 0, "the import started staging rows");
    child.kill(signal);
    assert.equal(await exited, expected, err);
    assert.match(err, new RegExp(`interrupted by ${signal}; nothing was imported`));
    assert.deepEqual(scratch(), [], `${signal}: scratch files left next to the database`);
    assert.deepEqual(
      [await rows("lists"), await rows("contacts")],
      [1, 0],
      `${signal}: the import's list is left`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
