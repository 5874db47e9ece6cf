// Outbox rows written many to a statement, for a change that reports many contacts at once (a list reset):
// outboxInserts (webhooks.ts) takes a statement per row, a round trip each on PostgreSQL. The same guard
// keeps only rows whose subscription exists, is active and names the event's type (OUTBOX_WEBHOOK_EXISTS).
import { type CompiledQuery, type Kysely, sql } from "kysely";
import {
  OUTBOX_COLUMN_TYPES,
  OUTBOX_COLUMNS,
  OUTBOX_WEBHOOK_EXISTS,
  type OutboxRow,
} from "../outbox/events.ts";
import { isPostgresDb } from "./dialect.ts";
import type { Database } from "./schema.ts";

/** Rows to a statement: 5,000 parameters on SQLite (it takes 32,766), one array a column on PostgreSQL. */
const ROWS_PER_STATEMENT = 500;

/** Inserts of `rows`, in their order (ids follow it, and delivery order follows ids), compiled to run in
 *  another statement's transaction. */
export function outboxInsertBatches(db: Kysely<Database>, rows: readonly OutboxRow[]): CompiledQuery[] {
  const statements: CompiledQuery[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const batch = rows.slice(i, i + ROWS_PER_STATEMENT);
    statements.push((isPostgresDb(db) ? postgresBatch(batch) : sqliteBatch(batch)).compile(db));
  }
  return statements;
}

const columns = sql.raw(OUTBOX_COLUMNS.join(", "));
const guard = sql.raw(OUTBOX_WEBHOOK_EXISTS);

/** One array a column, unnested in order (as the dispatch store's insertEvents). */
function postgresBatch(rows: readonly OutboxRow[]) {
  const arrays = OUTBOX_COLUMNS.map(
    (k, i) => sql`CAST(${rows.map((r) => r[k])} AS ${sql.raw(OUTBOX_COLUMN_TYPES[i])}[])`,
  );
  return sql`INSERT INTO webhook_deliveries (${columns})
    SELECT ${columns} FROM unnest(${sql.join(arrays)}) WITH ORDINALITY AS v(${columns}, ord)
    WHERE ${guard} ORDER BY ord`;
}

/** A VALUES list named by a common table expression (SQLite names a bare VALUES' columns column1…). */
function sqliteBatch(rows: readonly OutboxRow[]) {
  const values = rows.map((r, n) => sql`(${sql.join([...OUTBOX_COLUMNS.map((k) => r[k]), n])})`);
  return sql`WITH v(${columns}, ord) AS (VALUES ${sql.join(values)})
    INSERT INTO webhook_deliveries (${columns}) SELECT ${columns} FROM v WHERE ${guard} ORDER BY ord`;
}
