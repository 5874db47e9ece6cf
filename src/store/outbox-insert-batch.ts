// Outbox inserts of many events to a statement, for a change that reports many contacts at once (a list
// reset) and for every other writer of events: each statement picks the subscriptions taking each event from
// the webhooks table as its own statement reads it (outboxInsertSql), so no writer keeps a list of them.
import { type CompiledQuery, type Kysely, sql } from "kysely";
import {
  EVENT_COLUMN_TYPES,
  EVENT_COLUMNS,
  type EventRow,
  OUTBOX_INSERT,
  OUTBOX_RECEIVERS,
  outboxInsertSql,
} from "../outbox/events.ts";
import { isPostgresDb } from "./dialect.ts";
import type { Database } from "./schema.ts";

/** Events to a statement: 4,500 parameters on SQLite (it takes 32,766), one array a column on PostgreSQL. */
const ROWS_PER_STATEMENT = 500;

/** Inserts of the outbox rows of `events`, in their order (ids follow it, and delivery order follows ids),
 *  compiled to run in another statement's transaction; each one's count is the rows it wrote. */
export function outboxInsertBatches(db: Kysely<Database>, events: readonly EventRow[]): CompiledQuery[] {
  const statements: CompiledQuery[] = [];
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    const batch = events.slice(i, i + ROWS_PER_STATEMENT);
    statements.push((isPostgresDb(db) ? postgresBatch(batch) : sqliteBatch(batch)).compile(db));
  }
  return statements;
}

const columns = EVENT_COLUMNS.join(", ");

/** One array a column, unnested in order (as the dispatch store's insertEvents). */
function postgresBatch(events: readonly EventRow[]) {
  const arrays = EVENT_COLUMNS.map(
    (k, i) => sql`CAST(${events.map((e) => e[k])} AS ${sql.raw(EVENT_COLUMN_TYPES[i])}[])`,
  );
  return sql`${sql.raw(OUTBOX_INSERT)} unnest(${sql.join(arrays)}) WITH ORDINALITY AS v(${sql.raw(columns)}, ord)
    ${sql.raw(OUTBOX_RECEIVERS)}`;
}

/** A VALUES list named by a common table expression (SQLite names a bare VALUES' columns column1…). */
function sqliteBatch(events: readonly EventRow[]) {
  const values = events.map((e, n) => sql`(${sql.join([...EVENT_COLUMNS.map((k) => e[k]), n])})`);
  return sql`WITH v(${sql.raw(columns)}, ord) AS (VALUES ${sql.join(values)}) ${sql.raw(outboxInsertSql("v"))}`;
}
