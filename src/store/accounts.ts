// Accounts: the tenants every other row belongs to.
import { type Kysely, sql } from "kysely";
import { isPostgresDb } from "./dialect.ts";
import type { Account, Database } from "./schema.ts";

/** Creates the first account, only while there is none; null when one already exists. One statement, so
 *  two SQLite processes starting together cannot both create it. On PostgreSQL one statement is not enough:
 *  each sees the rows committed when it began, so nodes starting together on a new database each saw no
 *  account and made one (each printing its own first key, for a tenant the others do not see). There a
 *  transaction-scoped advisory lock, taken by a statement of its own first, makes the next one wait and
 *  then see the first's account. */
export async function insertFirstAccount(
  db: Kysely<Database>,
  name: string,
  now: number,
): Promise<number | null> {
  if (!isPostgresDb(db)) {
    return insertIfNoAccount(db, name, now);
  }
  const locked = async (trx: Kysely<Database>) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended('outdial.first_account', 0))`.execute(trx);
    return insertIfNoAccount(trx, name, now);
  };
  return db.isTransaction ? locked(db) : db.transaction().execute(locked);
}

async function insertIfNoAccount(db: Kysely<Database>, name: string, now: number): Promise<number | null> {
  const row = await db
    .insertInto("accounts")
    .columns(["name", "created_at", "balance_micros"])
    .expression(
      db
        .selectNoFrom([
          sql.val(name).as("name"),
          sql.val(now).as("created_at"),
          sql.lit(null).as("balance_micros"),
        ])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom("accounts").select("id")))),
    )
    .returning("id")
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function insertAccount(db: Kysely<Database>, name: string, now: number): Promise<number> {
  const row = await db
    .insertInto("accounts")
    .values({ name, created_at: now, balance_micros: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findAccount(db: Kysely<Database>, id: number): Promise<Account | undefined> {
  return db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
}
