// bench:dispatch — N contacts (default 1,000,000) through their whole lifecycle on the sim driver and the
// virtual clock, on a SQLite file: claims, originates, outcomes, retries, until every contact is final.
// Prints the figures and the machine, and ends with one JSON line:
//   {"contacts", "attempts", "attempts_per_s", "peak_rss_mb"}
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { simulateCampaign } from "../src/engine/simulation.ts";
import { withDefaults } from "../src/model/campaign-settings.ts";
import { openStore } from "../src/store/db.ts";
import { printMachine } from "./lib/machine.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "10000" },
    keep: { type: "boolean", default: false },
    "tick-ms": { type: "string", default: "500" },
    /** SQLite page cache; default: the store's own default. */
    "cache-mb": { type: "string" },
  },
});
const contacts = Number(values.rows);
const tickMs = Number(values["tick-ms"]);
// Contacts due at once enter the dial queue directly, as the import writes them.
const READY = 1;
const dir = path.resolve(".bench-tmp");
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `dispatch-${process.pid}.db`);
for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });

const loadBefore = os.loadavg()[0].toFixed(2);
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const t0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const cacheMb = values["cache-mb"] !== undefined ? Number(values["cache-mb"]) : undefined;
const store = await openStore({ url: file, sqliteCacheMb: cacheMb });
const sqlite = store.sqlite!;
const account = sqlite
  .prepare("INSERT INTO accounts (name, created_at) VALUES ('bench', ?)")
  .run(t0).lastInsertRowid;
const settings = withDefaults({
  maxConcurrent: Number(values.concurrency),
  callsPerSecond: null,
  maxAttemptsPerContact: 3,
  retryIntervalSec: 600,
  retry: {
    busy: { intervalSec: 300, maxRetries: 2 },
    no_answer: { intervalSec: 900, maxRetries: 2 },
    machine: { intervalSec: 1800, maxRetries: 1 },
  },
  successMinTalkSec: 10,
  scenario: "default",
});
const campaign = sqlite
  .prepare(
    `INSERT INTO campaigns (account_id, name, status, priority, settings, created_at, updated_at)
     VALUES (?, 'bench', 'draft', ?, ?, ?, ?)`,
  )
  .run(account, settings.priority, JSON.stringify(settings), t0, t0).lastInsertRowid;
const list = sqlite
  .prepare("INSERT INTO lists (account_id, campaign_id, name, created_at) VALUES (?, ?, 'bench', ?)")
  .run(account, campaign, t0).lastInsertRowid;

process.stderr.write(`generating ${contacts} contacts…\n`);
const insert = sqlite.prepare(
  `INSERT INTO contacts (account_id, campaign_id, list_id, phones, phone, custom, status, ready, order_class, attempts,
     phone_index, phone_attempts, retry_counts, next_attempt_at, created_at, updated_at)
   VALUES (?, ?, ?, ?, ?, '{}', 'pending', ${READY}, 0, 0, 0, '[0]', '{}', ?, ?, ?)`,
);
const fill = sqlite.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const phone = `+1212${String(2000000 + i).padStart(7, "0")}`;
    insert.run(account, campaign, list, `["${phone}"]`, phone, t0, t0, t0);
  }
});
for (let i = 0; i < contacts; i += 50_000) fill(i, Math.min(contacts, i + 50_000));

process.stderr.write("dispatching…\n");
const report = await simulateCampaign({
  store,
  accountId: Number(account),
  campaignId: Number(campaign),
  seed: Number(values.seed),
  startAt: t0,
  tickGapMs: tickMs,
  claimBatch: 2000,
  onProgress: (n) => process.stderr.write(`  ${n} attempts\r`),
  progressEvery: 100_000,
});
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
await store.close();
if (!values.keep) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });

const figures = {
  contacts: report.contacts,
  attempts: report.attempts,
  attempts_per_s: Math.round(report.attemptsPerSec),
  peak_rss_mb: Math.round(peakRss / 1024 / 1024),
};
console.log("");
printMachine();
console.log(
  `setup: SQLite file, sim driver "default" seed ${values.seed}, virtual clock, max concurrent ${values.concurrency}, ` +
    `pass spacing ${tickMs} ms (virtual), claim batch 2000, load average before ${loadBefore}`,
);
console.log(
  `contacts ${report.contacts}, attempts ${report.attempts}, by outcome ${JSON.stringify(report.byOutcome)}`,
);
console.log(`contacts by status ${JSON.stringify(report.byStatus)}, campaign ${report.campaignStatus}`);
console.log(
  `simulated ${(report.simulatedMs / 3_600_000).toFixed(2)} h in ${(report.wallMs / 1000).toFixed(1)} s wall`,
);
console.log(
  `attempts/s ${figures.attempts_per_s} (target ≥ 20000), peak RSS ${figures.peak_rss_mb} MB, ${os.cpus().length} cores`,
);
console.log(JSON.stringify(figures));
