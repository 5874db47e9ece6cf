// Several statements as one transaction, without holding a Kysely transaction open across awaits: on
// SQLite the statements run synchronously inside one better-sqlite3 transaction, so no other statement of
// this process (the dispatcher's own batches among them) can interleave or find a transaction left open.
import type SQLite from "better-sqlite3";
import type { CompiledQuery } from "kysely";
import type { Store } from "./db.ts";

/**
 * Resolves once no transaction is open on the SQLite connection. A Kysely transaction of another request
 * holds it across its awaits: a transaction begun on the raw connection meanwhile would become its
 * savepoint and go with its rollback (or, begun with BEGIN, fail). Call right before such a transaction,
 * with no await in between.
 */
export async function noTransactionOpen(sqlite: SQLite.Database, maxTurns = 100_000): Promise<void> {
  for (let i = 0; sqlite.inTransaction; i++) {
    if (i === maxTurns) throw new Error("a transaction stays open on the SQLite connection");
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Runs the compiled queries in order, all or none; returns each one's affected row count. With
 *  `thenIfChanged`, those run too (in the same transaction) only if every query changed a row. */
export async function atomically(
  store: Store,
  queries: CompiledQuery[],
  opts: { thenIfChanged?: CompiledQuery[] } = {},
): Promise<number[]> {
  const then = opts.thenIfChanged ?? [];
  const sqlite = store.sqlite;
  if (sqlite) {
    await noTransactionOpen(sqlite);
    const one = (q: CompiledQuery): number => {
      const stmt = sqlite.prepare(q.sql);
      const params = q.parameters as unknown[];
      return stmt.reader ? stmt.all(...params).length : stmt.run(...params).changes;
    };
    const run = sqlite.transaction(() => {
      const counts = queries.map(one);
      return counts.every((n) => n > 0) ? counts.concat(then.map(one)) : counts;
    });
    return run.immediate();
  }
  return store.db.transaction().execute(async (trx) => {
    const one = async (q: CompiledQuery): Promise<number> => {
      const r = await trx.executeQuery(q);
      return Number(r.numAffectedRows ?? r.rows.length);
    };
    const counts: number[] = [];
    for (const q of queries) counts.push(await one(q));
    if (counts.every((n) => n > 0)) for (const q of then) counts.push(await one(q));
    return counts;
  });
}
