// Stores an import on PostgreSQL: one pooled connection holds a transaction for the whole upload and
// COPYs rows into a TEMP stage as they come (COPY text made by the parsing thread, see stage.ts); the
// commit moves them into contacts with one INSERT … SELECT. Other sessions see nothing until COMMIT and
// nothing at all after ROLLBACK. An advisory lock per campaign serializes imports across outdial nodes,
// so the duplicate checks against stored contacts cannot race another import.
import { once } from "node:events";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { addContactsLockQuery } from "../store/contacts-insert.ts";
import { targetGone } from "./errors.ts";
import type { StageOutput } from "./parse-host.ts";
import { CONTACT_COLUMNS, copyText, STAGE_COLUMNS, STAGE_DEFINITION, stageSelect } from "./stage.ts";
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

const STAGE = "outdial_import_stage";

export class PgContactsWriter implements ContactsWriter {
  readonly output: StageOutput = { kind: "copy" };
  private client: pg.PoolClient | null = null;
  private copy: Writable | null = null;
  private copied: Promise<void> | null = null;
  private copyError: Error | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: WriterTarget,
  ) {}

  async begin(): Promise<void> {
    const client = await this.pool.connect();
    this.client = client;
    await client.query("BEGIN");
    const locks = addContactsLockQuery(this.target.campaignId);
    await client.query(locks.sql, [...locks.parameters]);
    await client.query(`CREATE TEMP TABLE ${STAGE} (${STAGE_DEFINITION}) ON COMMIT DROP`);
    const copy = client.query(copyFrom(`COPY ${STAGE} (${STAGE_COLUMNS.join(", ")}) FROM STDIN`));
    this.copy = copy;
    this.copied = finished(copy).catch((err: Error) => {
      this.copyError = err;
      throw err;
    });
    this.copied.catch(() => {}); // observed in stageCopy/commit; never an unhandled rejection
  }

  stage(tuples: unknown[]): Promise<void> {
    return this.stageCopy(copyText(tuples));
  }

  async stageCopy(data: Uint8Array): Promise<void> {
    const copy = this.copy as Writable;
    if (this.copyError) throw this.copyError;
    if (!copy.write(data)) await Promise.race([once(copy, "drain"), this.copied]);
    if (this.copyError) throw this.copyError;
  }

  async commit(opts: CommitOptions): Promise<CommitResult> {
    const client = this.client as pg.PoolClient;
    (this.copy as Writable).end();
    await this.copied;
    const duplicates = await this.markDuplicates(client, opts);
    const listId = await this.listInTransaction(client, opts.staged);
    const { accountId, campaignId, orderClass, now, holdBase } = this.target;
    const select = stageSelect("postgres", {
      ids: "$1::bigint, $2::bigint, $3::bigint",
      orderClass: "$4::integer",
      now: "$5::bigint",
      ...(holdBase === undefined ? {} : { holdBase: "$6::bigint" }),
    });
    const res = await client.query(
      `INSERT INTO contacts (${CONTACT_COLUMNS}) SELECT ${select} FROM ${STAGE} s WHERE s.dup = 0 ORDER BY s.row`,
      [accountId, campaignId, listId, orderClass, now, ...(holdBase === undefined ? [] : [holdBase])],
    );
    await client.query("COMMIT");
    this.release();
    return { ...duplicates, listId, inserted: res.rowCount ?? 0 };
  }

  /** The target list, or the new one (see WriterTarget), made in the import's transaction if any row was
   *  staged. A list or campaign deleted while the file streamed in is the 404 SQLite answers (not a foreign
   *  key's bare not_found); FOR KEY SHARE holds it until the commit, so a delete now waits for the import. */
  private async listInTransaction(client: pg.PoolClient, staged: number): Promise<number | null> {
    const { target } = this;
    if ("listId" in target) {
      const list = await client.query(
        "SELECT 1 FROM lists WHERE id = $1 AND campaign_id = $2 FOR KEY SHARE",
        [target.listId, target.campaignId],
      );
      if (list.rowCount === 0) throw targetGone("list_not_found", "the list");
      return target.listId;
    }
    if (staged === 0) return null;
    const campaign = await client.query(
      "SELECT 1 FROM campaigns WHERE id = $1 AND account_id = $2 FOR KEY SHARE",
      [target.campaignId, target.accountId],
    );
    if (campaign.rowCount === 0) throw targetGone("campaign_not_found", "the campaign");
    const made = await client.query<{ id: string }>(
      "INSERT INTO lists (account_id, campaign_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
      [target.accountId, target.campaignId, target.newListName, target.now],
    );
    return Number(made.rows[0].id);
  }

  async abort(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (this.copy && !this.copy.writableFinished) this.copy.destroy(new Error("import aborted"));
    await this.copied?.catch(() => {});
    try {
      await client.query("ROLLBACK");
      this.release();
    } catch (err) {
      this.release(err as Error); // a broken connection goes away instead of back to the pool
    }
  }

  /** As SqliteContactsWriter.markDuplicates: stored external_ids and phones, external_ids repeating an
   *  earlier row still standing, then phones repeating an earlier row still standing. */
  private async markDuplicates(
    client: pg.PoolClient,
    opts: CommitOptions,
  ): Promise<Omit<CommitResult, "inserted" | "listId">> {
    const campaignId = this.target.campaignId;
    let marked = false;
    const withIds = await client.query(`SELECT 1 FROM ${STAGE} WHERE external_id IS NOT NULL LIMIT 1`);
    const any = await client.query("SELECT 1 FROM contacts WHERE campaign_id = $1 LIMIT 1", [campaignId]);
    if ((any.rowCount ?? 0) > 0) {
      await client.query(
        `UPDATE ${STAGE} s SET dup = $1 WHERE s.external_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = $2 AND c.external_id = s.external_id)`,
        [DUP_STORED_EXTERNAL_ID, campaignId],
      );
      if (opts.duplicatePolicy !== "allow") {
        await client.query(
          `UPDATE ${STAGE} s SET dup = $1 WHERE s.dup = 0
             AND EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = $2 AND c.phone = s.phone)`,
          [DUP_STORED_PHONE, campaignId],
        );
      }
      marked = true;
    }
    if ((withIds.rowCount ?? 0) > 0 && opts.phoneRepeats && opts.duplicatePolicy !== "allow") {
      // Ids and phones both: the rows that compete are walked in file order (walkCompetingRows).
      const rows = await client.query<CompetingRow>(competingRowsSql(STAGE, "row"));
      const { ids, phones } = walkCompetingRows(rows.rows);
      for (const [mark, keys] of [
        [DUP_REPEATED_EXTERNAL_ID, ids],
        [DUP_REPEATED_PHONE, phones],
      ] as const) {
        if (keys.length > 0)
          await client.query(`UPDATE ${STAGE} SET dup = $1 WHERE row = ANY($2::bigint[])`, [mark, keys]);
      }
      marked = true;
    } else if ((withIds.rowCount ?? 0) > 0) {
      await client.query(`CREATE INDEX ON ${STAGE} (external_id, row)`);
      await client.query(markRepeatedIdsSql(STAGE));
      marked = true;
    }
    const none = { flagged: opts.flagged, skipped: 0, issues: [] };
    if (!marked) return none;
    const counts = await client.query<{ n: string; f: string }>(
      `SELECT count(*) AS n, coalesce(sum(flagged), 0) AS f FROM ${STAGE} WHERE dup <> 0`,
    );
    const skipped = Number(counts.rows[0].n);
    if (skipped === 0) return none;
    const refused = refusesSetAside(opts);
    const rows = await client.query<MarkedRow>(
      `SELECT row, dup, external_id, phone FROM ${STAGE} WHERE dup <> 0 ORDER BY row LIMIT $1`,
      [refused ? 1 : opts.maxIssues],
    );
    const issues = rows.rows.map(storedDuplicateIssue);
    if (refused) throw rejectDuplicate(issues[0]);
    return { flagged: opts.flagged - Number(counts.rows[0].f), skipped, issues };
  }

  private release(err?: Error): void {
    const client = this.client;
    this.client = null;
    client?.release(err);
  }
}
