// Stores an import on SQLite. The connection is shared with the dialer, which writes between our
// awaits; a transaction held open across them would take the dialer's writes into the import's fate.
// So accepted rows go to a scratch database file while the upload streams (written on this thread in
// small batches while the worker parses on; see stage.ts), and contacts is written by one synchronous
// BEGIN IMMEDIATE … COMMIT at the end, with the scratch file attached: nothing else runs inside it, and a
// failed import leaves no trace. Nothing holds the campaign's completion off meanwhile (on PostgreSQL the
// import's lock does, state-writes.ts): the commit undoes a completion that landed during the upload.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type SQLite from "better-sqlite3";
import type { CompiledQuery, Kysely } from "kysely";
import { campaignStatusEvent, eventRow } from "../outbox/events.ts";
import { noTransactionOpen } from "../store/atomic.ts";
import type { Database } from "../store/schema.ts";
import { outboxInserts } from "../store/webhooks.ts";
import { targetGone } from "./errors.ts";
import type { StageOutput } from "./parse-host.ts";
import {
  canCheckpointInBackground,
  checkpointInBackground,
  holdAutoCheckpoint,
} from "./sqlite-checkpoint.ts";
import { CONTACT_COLUMNS, ScratchStage, stageSelect } from "./stage.ts";
import {
  type CompetingRow,
  competingRowsSql,
  DUP_REPEATED_EXTERNAL_ID,
  DUP_REPEATED_PHONE,
  DUP_STORED_EXTERNAL_ID,
  DUP_STORED_PHONE,
  type MarkedRow,
  markRepeatedIdsSql,
  refusesSetAside,
  rejectDuplicate,
  storedDuplicateIssue,
  walkCompetingRows,
} from "./stored-duplicates.ts";
import type { CommitOptions, CommitResult, ContactsWriter, WriterTarget } from "./writer.ts";

/** Indexes keyed on values in random order: cheaper rebuilt than grown when most rows are new. */
const REBUILT_INDEXES = ["contacts_phone", "contacts_external_id"];
const MIN_ROWS_FOR_REBUILD = 20_000;
const MIN_ROWS_FOR_BACKGROUND_CHECKPOINT = 20_000;
/** The page cache while the import's transaction runs (see commit). */
const COMMIT_CACHE_KIB = 2000;
const SORTER_THREADS = Math.min(4, os.availableParallelism());

let scratchCounter = 0;
/** Scratch files of this process's imports under way: the only ones with its pid that are not stale. */
const liveScratch = new Set<string>();

const SCRATCH_NAME = /^\.outdial-import-(\d+)-[\w-]+\.tmp(?:-journal|-wal|-shm)?$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes the scratch files of imports whose process died (killed mid-upload) next to a SQLite database.
 *  Their rows were never committed, so nothing else is left to undo. A file with this process's own pid is
 *  stale too unless one of its imports has it open: a restarted server often gets the pid of the one that
 *  was killed (pid 1 in a container). Returns the files removed. */
export function removeStaleScratchFiles(databaseFile: string): string[] {
  return removeStaleScratchFilesIn(path.dirname(path.resolve(databaseFile)));
}

/** removeStaleScratchFiles for a directory: only names outdial gives its scratch files (SCRATCH_NAME),
 *  whose process is gone. */
function removeStaleScratchFilesIn(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = SCRATCH_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (
      pid === process.pid
        ? liveScratch.has(path.join(dir, name.replace(/-(?:journal|wal|shm)$/, "")))
        : processAlive(pid)
    )
      continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
    } catch {
      continue; // another user's, in a shared temp directory: theirs to sweep
    }
    removed.push(name);
  }
  return removed;
}

/** At the start of a process that imports (the server, the CLI): the scratch files of imports whose process
 *  died go, each said on stderr. A killed CLI import left its own for good. Those of an in-memory database
 *  (`outdial simulate`, tests) are in the temp directory, which is swept whatever the database. */
export function sweepScratchFilesAtStart(dialect: string, databaseUrl: string): void {
  const tmp = path.resolve(os.tmpdir());
  const dirs = new Set([tmp]);
  if (dialect === "sqlite" && databaseUrl !== ":memory:") dirs.add(path.dirname(path.resolve(databaseUrl)));
  for (const dir of dirs) {
    for (const name of removeStaleScratchFilesIn(dir))
      process.stderr.write(
        `removed ${dir === tmp ? path.join(dir, name) : name}, left by an import whose process died\n`,
      );
  }
}

export class SqliteContactsWriter implements ContactsWriter {
  readonly output: StageOutput;
  private readonly file: string;
  private readonly schema: string;
  private inline: ScratchStage | null = null;

  constructor(
    private readonly db: SQLite.Database,
    /** The same database through Kysely: the store's statements, compiled to run inside the commit. */
    private readonly kysely: Kysely<Database>,
    private readonly target: WriterTarget,
  ) {
    const n = ++scratchCounter;
    // Next to the database (same disk, not a RAM-backed /tmp) unless the database lives in memory.
    const dir = db.memory || db.name === "" ? os.tmpdir() : path.dirname(path.resolve(db.name));
    // Unique across restarts too: a file a killed import left must never be taken for a new import's.
    this.file = path.join(dir, `.outdial-import-${process.pid}-${n}-${randomBytes(6).toString("hex")}.tmp`);
    liveScratch.add(this.file);
    this.schema = `outdial_stage_${n}`;
    this.output = { kind: "rows" };
  }

  async begin(): Promise<void> {}

  stage(tuples: unknown[]): void {
    this.inline ??= new ScratchStage(this.file);
    this.inline.write(tuples);
  }

  async stageCopy(): Promise<void> {
    throw new Error("SQLite imports stage into a scratch file, not COPY text");
  }

  async commit(opts: CommitOptions): Promise<CommitResult> {
    this.inline?.close();
    this.inline = null;
    if (opts.staged === 0 || !fs.existsSync(this.file)) {
      this.removeScratch();
      const listId = "listId" in this.target ? this.target.listId : null;
      return { listId, inserted: 0, flagged: 0, skipped: 0, issues: [] };
    }
    const { db, schema } = this;
    // Everything from here on is synchronous: begun while another request's Kysely transaction is open,
    // the ATTACH and BEGIN IMMEDIATE below would fail.
    await noTransactionOpen(db);
    const background = opts.staged >= MIN_ROWS_FOR_BACKGROUND_CHECKPOINT && canCheckpointInBackground(db);
    db.prepare("ATTACH DATABASE ? AS ?").run(this.file, schema);
    // The store's page cache (64 MB, for the dialer's index walks) would fill with this import's new
    // pages and, through the sorter that sizes itself from it, with the index rebuild's keys: 100 MB more
    // resident memory, and no faster, since the rows are written once in order. SQLite's default 2 MB
    // cache spills to the WAL as it goes; helper threads sort the rebuilt index's keys. Everything here
    // is synchronous, so the dialer's statements never run with these settings.
    const savedCache = Number(db.pragma("cache_size", { simple: true }));
    const savedThreads = Number(db.pragma("threads", { simple: true }));
    db.pragma(`cache_size = ${-COMMIT_CACHE_KIB}`);
    db.pragma(`threads = ${SORTER_THREADS}`);
    try {
      db.pragma(`"${schema}".journal_mode = OFF`);
      // Marked before the write lock (the marking of a large import takes long): another process (the CLI
      // beside a server) may add contacts meanwhile, which are looked for again under the lock.
      const seenUpTo = (db.prepare("SELECT max(id) AS id FROM main.contacts").get() as { id: number | null })
        .id;
      let { withIds, ...duplicates } = this.markDuplicates(opts);
      const kept = opts.staged - duplicates.skipped;
      // Rows without an external_id never enter its (partial) index: no need to rebuild it then.
      const rebuild = this.indexesToRebuild(kept).filter((i) => withIds || i.name !== "contacts_external_id");
      if (background) holdAutoCheckpoint(db);
      // Foreign keys cost two lookups a row; the list (and so its campaign) is checked once instead,
      // inside the transaction. Nothing else runs on the connection until the setting is back.
      const withoutKeys = !db.inTransaction && db.pragma("foreign_keys", { simple: true }) === 1;
      if (withoutKeys) db.pragma("foreign_keys = OFF");
      try {
        db.exec("BEGIN IMMEDIATE");
        try {
          const listId = this.listInTransaction();
          const campaign = this.target.campaignId;
          const since = db
            // Over the rows added since (by rowid), not through the campaign's index: its every contact.
            .prepare("SELECT 1 FROM main.contacts WHERE id > ? AND +campaign_id = ? LIMIT 1")
            .get(seenUpTo ?? 0, campaign);
          if (since !== undefined) {
            db.exec(`UPDATE "${schema}".stage SET dup = 0 WHERE dup <> 0`);
            ({ withIds, ...duplicates } = this.markDuplicates(opts));
          }
          const dropped = rebuild.filter((index) => {
            try {
              db.exec(`DROP INDEX "${index.name}"`);
              return true;
            } catch {
              return false; // in use by a statement still running: it simply grows row by row
            }
          });
          const { accountId, campaignId, orderClass, now, holdBase } = this.target;
          const held = holdBase === undefined ? {} : { holdBase };
          const select = stageSelect("sqlite", {
            ids: ":account, :campaign, :list",
            orderClass: ":orderClass",
            now: ":now",
            ...(holdBase === undefined ? {} : { holdBase: ":holdBase" }),
          });
          const inserted = db
            .prepare(
              `INSERT INTO contacts (${CONTACT_COLUMNS}) SELECT ${select}
               FROM "${schema}".stage s WHERE s.dup = 0 ORDER BY s.rowid`,
            )
            .run({
              account: accountId,
              campaign: campaignId,
              list: listId,
              orderClass,
              now,
              ...held,
            }).changes;
          for (const index of dropped) db.exec(index.sql);
          if (inserted > 0) this.undoCompletionSinceStart();
          db.exec("COMMIT");
          return { ...duplicates, listId, inserted };
        } catch (err) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw err;
        }
      } finally {
        if (withoutKeys) db.pragma("foreign_keys = ON");
        if (background) checkpointInBackground(db);
      }
    } finally {
      db.pragma(`cache_size = ${savedCache}`);
      db.pragma(`threads = ${savedThreads}`);
      db.prepare("DETACH DATABASE ?").run(schema);
      this.removeScratch();
    }
  }

  /**
   * Inside the commit's transaction, with foreign keys off: the target list, checked to be there still, or
   * the new one (see WriterTarget), made now in the campaign, checked to be there still.
   */
  private listInTransaction(): number {
    const { db, target } = this;
    const { accountId, campaignId, now } = target;
    if ("listId" in target) {
      const list = db.prepare("SELECT 1 FROM main.lists WHERE id = ? AND campaign_id = ?");
      if (!list.get(target.listId, campaignId)) throw targetGone("list_not_found", "the list");
      return target.listId;
    }
    const campaign = db.prepare("SELECT 1 FROM main.campaigns WHERE id = ? AND account_id = ?");
    if (!campaign.get(campaignId, accountId)) throw targetGone("campaign_not_found", "the campaign");
    const made = db
      .prepare(
        "INSERT INTO main.lists (account_id, campaign_id, name, created_at) VALUES (?, ?, ?, ?) RETURNING id",
      )
      .get(accountId, campaignId, target.newListName, now) as { id: number };
    return made.id;
  }

  /**
   * Inside the commit's transaction: a campaign that completed while the file streamed in (its last
   * contacts settled meanwhile) is running again, with a campaign.status_changed from completed, as the
   * engine's recover writes it; its lifetime and end time go on as they were, since on PostgreSQL the
   * completion would have waited for the import. The dispatcher takes it up again at its next look at the
   * store (Engine.refreshCampaigns, every 5 s): the import may be another process's (the CLI). A campaign
   * already completed when the import began stays so (README: new contacts wait for a recover).
   */
  private undoCompletionSinceStart(): void {
    const { accountId, campaignId, now, campaignAtStart: start } = this.target;
    const row = this.db
      .prepare("SELECT status, finished_at FROM main.campaigns WHERE id = ?")
      .get(campaignId) as { status: string; finished_at: number | null } | undefined;
    if (row?.status !== "completed" || !start) return;
    // Completed then, and not since: a completion since (after a recover) would have written another time.
    if (start.status === "completed" && start.finishedAt === row.finished_at) return;
    // Never before the completion it undoes (the import's time is that of its start).
    const at = Math.max(now, row.finished_at ?? now);
    const reopen = this.kysely
      .updateTable("campaigns")
      .set({ status: "running", status_reason: null, finished_at: null, updated_at: at })
      .where("id", "=", campaignId)
      .where("status", "=", "completed")
      .compile();
    this.run(reopen);
    // The insert picks the campaign's subscriptions as stored: the import may run in a process with no engine.
    const event = campaignStatusEvent(
      accountId,
      campaignId,
      { from: "completed", to: "running", reason: null },
      at,
    );
    for (const insert of outboxInserts(this.kysely, [eventRow(event)])) this.run(insert);
  }

  private run(query: CompiledQuery): void {
    this.db.prepare(query.sql).run(...(query.parameters as unknown[]));
  }

  async abort(): Promise<void> {
    this.inline?.close();
    this.inline = null;
    this.removeScratch();
  }

  /**
   * Marks staged rows to leave out, with set-based statements: if the campaign has contacts, an external_id
   * or (unless duplicates are allowed) a first phone it already holds, looked up through the contacts
   * indexes; then an external_id repeating an earlier row still standing (a row set aside for its stored
   * phone claims no id: the next row with it is the contact), and a first phone repeating an earlier row
   * with an id still standing (only when validation saw one may, see CommitOptions.phoneRepeats): those two
   * together by a walk in file order of the rows that compete (walkCompetingRows).
   */
  private markDuplicates(
    opts: CommitOptions,
  ): Omit<CommitResult, "inserted" | "listId"> & { withIds: boolean } {
    const { db, schema } = this;
    const stage = `"${schema}".stage`;
    const campaignId = this.target.campaignId;
    let marked = false;
    const withIds =
      db.prepare(`SELECT 1 FROM ${stage} WHERE external_id IS NOT NULL LIMIT 1`).get() !== undefined;
    if (
      db.prepare("SELECT 1 FROM main.contacts WHERE campaign_id = ? LIMIT 1").get(campaignId) !== undefined
    ) {
      db.prepare(
        `UPDATE ${stage} AS s SET dup = ? WHERE s.external_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM main.contacts c WHERE c.campaign_id = ? AND c.external_id = s.external_id)`,
      ).run(DUP_STORED_EXTERNAL_ID, campaignId);
      if (opts.duplicatePolicy !== "allow") {
        db.prepare(
          `UPDATE ${stage} AS s SET dup = ? WHERE s.dup = 0
             AND EXISTS (SELECT 1 FROM main.contacts c WHERE c.campaign_id = ? AND c.phone = s.phone)`,
        ).run(DUP_STORED_PHONE, campaignId);
      }
      marked = true;
    }
    if (withIds && opts.phoneRepeats && opts.duplicatePolicy !== "allow") {
      // Ids and phones both: the rows that compete are walked in file order (walkCompetingRows).
      const rows = db.prepare(competingRowsSql(stage, "rowid")).all() as CompetingRow[];
      const { ids, phones } = walkCompetingRows(rows);
      // One statement a mark: one by one, each row was a write of its own (some 0.7 ms).
      const mark = db.prepare(`UPDATE ${stage} SET dup = ? WHERE rowid IN (SELECT value FROM json_each(?))`);
      if (ids.length > 0) mark.run(DUP_REPEATED_EXTERNAL_ID, JSON.stringify(ids));
      if (phones.length > 0) mark.run(DUP_REPEATED_PHONE, JSON.stringify(phones));
      marked = true;
    } else if (withIds) {
      // The earliest standing row of an id is never marked, and every later one is whichever is looked at
      // first: the outcome does not hang on the order the statement visits rows in.
      db.exec(`CREATE INDEX IF NOT EXISTS "${schema}".stage_external_id ON stage (external_id, row)`);
      db.exec(markRepeatedIdsSql(stage));
      marked = true;
    }
    const none = { flagged: opts.flagged, skipped: 0, issues: [], withIds };
    if (!marked) return none;
    const counts = db
      .prepare(`SELECT count(*) AS n, coalesce(sum(flagged), 0) AS f FROM ${stage} WHERE dup <> 0`)
      .get() as { n: number; f: number };
    if (counts.n === 0) return none;
    const refused = refusesSetAside(opts);
    const rows = db
      .prepare(`SELECT row, dup, external_id, phone FROM ${stage} WHERE dup <> 0 ORDER BY row LIMIT ?`)
      .all(refused ? 1 : opts.maxIssues) as MarkedRow[];
    const issues = rows.map(storedDuplicateIssue);
    if (refused) throw rejectDuplicate(issues[0]);
    return { flagged: opts.flagged - counts.f, skipped: counts.n, issues, withIds };
  }

  /**
   * A random-order index grows at several µs a row; built from sorted keys it costs well under one. When
   * this import brings more rows than the table holds, dropping and re-creating those indexes inside the
   * same transaction (nobody sees the gap) is the cheaper way.
   */
  private indexesToRebuild(rows: number): { name: string; sql: string }[] {
    if (rows < MIN_ROWS_FOR_REBUILD) return [];
    const top = this.db.prepare("SELECT max(id) AS id FROM main.contacts").get() as { id: number | null };
    if ((top.id ?? 0) >= rows) return [];
    const marks = REBUILT_INDEXES.map(() => "?").join(",");
    return this.db
      .prepare(
        `SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND name IN (${marks})`,
      )
      .all(...REBUILT_INDEXES) as { name: string; sql: string }[];
  }

  private removeScratch(): void {
    fs.rmSync(this.file, { force: true });
    liveScratch.delete(this.file);
  }
}
