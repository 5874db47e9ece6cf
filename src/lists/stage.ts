// The staging table an import fills while the upload streams, in both dialects, and how accepted
// tuples (contact-rules.ts) become its rows: a SQLite scratch database file written by whichever thread
// parses (ScratchStage), or PostgreSQL COPY text (copyText) for a TEMP table of the import's transaction.
import Database from "better-sqlite3";
import { ROW_STRIDE } from "./contact-rules.ts";

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
  priority: "integer",
  phone_count: "integer",
  flagged: "integer",
};

/** `dup` is set at commit: 1 = external_id already stored, 2 = phone already stored; those rows stay out. */
export const STAGE_DEFINITION = `${STAGE_COLUMNS.map((c) => `${c} ${TYPES[c]}`).join(", ")}, dup integer not null default 0`;

/** The contact columns a stage row fills, and (stageSelect) the expressions that fill them. */
export const CONTACT_COLUMNS = `account_id, campaign_id, list_id, external_id, phones, phone, custom, time_zone,
  daily_from_sec, daily_to_sec, start_at, priority, status, ready, order_class, attempts, phone_index, phone_attempts,
  retry_counts, next_attempt_at, flagged, created_at, updated_at`;

/** Zeros for phone_attempts, cut to 2n-1 characters (at most DEFAULT_LIMITS.maxPhones phones a contact). */
const ZEROS = new Array(20).fill("0").join(",");

/**
 * SELECT list from stage `s` for CONTACT_COLUMNS, given placeholders for account, campaign, list, order
 * class and now. A single plain phone's JSON and next_attempt_at (the start time, never before now) are
 * made here rather than carried through the stage.
 */
export function stageSelect(
  dialect: "sqlite" | "postgres",
  p: { ids: string; orderClass: string; now: string },
): string {
  const later = dialect === "sqlite" ? "max" : "greatest";
  return `${p.ids}, s.external_id, coalesce(s.phones, '["' || s.phone || '"]'), s.phone, s.custom, s.time_zone,
    s.daily_from_sec, s.daily_to_sec, s.start_at, s.priority, 'pending', 0, ${p.orderClass}, 0, 0,
    '[' || substr('${ZEROS}', 1, 2 * s.phone_count - 1) || ']', '{}', ${later}(coalesce(s.start_at, ${p.now}), ${p.now}),
    s.flagged, ${p.now}, ${p.now}`;
}

const ROWS_PER_STATEMENT = 100;

/** A scratch SQLite file holding one import's accepted rows; written by one thread, attached at commit. */
export class ScratchStage {
  private readonly db: Database.Database;
  private readonly insertMany: Database.Statement;
  private readonly insertOne: Database.Statement;
  private readonly args = new Array<unknown>(ROWS_PER_STATEMENT * ROW_STRIDE);

  constructor(file: string) {
    this.db = new Database(file);
    // Nothing here needs to survive a crash: the file is deleted after the import either way.
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.pragma("cache_size = -4096");
    this.db.exec(`CREATE TABLE IF NOT EXISTS stage (${STAGE_DEFINITION})`);
    const row = `(${STAGE_COLUMNS.map(() => "?").join(",")})`;
    const into = `INSERT INTO stage (${STAGE_COLUMNS.join(", ")}) VALUES `;
    this.insertOne = this.db.prepare(into + row);
    this.insertMany = this.db.prepare(into + new Array(ROWS_PER_STATEMENT).fill(row).join(","));
    this.db.exec("BEGIN");
  }

  write(tuples: readonly unknown[]): void {
    const rows = tuples.length / ROW_STRIDE;
    const per = ROWS_PER_STATEMENT * ROW_STRIDE;
    let r = 0;
    for (; r + ROWS_PER_STATEMENT <= rows; r += ROWS_PER_STATEMENT) {
      const base = r * ROW_STRIDE;
      for (let k = 0; k < per; k++) this.args[k] = tuples[base + k];
      this.insertMany.run(this.args);
    }
    for (; r < rows; r++) this.insertOne.run(tuples.slice(r * ROW_STRIDE, (r + 1) * ROW_STRIDE));
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
