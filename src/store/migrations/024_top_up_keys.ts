// 024: an idempotency key on top-ups. A client whose top-up timed out after it committed cannot tell
// whether it landed; retrying it credited the account twice. A key given with the top-up is kept on its
// ledger row, unique per account: the same key again adds nothing (store/billing.ts topUp).
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("balance_transactions").addColumn("idempotency_key", "text").execute();
  // Rows without a key (charges, top-ups given none) are NULL: distinct from each other on both dialects.
  await db.schema
    .createIndex("balance_transactions_idempotency")
    .on("balance_transactions")
    .columns(["account_id", "idempotency_key"])
    .unique()
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("balance_transactions_idempotency").execute();
  await db.schema.alterTable("balance_transactions").dropColumn("idempotency_key").execute();
}
