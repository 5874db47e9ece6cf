// Column types that differ by dialect, for migrations from 002 on (001 spells them out itself). Changing
// this file changes old migrations' meaning: add, never edit.
import type { ColumnDefinitionBuilder, Kysely } from "kysely";

export interface DialectColumns {
  isPg: boolean;
  /** Type of an id column. */
  idType: "bigint" | "integer";
  /** An id primary key: identity on PostgreSQL, autoincrement on SQLite. */
  id(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Type of ms timestamps, ids of other rows and micro-USD amounts. */
  big: "bigint" | "integer";
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export function dialectColumns(db: Kysely<any>): DialectColumns {
  const isPg = db.getExecutor().adapter.constructor.name.toLowerCase().includes("postgres");
  return {
    isPg,
    idType: isPg ? "bigint" : "integer",
    id: (col) => (isPg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement()),
    big: isPg ? "bigint" : "integer",
  };
}
