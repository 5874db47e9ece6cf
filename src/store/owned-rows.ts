// Rows that belong to an account and are read, listed and revoked by (account, id) the same way, whatever
// the table: API keys, users, service accounts, webhooks, agents, named queues. The account filter is never
// left out.
import type { Kysely, Selectable } from "kysely";
import type { Database } from "./schema.ts";

type OwnedTable =
  | "api_keys"
  | "users"
  | "service_accounts"
  | "webhooks"
  | "scenarios"
  | "agents"
  | "agent_queues";
type RevocableTable = "api_keys" | "service_accounts";

// biome-ignore lint/suspicious/noExplicitAny: one query over several tables; the signatures keep the types
const loose = (db: Kysely<Database>) => db as unknown as Kysely<any>;

export async function findOwned<T extends OwnedTable>(
  db: Kysely<Database>,
  table: T,
  accountId: number,
  id: number,
): Promise<Selectable<Database[T]> | undefined> {
  return loose(db)
    .selectFrom(table)
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}

export async function listOwned<T extends OwnedTable>(
  db: Kysely<Database>,
  table: T,
  accountId: number,
): Promise<Selectable<Database[T]>[]> {
  return loose(db)
    .selectFrom(table)
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute() as Promise<Selectable<Database[T]>[]>;
}

/** By id, after `afterId`: up to `limit + 1` rows, the extra one telling that another page follows. */
export async function pageOwned<T extends OwnedTable>(
  db: Kysely<Database>,
  table: T,
  accountId: number,
  page: { afterId?: number; limit: number },
): Promise<Selectable<Database[T]>[]> {
  let query = loose(db)
    .selectFrom(table)
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .limit(page.limit + 1);
  if (page.afterId !== undefined) query = query.where("id", ">", page.afterId);
  return query.execute() as Promise<Selectable<Database[T]>[]>;
}

/** Revokes once; revoking again keeps the first time. */
export async function revokeOwned(
  db: Kysely<Database>,
  table: RevocableTable,
  accountId: number,
  id: number,
  now: number,
): Promise<void> {
  await loose(db)
    .updateTable(table)
    .set({ revoked_at: now })
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}

export async function deleteOwned(
  db: Kysely<Database>,
  table: OwnedTable,
  accountId: number,
  id: number,
): Promise<boolean> {
  const r = await loose(db)
    .deleteFrom(table)
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
