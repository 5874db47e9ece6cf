// 005: what calls cost and what an account paid: per-minute rates by destination prefix with a default on
// the account, and a ledger of top-ups and charges (one charge per attempt at most).
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);
  await db.schema.alterTable("accounts").addColumn("default_rate_micros", big).execute();

  await db.schema
    .createTable("rates")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("rate_micros", big, (c) => c.notNull())
    .addUniqueConstraint("rates_account_prefix", ["account_id", "prefix"])
    .execute();

  await db.schema
    .createTable("balance_transactions")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("amount_micros", big, (c) => c.notNull())
    .addColumn("attempt_id", big)
    .addColumn("note", "text")
    .addColumn("created_at", big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("balance_transactions_account")
    .on("balance_transactions")
    .columns(["account_id", "id"])
    .execute();
  // A charge is written with its attempt's outcome, once: a replayed outcome cannot charge twice.
  await db.schema
    .createIndex("balance_transactions_attempt")
    .on("balance_transactions")
    .columns(["attempt_id"])
    .unique()
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("balance_transactions").ifExists().execute();
  await db.schema.dropTable("rates").ifExists().execute();
  await db.schema.alterTable("accounts").dropColumn("default_rate_micros").execute();
}
