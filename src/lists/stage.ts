// The staging table an import fills while the upload streams, in both dialects, and how accepted
// tuples (contact-rules.ts) become its rows: a SQLite scratch database file written on the main thread
// (ScratchStage; a worker's batches arrive packed, see row-pack.ts), or PostgreSQL COPY text (copyText)
// for a TEMP table of the import's transaction.
import fs from "node:fs";
import Database from "better-sqlite3";
import {
  DAILY_FROM,
  DAILY_TO,
  EXTERNAL_ID,
  FLAGGED,
  PHONE_COUNT,
  PHONES,
  PRIORITY,
  ROW_STRIDE,
  START_AT,
} from "./contact-rules.ts";

/** Stage columns, in tuple order (contact-rules.ts ROW … FLAGGED). */
export const STAGE_COLUMNS = [
  "row",
  "external_id",
  "phones",
  "phone",
  "custom",
  "time_zone",
  "daily_from_sec",
  "daily_to_sec",
  "start_at",
  "priority",
  "phone_count",
  "flagged",
] as const;

const TYPES: Record<(typeof STAGE_COLUMNS)[number], string> = {
  row: "bigint",
  external_id: "text",
  phones: "text",
  phone: "text",
  custom: "text",
  time_zone: "text",
  daily_from_sec: "integer",
  daily_to_sec: "integer",
  start_at: "bigint",
  // The defaults are a plain row's values (see ScratchStage.write), so such rows need not bind them.
  priority: "integer not null default 0",
  phone_count: "integer not null default 1",
  flagged: "integer not null default 0",
};

/** `dup` is set at commit: 1 = external_id already stored, 2 = phone already stored; those rows stay out. */
export const STAGE_DEFINITION = `${STAGE_COLUMNS.map((c) => `${c} ${TYPES[c]}`).join(", ")}, dup integer not null default 0`;

/** The contact columns a stage row fills, and (stageSelect) the expressions that fill them. */
export const CONTACT_COLUMNS = `account_id, campaign_id, list_id, external_id, phones, phone, custom, time_zone,
  daily_from_sec, daily_to_sec, start_at, priority, status, ready, wait_reason, order_class, attempts, phone_index,
  phone_attempts, retry_counts, next_attempt_at, flagged, created_at, updated_at`;

/** Zeros for phone_attempts, cut to 2n-1 characters (at most DEFAULT_LIMITS.maxPhones phones a contact). */
const ZEROS = new Array(20).fill("0").join(",");

/**
 * SELECT list from stage `s` for CONTACT_COLUMNS, given placeholders for account, campaign, list, order
 * class and now (and holdBase: rows held, each at holdBase plus its own start time or 0; WriterTarget). A
 * single plain phone's JSON and next_attempt_at (the start time, never before now) are
 * made here rather than carried through the stage. A contact due now goes straight into the dial queue
 * (ready = 1, the partial index contacts_dial_queue), so the dispatcher need not promote it first; one
 * with a start time still ahead waits (ready = 0) with wait_reason 'start_at', as promotion expects.
 */
export function stageSelect(
  dialect: "sqlite" | "postgres",
  p: { ids: string; orderClass: string; now: string; holdBase?: string },
): string {
  const later = dialect === "sqlite" ? "max" : "greatest";
  const start = p.holdBase === undefined ? "s.start_at" : `(${p.holdBase} + coalesce(s.start_at, 0))`;
  return `${p.ids}, s.external_id, coalesce(s.phones, '["' || s.phone || '"]'), s.phone, s.custom, s.time_zone,
    s.daily_from_sec, s.daily_to_sec, ${start}, s.priority, 'pending',
    CASE WHEN ${start} > ${p.now} THEN 0 ELSE 1 END, CASE WHEN ${start} > ${p.now} THEN 'start_at' END,
    ${p.orderClass}, 0, 0,
    '[' || substr('${ZEROS}', 1, 2 * s.phone_count - 1) || ']', '{}', ${later}(coalesce(${start}, ${p.now}), ${p.now}),
    s.flagged, ${p.now}, ${p.now}`;
}

const ROWS_PER_STATEMENT = 100;

/**
 * The columns a plain row needs bound: one E.164 phone, no external_id, window, start time or priority,
 * not flagged (the usual list). Binding a value costs more than storing it, so runs of such rows go
 * through a 4-value-a-row statement and the stage's column defaults fill the rest.
 */
const PLAIN_COLUMNS = ["row", "phone", "custom", "time_zone"] as const;
const PLAIN_OFFSETS = PLAIN_COLUMNS.map((c) => STAGE_COLUMNS.indexOf(c));
const PLAIN_STRIDE = PLAIN_COLUMNS.length;

function isPlain(tuples: readonly unknown[], base: number): boolean {
  return (
    tuples[base + EXTERNAL_ID] === null &&
    tuples[base + PHONES] === null &&
    tuples[base + DAILY_FROM] === null &&
    tuples[base + DAILY_TO] === null &&
    tuples[base + START_AT] === null &&
    tuples[base + PRIORITY] === 0 &&
    tuples[base + PHONE_COUNT] === 1 &&
    tuples[base + FLAGGED] === 0
  );
}

/** A scratch SQLite file holding one import's accepted rows; written by the main thread, attached at commit. */
export class ScratchStage {
  private readonly db: Database.Database;
  private readonly insertMany: Database.Statement;
  private readonly insertOne: Database.Statement;
  private readonly insertPlain: Database.Statement;
  private readonly args = new Array<unknown>(ROWS_PER_STATEMENT * ROW_STRIDE);
  private readonly plainArgs = new Array<unknown>(ROWS_PER_STATEMENT * PLAIN_STRIDE);

  constructor(file: string) {
    // Whatever a file of that name holds is not this import's (names are unique; this is a second guard).
    for (const f of [file, `${file}-journal`]) fs.rmSync(f, { force: true });
    this.db = new Database(file);
    // Nothing here needs to survive a crash: the file is deleted after the import either way.
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.pragma("cache_size = -4096");
    this.db.exec(`CREATE TABLE stage (${STAGE_DEFINITION})`);
    const values = (count: number) => `(${new Array(count).fill("?").join(",")})`;
    const into = (columns: readonly string[]) => `INSERT INTO stage (${columns.join(", ")}) VALUES `;
    const row = values(ROW_STRIDE);
    this.insertOne = this.db.prepare(into(STAGE_COLUMNS) + row);
    this.insertMany = this.db.prepare(
      into(STAGE_COLUMNS) + new Array(ROWS_PER_STATEMENT).fill(row).join(","),
    );
    const plain = values(PLAIN_STRIDE);
    this.insertPlain = this.db.prepare(
      into(PLAIN_COLUMNS) + new Array(ROWS_PER_STATEMENT).fill(plain).join(","),
    );
    this.db.exec("BEGIN");
  }

  write(tuples: readonly unknown[]): void {
    const rows = tuples.length / ROW_STRIDE;
    let r = 0;
    while (r < rows) {
      if (r + ROWS_PER_STATEMENT <= rows && this.writePlain(tuples, r)) {
        r += ROWS_PER_STATEMENT;
      } else if (r + ROWS_PER_STATEMENT <= rows) {
        const base = r * ROW_STRIDE;
        const per = ROWS_PER_STATEMENT * ROW_STRIDE;
        for (let k = 0; k < per; k++) this.args[k] = tuples[base + k];
        this.insertMany.run(this.args);
        r += ROWS_PER_STATEMENT;
      } else {
        this.insertOne.run(tuples.slice(r * ROW_STRIDE, (r + 1) * ROW_STRIDE));
        r++;
      }
    }
  }

  /** Writes ROWS_PER_STATEMENT rows from row `r` when all are plain; false (nothing written) otherwise. */
  private writePlain(tuples: readonly unknown[], r: number): boolean {
    const args = this.plainArgs;
    for (let k = 0; k < ROWS_PER_STATEMENT; k++) {
      const base = (r + k) * ROW_STRIDE;
      if (!isPlain(tuples, base)) return false;
      for (let c = 0; c < PLAIN_STRIDE; c++) args[k * PLAIN_STRIDE + c] = tuples[base + PLAIN_OFFSETS[c]];
    }
    this.insertPlain.run(args);
    return true;
  }

  close(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec("COMMIT");
    this.db.close();
  }
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** Tuples as COPY text-format lines for the stage table, in a buffer of its own (transferable). */
export function copyText(tuples: readonly unknown[]): Uint8Array {
  let text = "";
  for (let i = 0; i < tuples.length; i++) {
    const value = tuples[i];
    let field: string;
    if (value === null) field = "\\N";
    else if (typeof value !== "string") field = String(value);
    else field = NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : value;
    text += (i + 1) % ROW_STRIDE === 0 ? `${field}\n` : `${field}\t`;
  }
  return encoder.encode(text);
}

const encoder = new TextEncoder();
