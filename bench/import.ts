// Import benchmark: a generated CSV (1,000,000 rows by default) streamed over real HTTP on 127.0.0.1
// into the import route backed by a SQLite file store, every phone validated; PostgreSQL's COPY of the
// same file into a plain 4-text-column table is the yardstick. Prints the figures, then one JSON line.
//   node --import tsx bench/import.ts [--rows N]

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import Fastify, { type FastifyError } from "fastify";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { normalizePhone } from "../src/lib/phone.ts";
import { importRoutes } from "../src/lists/import-routes.ts";
import { withDefaults } from "../src/model/campaign-settings.ts";
import { insertAccount } from "../src/store/accounts.ts";
import { insertCampaign } from "../src/store/campaigns.ts";
import { openStore, type Store } from "../src/store/db.ts";
import { insertList } from "../src/store/lists.ts";
import { printMachine } from "./lib/machine.ts";

const TMP = path.resolve(".bench-tmp");
const PG_URL = process.env.OUTDIAL_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function argRows(): number {
  const i = process.argv.indexOf("--rows");
  const n = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error("--rows takes a positive integer");
  return n;
}

/** Phones of several countries in the formats lists come in; index → a distinct valid number. */
const FORMATS: ((i: number) => string)[] = [
  (i) => `+7${pick(["916", "926", "903", "985"], i)}${digits(i, 7)}`,
  (i) => `8 (${pick(["915", "977", "999", "905"], i)}) ${spaced(digits(i, 7), [3, 2, 2], "-")}`,
  (i) =>
    `+1 ${pick(["212", "213", "312", "415", "617", "202"], i)} ${2 + (Math.floor(i / 6) % 8)}${digits(i, 6).slice(0, 2)}-${digits(i, 6).slice(2)}`,
  (i) => `+44 74${digits(i, 2).slice(0, 2)} ${digits(i, 6)}`,
  (i) => `+49 15${pick(["1", "2", "7", "9"], i)} ${digits(i, 8)}`,
  (i) => `7${pick(["916", "926"], i)}${digits(i, 7)}`,
];

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length];
}

/** A bijection of i onto `width` digits (7919 is coprime with powers of ten), so numbers never repeat. */
function digits(i: number, width: number): string {
  const mod = 10 ** width;
  return String((Math.floor(i / FORMATS.length) * 7919 + 12345) % mod).padStart(width, "0");
}

function spaced(text: string, groups: number[], sep: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const g of groups) {
    parts.push(text.slice(at, at + g));
    at += g;
  }
  return parts.join(sep);
}

const CITIES = ["Москва", "Санкт-Петербург", "London", "New York", "Berlin", "Казань", "Chicago"];

async function generate(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write("phone,first_name,city,amount\n");
  let buf = "";
  let invalid = 0;
  for (let i = 0; i < rows; i++) {
    const phone = FORMATS[i % FORMATS.length](i);
    if (i < 60_000 && !normalizePhone(phone, "RU").ok) invalid++;
    const city = CITIES[i % CITIES.length];
    buf += `${phone},Name ${i},${i % 11 === 0 ? `"${city}, центр"` : city},${(i * 37) % 100_000}.${i % 100}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once("drain", () => r()));
      buf = "";
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on("finish", () => r()));
  if (invalid) console.log(`warning: ${invalid} of the first 60,000 generated phones are not valid`);
}

async function seed(store: Store): Promise<{ accountId: number; campaignId: number; listId: number }> {
  const now = Date.now();
  const accountId = await insertAccount(store.db, "bench", now);
  const campaign = await insertCampaign(store.db, {
    accountId,
    name: "bench",
    settings: withDefaults({}),
    now,
  });
  const list = await insertList(store.db, { accountId, campaignId: campaign.id, name: "bench", now });
  return { accountId, campaignId: campaign.id, listId: list.id };
}

function postFile(port: number, url: string, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: url, method: "POST", headers: { "content-type": "text/csv" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    fs.createReadStream(file, { highWaterMark: 1 << 16 }).pipe(req);
  });
}

async function copyReference(file: string, rows: number): Promise<number | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    console.log(`PostgreSQL unreachable at ${PG_URL} (${(err as Error).message}): COPY figures are null`);
    return null;
  }
  try {
    await client.query("DROP TABLE IF EXISTS outdial_bench_copy");
    await client.query(
      "CREATE TABLE outdial_bench_copy (phone text, first_name text, city text, amount text)",
    );
    const started = performance.now();
    const copy = client.query(copyFrom("COPY outdial_bench_copy FROM STDIN (FORMAT csv, HEADER)"));
    await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 16 }), copy);
    const seconds = (performance.now() - started) / 1000;
    if (copy.rowCount !== rows) console.log(`warning: COPY loaded ${copy.rowCount} rows, expected ${rows}`);
    await client.query("DROP TABLE outdial_bench_copy");
    return rows / seconds;
  } finally {
    await client.end();
  }
}

interface UploadResult {
  status: number;
  body: string;
  seconds: number;
  generated: string;
}

/** The client side, in a child process so the server's RSS is the server's alone. */
async function client(port: number, url: string, file: string, rows: number): Promise<void> {
  const started = performance.now();
  await generate(file, rows);
  const size = fs.statSync(file).size;
  const generated = `generated ${rows} rows, ${(size / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  const begin = performance.now();
  const res = await postFile(port, url, file);
  const result: UploadResult = { ...res, seconds: (performance.now() - begin) / 1000, generated };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runClient(port: number, url: string, file: string, rows: number): Promise<UploadResult> {
  const args = [...process.execArgv, process.argv[1], "--client", String(port), url, file, String(rows)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (c) => {
    out += c;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`benchmark client exited with ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() as string));
    });
  });
}

/** Phone normalization alone: the fast path against libphonenumber-js itself, on the benchmark's numbers. */
function phoneThroughput(): void {
  const phones = Array.from({ length: 120_000 }, (_, i) => FORMATS[i % FORMATS.length](i));
  const measure = (fn: (p: string) => boolean): number => {
    for (let i = 0; i < 20_000; i++) fn(phones[i]); // warm up
    const started = performance.now();
    let valid = 0;
    for (const p of phones) if (fn(p)) valid++;
    if (valid !== phones.length) console.log(`warning: ${phones.length - valid} invalid phones`);
    return phones.length / ((performance.now() - started) / 1000);
  };
  const fast = measure((p) => normalizePhone(p, "RU").ok);
  const library = measure((p) => parsePhoneNumberFromString(p, "RU")?.isValid() ?? false);
  console.log(
    `phone normalization: ${Math.round(fast)} numbers/s (fast path), ${Math.round(library)} numbers/s ` +
      `(libphonenumber-js parse + isValid), ×${(fast / library).toFixed(1)}`,
  );
}

async function main(): Promise<void> {
  const rows = argRows();
  printMachine();
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, `import-${rows}.csv`);
  const dbFile = path.join(TMP, "bench-import.db");
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });

  let peakRss = process.memoryUsage().rss;
  const timeline: number[] = [];
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    timeline.push(rss);
  }, 50);
  const store = await openStore({ url: dbFile });
  const ids = await seed(store);
  const app = Fastify({ logger: false });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    reply.status(err.statusCode ?? 500).send({ error: { code: err.code, message: err.message } });
  });
  await app.register(importRoutes, { store, getAccountId: () => ids.accountId, wake: () => {} });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;

  const url = `/v1/campaigns/${ids.campaignId}/lists/${ids.listId}/import?default_country=RU`;
  const res = await runClient(port, url, file, rows);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  console.log(res.generated);
  if (res.status !== 200) throw new Error(`import failed: ${res.status} ${res.body.slice(0, 500)}`);
  const report = JSON.parse(res.body);
  const stored = await store.db
    .selectFrom("contacts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const rowsPerS = rows / res.seconds;
  console.log(
    `import over HTTP: ${report.rows} rows, ${report.inserted} inserted, ${report.skipped} skipped, ` +
      `${Number(stored.n)} stored, ${res.seconds.toFixed(2)} s, ${Math.round(rowsPerS)} rows/s, ` +
      `server peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
  );
  // RSS every 50 ms while the server runs (none during the synchronous commit: the event loop is busy).
  const steps = [0.1, 0.25, 0.5, 0.75, 0.9, 1].map(
    (f) => timeline[Math.min(timeline.length - 1, Math.floor(f * timeline.length))],
  );
  console.log(
    `server RSS over the run (MB, 10/25/50/75/90/100%): ${steps.map((r) => Math.round(r / 1e6)).join(" ")}`,
  );
  await app.close();
  await store.close();

  phoneThroughput();
  const copyRowsPerS = await copyReference(file, rows);
  if (copyRowsPerS !== null)
    console.log(`PostgreSQL COPY of the same file: ${Math.round(copyRowsPerS)} rows/s`);
  const ratio = copyRowsPerS === null ? null : Math.round((rowsPerS / copyRowsPerS) * 1000) / 1000;
  console.log(`ratio to COPY: ${ratio ?? "n/a"}`);
  console.log(
    JSON.stringify({
      rows,
      rows_per_s: Math.round(rowsPerS),
      copy_rows_per_s: copyRowsPerS === null ? null : Math.round(copyRowsPerS),
      ratio_to_copy: ratio,
      peak_rss_mb: Math.round(peakRss / 1e6),
    }),
  );
}

if (process.argv[2] === "--client") {
  const [port, url, file, rows] = process.argv.slice(3);
  await client(Number(port), url, file, Number(rows));
} else {
  await main();
}
