// The list of a campaign a vendor face adds its contacts to, found by name and made on first use (JAICP's
// "Calls API", Xcally's "Xcally list N"). Race-free without a unique index: the look-up and the insert run
// in one transaction, serialized per campaign and name (SQLite: the store's one connection; PostgreSQL: a
// transaction-scoped advisory lock, across outdial nodes too), so concurrent first requests make one list.
import { type Kysely, sql } from "kysely";
import type { Store } from "../../store/db.ts";
import { insertList } from "../../store/lists.ts";
import type { Database } from "../../store/schema.ts";

/** Inside the caller's transaction `trx` when given (its look-up then waits for the lock too). */
export async function findOrCreateList(
  store: Store,
  l: { accountId: number; campaignId: number; name: string; now: number },
  trx?: Kysely<Database>,
): Promise<{ id: number }> {
  const find = (db: Kysely<Database>) =>
    db
      .selectFrom("lists")
      .select("id")
      .where("campaign_id", "=", l.campaignId)
      .where("name", "=", l.name)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
  const locked = async (db: Kysely<Database>) => {
    if (store.dialect === "postgres") {
      const key = `outdial.lists.${l.campaignId}.${l.name}`;
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db);
    }
    return (await find(db)) ?? (await insertList(db, l));
  };
  if (trx) return locked(trx);
  return (await find(store.db)) ?? (await store.db.transaction().execute(locked));
}
