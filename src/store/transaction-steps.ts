// One transaction whose later statements are built from the rows of earlier ones, on both dialects. The
// statements come from a generator that is handed each one's result, so the logic is written once:
// SQLite runs them in one synchronous better-sqlite3 transaction (BEGIN IMMEDIATE, as atomically does and
// for the same reason: nothing else of this process can interleave), PostgreSQL in one Kysely transaction.
import type { CompiledQuery } from "kysely";
import { noTransactionOpen } from "./atomic.ts";
import type { Store } from "./db.ts";

/** What a statement gave: its rows (a SELECT, a RETURNING) and how many rows it changed or returned. */
export interface StepResult {
  rows: Record<string, unknown>[];
  count: number;
}

/** Yields each statement, is handed its result, returns the transaction's. */
export type TransactionSteps<T> = Generator<CompiledQuery, T, StepResult>;

export async function runInOneTransaction<T>(store: Store, steps: () => TransactionSteps<T>): Promise<T> {
  const sqlite = store.sqlite;
  if (sqlite) {
    await noTransactionOpen(sqlite);
    const run = sqlite.transaction(() => {
      const it = steps();
      for (let step = it.next(); ; ) {
        if (step.done) return step.value;
        const stmt = sqlite.prepare(step.value.sql);
        const params = step.value.parameters as unknown[];
        if (stmt.reader) {
          const rows = stmt.all(...params) as Record<string, unknown>[];
          step = it.next({ rows, count: rows.length });
        } else {
          step = it.next({ rows: [], count: stmt.run(...params).changes });
        }
      }
    });
    return run.immediate();
  }
  return store.db.transaction().execute(async (trx) => {
    const it = steps();
    for (let step = it.next(); ; ) {
      if (step.done) return step.value;
      const r = await trx.executeQuery(step.value);
      const rows = r.rows as Record<string, unknown>[];
      step = it.next({ rows, count: Number(r.numAffectedRows ?? rows.length) });
    }
  });
}
