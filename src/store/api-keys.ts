// API keys: only a sha256 hash and a short display prefix are stored; the key itself is shown once.
import type { Kysely } from "kysely";
import { findOwned, listOwned, revokeOwned } from "./owned-rows.ts";
import type { ApiKeyRow, Database } from "./schema.ts";

export interface NewApiKey {
  accountId: number;
  name: string;
  role: string;
  prefix: string;
  hash: string;
  now: number;
}

export async function insertApiKey(db: Kysely<Database>, key: NewApiKey): Promise<ApiKeyRow> {
  return db
    .insertInto("api_keys")
    .values({
      account_id: key.accountId,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      hash: key.hash,
      created_at: key.now,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The key a request authenticates with; revoked keys are never returned. */
export async function findActiveApiKeyByHash(
  db: Kysely<Database>,
  hash: string,
): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("hash", "=", hash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

export const findApiKey = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "api_keys", accountId, id);
export const listApiKeys = (db: Kysely<Database>, accountId: number) => listOwned(db, "api_keys", accountId);
export const revokeApiKey = (db: Kysely<Database>, accountId: number, id: number, now: number) =>
  revokeOwned(db, "api_keys", accountId, id, now);

/** Records use at most once per `granularityMs`, so authenticating is not a write on every request. */
export async function touchApiKeyLastUsed(
  db: Kysely<Database>,
  id: number,
  now: number,
  granularityMs: number,
): Promise<void> {
  await db
    .updateTable("api_keys")
    .set({ last_used_at: now })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", now - granularityMs)]))
    .execute();
}
