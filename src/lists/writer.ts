// Where accepted contacts go: one writer per import, for the store's dialect. Rows are staged while the
// upload streams and invisible until commit, which first sets aside rows whose first phone or
// external_id the campaign already holds; abort (or a failed commit) leaves contacts as they were.
import type { Store } from "../store/db.ts";
import { ImportError } from "./errors.ts";
import type { StageOutput } from "./parse-host.ts";
import { PgContactsWriter } from "./pg-writer.ts";
import { SqliteContactsWriter } from "./sqlite-writer.ts";
import type { DuplicatePolicy, RowIssue } from "./types.ts";

/**
 * The list an import's rows go into: `listId`, one that exists, or a new one named `newListName`. A new
 * list is made by the transaction that commits the rows, and only when there are rows: an import that
 * fails, or whose process is killed (where no cleanup runs), leaves no list behind.
 */
export type WriterTarget = TargetBase & ({ listId: number } | { newListName: string });

interface TargetBase {
  accountId: number;
  campaignId: number;
  /** 0 when the campaign dials first attempts first, else 1 (new contacts have no attempts). */
  orderClass: number;
  now: number;
  /** Rows written held above this start time (ImportRequest.holdBase). */
  holdBase?: number;
  /** The campaign as the import found it, before its first byte: on SQLite a completion since then is
   *  undone by the commit (SqliteContactsWriter). Absent: nothing is undone. */
  campaignAtStart?: CampaignAtStart;
}

/** A campaign's status and finish time (each completion writes a new one) when an import began. */
export interface CampaignAtStart {
  status: string;
  finishedAt: number | null;
}

export interface CommitOptions {
  duplicatePolicy: DuplicatePolicy;
  /** Rows staged, and how many of them flagged (known from validation, so no count is needed). */
  staged: number;
  flagged: number;
  /** Some staged rows repeat the first phone of an earlier staged row with an external_id (see
   *  ContactRules.phoneRepeats): once external_ids are settled, all but the earliest standing are set aside. */
  phoneRepeats?: boolean;
  /** A row set aside as a duplicate fails the commit, whatever the policy (ImportRequest.refuseSetAside). */
  refuseSetAside?: boolean;
  maxIssues: number;
}

export interface CommitResult {
  /** The list the rows went into; null for a new list when no row was staged (none was made). */
  listId: number | null;
  inserted: number;
  flagged: number;
  /** Rows set aside as duplicates of stored contacts. */
  skipped: number;
  issues: RowIssue[];
}

export interface ContactsWriter {
  begin(): Promise<void>;
  /** Where a worker thread stages rows. */
  readonly output: StageOutput;
  /** Stages rows parsed on this thread (ROW_STRIDE values each, see contact-rules.ts). */
  stage(tuples: unknown[]): void | Promise<void>;
  /** Stages COPY text a worker produced (PostgreSQL). */
  stageCopy(data: Uint8Array): Promise<void>;
  commit(opts: CommitOptions): Promise<CommitResult>;
  abort(): Promise<void>;
}

export function createWriter(store: Store, target: WriterTarget): ContactsWriter {
  if (store.dialect === "sqlite" && store.sqlite)
    return new SqliteContactsWriter(store.sqlite, store.db, target);
  if (store.dialect === "postgres" && store.pool) {
    const pool = store.importPool ?? store.pool;
    // Every import connection is in use: the client is told to come back rather than left waiting.
    if (pool.totalCount >= pool.options.max && pool.idleCount === 0) {
      throw new ImportError({
        code: "too_many_imports",
        status: 429,
        message: `${pool.options.max} imports are running on this node; send it again when one has ended`,
      });
    }
    return new PgContactsWriter(pool, target);
  }
  throw new Error(`no raw connection for the ${store.dialect} store`);
}
