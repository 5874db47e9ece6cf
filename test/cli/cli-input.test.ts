// What the CLI makes of its input, run as a user runs it (bin/outdial.mjs): arguments it does not take are
// refused, simulate reads a CSV and a campaign file as the import does and says what to change in the
// file's own terms, calls per hour counts dialing time only, and simulated calls end when either side
// hangs up.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseCampaignFile } from "../../src/cli/campaign-file.ts";
import { insertAccount } from "../../src/store/accounts.ts";
import { openStore } from "../../src/store/db.ts";
import { outdialSync as outdial } from "../helpers/child.ts";
import { createCampaign } from "../helpers/fixtures.ts";

function tmp(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outdial-cli-${prefix}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(dir: string, name: string, body: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

/** 20 New York numbers, one per row. */
function phones(n: number): string {
  let body = "phone\n";
  for (let i = 0; i < n; i++) body += `+1212555${String(100 + i).padStart(4, "0")}\n`;
  return body;
}

async function contactCount(url: string): Promise<number> {
  const s = await openStore({ url });
  try {
    const r = await s.db
      .selectFrom("contacts")
      .select((e) => e.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(r?.n);
  } finally {
    await s.close();
  }
}

test("import refuses a second file, naming it, and imports neither; every command refuses extra arguments", async (t) => {
  const dir = tmp(t, "import");
  const url = path.join(dir, "outdial.db");
  const store = await openStore({ url });
  const accountId = await insertAccount(store.db, "acme", 0);
  const { campaignId } = await createCampaign(store, accountId);
  await store.close();
  const a = write(dir, "a.csv", "phone\n+12125550100\n");
  const b = write(dir, "b.csv", "phone\n+12125550101\n");
  // As `outdial import --campaign 1 *.csv` would run it.
  const r = outdial({ OUTDIAL_DATABASE_URL: url }, "import", "--campaign", String(campaignId), a, b);
  assert.equal(r.code, 1, r.out);
  assert.equal(
    r.err.trim(),
    `outdial import: unexpected argument ${b}; import takes one file (run it once per file)`,
  );
  assert.equal(await contactCount(url), 0);

  const sim = outdial({}, "simulate", "examples/campaign.json", "examples/contacts.csv", b);
  assert.equal(sim.code, 1, sim.out);
  assert.match(sim.err, /unexpected argument .*b\.csv; simulate takes one campaign file and one CSV file/);
  for (const command of ["explain", "pacing"]) {
    const x = outdial({}, command, "1", "2", "--url", "http://127.0.0.1:1");
    assert.equal(x.code, 1, x.out);
    assert.match(
      x.err,
      new RegExp(`^outdial ${command}: unexpected argument 2; ${command} takes one campaign id\n$`),
    );
  }
});

test("simulate skips a repeated phone by default, as the import does; csv.duplicatePolicy takes the import's values", (t) => {
  const dir = tmp(t, "dup");
  const csv = write(
    dir,
    "dup.csv",
    "phone,name\n+12125550100,Ann\n+12125550100,Ann again\n+12125550101,Bob\n",
  );
  const run = (csvSection: Record<string, unknown>) => {
    const file = { scenario: "all_human", settings: { maxAttemptsPerContact: 1 }, csv: csvSection };
    return outdial({}, "simulate", write(dir, "c.json", JSON.stringify(file)), csv, "--json");
  };
  const skip = run({});
  assert.equal(skip.code, 0, skip.err);
  assert.equal(JSON.parse(skip.out).contacts, 2);
  assert.equal(JSON.parse(skip.out).attempts, 2);
  assert.match(skip.err, /1 rows skipped .*duplicate_phone/);
  const allow = run({ duplicatePolicy: "allow" });
  assert.equal(allow.code, 0, allow.err);
  assert.equal(JSON.parse(allow.out).contacts, 3);
  const reject = run({ duplicatePolicy: "reject" });
  assert.equal(reject.code, 1, reject.out);
  assert.match(reject.err, /row 2, phone: the phone repeats/);
  // A tab written as import's --delimiter takes it, as a campaign file can hardly write one otherwise.
  const tsv = write(dir, "dup.tsv", "phone\tname\n+12125550100\tAnn\n+12125550101\tBob\n");
  const file = { scenario: "all_human", settings: { maxAttemptsPerContact: 1 }, csv: { delimiter: "tab" } };
  const tabbed = outdial({}, "simulate", write(dir, "t.json", JSON.stringify(file)), tsv, "--json");
  assert.equal(tabbed.code, 0, tabbed.err);
  assert.equal(JSON.parse(tabbed.out).contacts, 2);
  const bogus = run({ duplicatePolicy: "once" });
  assert.equal(bogus.code, 1, bogus.out);
  assert.match(
    bogus.err,
    /csv\.duplicatePolicy must be equal to one of the allowed values \(allow, skip, reject\)/,
  );
});

test("calls per hour is attempts per hour of dialing: the wait for the schedule and for retries is left out", (t) => {
  const dir = tmp(t, "rate");
  const csv = write(dir, "p.csv", phones(20));
  const hour = 3_600_000;
  // Starts 06:00Z; the schedule opens at 15:00Z (10:00 in New York, inside the callees' own hours).
  const waiting = write(
    dir,
    "wait.json",
    JSON.stringify({
      scenario: "all_human",
      startAt: "2026-03-02T06:00:00Z",
      settings: {
        maxAttemptsPerContact: 1,
        schedule: { zone: "UTC", ranges: [{ days: [1, 2, 3, 4, 5], from: "15:00", to: "18:00" }] },
      },
    }),
  );
  const r = outdial({}, "simulate", waiting, csv, "--json");
  assert.equal(r.code, 0, r.err);
  const w = JSON.parse(r.out);
  assert.equal(w.attempts, 20);
  assert.ok(
    Math.abs(w.dialingMs - (w.simulatedMs - 9 * hour)) < 60_000,
    `${w.dialingMs} of ${w.simulatedMs} ms`,
  );
  assert.ok(Math.abs(w.callsPerHour - w.attempts / (w.dialingMs / hour)) < 1e-9);
  const text = outdial({}, "simulate", waiting, csv);
  assert.match(text.out, /calls per hour +\d+ \(over \d+\.\d\d h of dialing: stretches of over 15 min/);

  // Everyone busy, dialed again two hours later: two short bursts, not two hours of dialing.
  const retry = write(
    dir,
    "retry.json",
    JSON.stringify({
      scenario: "always_busy",
      startAt: "2026-03-02T15:00:00Z",
      settings: { maxAttemptsPerContact: 2, retry: { busy: { intervalSec: 7200, maxRetries: 1 } } },
    }),
  );
  const rr = outdial({}, "simulate", retry, csv, "--json");
  assert.equal(rr.code, 0, rr.err);
  const b = JSON.parse(rr.out);
  assert.equal(b.attempts, 40);
  assert.ok(b.simulatedMs > 2 * hour && b.dialingMs < hour / 4, `${b.dialingMs} of ${b.simulatedMs} ms`);

  // The README's example starts at 06:00Z; its schedule opens at 09:00 in New York (14:00Z).
  const ex = outdial({}, "simulate", "examples/campaign.json", "examples/contacts.csv", "--json");
  assert.equal(ex.code, 0, ex.err);
  const e = JSON.parse(ex.out);
  assert.ok(e.dialingMs <= e.simulatedMs - 8 * hour, `${e.dialingMs} of ${e.simulatedMs} ms`);
  assert.ok(e.callsPerHour >= e.attempts / ((e.simulatedMs - 8 * hour) / hour));
});

test("simulate's CSV errors name the campaign file's csv fields, not the HTTP API's query syntax", (t) => {
  const dir = tmp(t, "csverr");
  const campaign = write(dir, "c.json", "{}");
  const cell = write(dir, "cell.csv", "Cell,name\n+12125550100,Ann\n");
  const bytes = write(
    dir,
    "cp1251.csv",
    Buffer.concat([Buffer.from("phone,name\n+79161234567,"), Buffer.from([0xc8, 0xec, 0x0a])]),
  );
  const country = write(dir, "country.json", JSON.stringify({ csv: { defaultCountry: "XX" } }));
  const encoding = write(dir, "encoding.json", JSON.stringify({ csv: { encoding: "klingon" } }));
  const noPhone = outdial({}, "simulate", campaign, cell);
  const badBytes = outdial({}, "simulate", campaign, bytes);
  const badCountry = outdial({}, "simulate", country, cell);
  const badEncoding = outdial({}, "simulate", encoding, cell);
  for (const r of [noPhone, badBytes, badCountry, badEncoding]) {
    assert.equal(r.code, 1, r.out);
    assert.doesNotMatch(r.err, /map\.phone=|encoding=/, r.err);
  }
  assert.match(
    noPhone.err,
    /no phone column; outdial simulate does not map columns: rename the phone column/,
  );
  assert.match(badBytes.err, /set the file's encoding as csv\.encoding in .*c\.json/);
  assert.match(badCountry.err, /country\.json: csv\.defaultCountry: unknown country "XX"/);
  assert.match(badEncoding.err, /encoding\.json: csv\.encoding: unknown encoding "klingon"/);
});

test("a campaign file's startAt that is not a calendar date is refused, not run on another day", (t) => {
  const read = (startAt: string) => () => parseCampaignFile(JSON.stringify({ startAt }), "c.json");
  assert.throws(
    read("2026-02-30T09:00:00Z"),
    /^Error: c\.json: startAt "2026-02-30T09:00:00Z" is not a calendar date: 2026-02 has 28 days$/,
  );
  assert.throws(read("2026-04-31T09:00:00+03:00"), /2026-04 has 30 days/);
  assert.throws(read("2100-02-29T09:00:00Z"), /2100-02 has 28 days/);
  assert.equal(read("2028-02-29T09:00:00Z")().startAt, "2028-02-29T09:00:00Z");
  assert.equal(read("2026-01-31")().startAt, "2026-01-31");

  const dir = tmp(t, "start");
  const campaign = write(dir, "c.json", JSON.stringify({ startAt: "2026-02-30T09:00:00Z" }));
  const r = outdial({}, "simulate", campaign, write(dir, "p.csv", phones(1)), "--max-hours", "0.01");
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /startAt "2026-02-30T09:00:00Z" is not a calendar date/);
});

test("a simulated call lasts until either side hangs up: the callee's scenario talk time or agents.talkSec", (t) => {
  const dir = tmp(t, "talk");
  const csv = write(dir, "p.csv", phones(20));
  // Talk per call from the report: (talk + wrap-up) over live answers, with no wrap-up.
  const talkPerCall = (talkSec: number) => {
    const file = {
      scenario: "all_human",
      seed: 3,
      agents: { count: 2, talkSec, wrapSec: 0 },
      settings: { dialMethod: "progressive", maxAttemptsPerContact: 1 },
    };
    const r = outdial({}, "simulate", write(dir, "c.json", JSON.stringify(file)), csv, "--json");
    assert.equal(r.code, 0, r.err);
    const a = JSON.parse(r.out).agents;
    return (a.occupancy * a.onShiftHours * 3600) / a.liveAnswers;
  };
  // The agent would talk 300 s; the callees (all_human: a median of 60 s) hang up first.
  const calleeFirst = talkPerCall(300);
  assert.ok(calleeFirst > 20 && calleeFirst < 200, `${calleeFirst} s per call`);
  // The agent hangs up after 5 s, before any callee would.
  const agentFirst = talkPerCall(5);
  assert.ok(agentFirst >= 4 && agentFirst < 8, `${agentFirst} s per call`);
});
