// Which SQL dialect a Kysely instance (or transaction) speaks, for the few statements that differ.
// (Migrations keep their own copy: they are frozen as written.)
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: any schema
export function isPostgresDb(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name.toLowerCase().includes("postgres");
}
