// Users and service accounts of an account: the rows the auth plugin checks and the API manages. Secrets
// are never stored: users keep a scrypt hash, service accounts a public key.
import type { Kysely } from "kysely";
import { deleteOwned, findOwned, listOwned, revokeOwned } from "./owned-rows.ts";
import type { Database, ServiceAccountRow, UserRow } from "./schema.ts";

export async function insertUser(
  db: Kysely<Database>,
  u: { accountId: number; username: string; passwordHash: string; role: string; now: number },
): Promise<UserRow> {
  return db
    .insertInto("users")
    .values({
      account_id: u.accountId,
      username: u.username,
      password_hash: u.passwordHash,
      role: u.role,
      created_at: u.now,
      updated_at: u.now,
      disabled_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserByName(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
}

export const findUser = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "users", accountId, id);

export const listUsers = (db: Kysely<Database>, accountId: number) => listOwned(db, "users", accountId);

export async function updateUser(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  edit: { role?: string; passwordHash?: string; disabled?: boolean },
  now: number,
  /** Only if the user still has this role (the role the caller's permission was checked against). */
  ifRole?: string,
): Promise<UserRow | undefined> {
  let update = db
    .updateTable("users")
    .set({
      updated_at: now,
      ...(edit.role !== undefined ? { role: edit.role } : {}),
      ...(edit.passwordHash !== undefined ? { password_hash: edit.passwordHash } : {}),
      ...(edit.disabled !== undefined ? { disabled_at: edit.disabled ? now : null } : {}),
    })
    .where("account_id", "=", accountId)
    .where("id", "=", id);
  if (ifRole !== undefined) update = update.where("role", "=", ifRole);
  return update.returningAll().executeTakeFirst();
}

export const deleteUser = (db: Kysely<Database>, accountId: number, id: number) =>
  deleteOwned(db, "users", accountId, id);

export async function insertServiceAccount(
  db: Kysely<Database>,
  s: { accountId: number; name: string; role: string; keyId: string; publicKey: string; now: number },
): Promise<ServiceAccountRow> {
  return db
    .insertInto("service_accounts")
    .values({
      account_id: s.accountId,
      name: s.name,
      role: s.role,
      key_id: s.keyId,
      public_key: s.publicKey,
      created_at: s.now,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The service account a JWT's `kid` names; revoked ones are never returned. */
export async function findActiveServiceAccountByKeyId(
  db: Kysely<Database>,
  keyId: string,
): Promise<ServiceAccountRow | undefined> {
  return db
    .selectFrom("service_accounts")
    .selectAll()
    .where("key_id", "=", keyId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

export const findServiceAccount = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "service_accounts", accountId, id);

export const listServiceAccounts = (db: Kysely<Database>, accountId: number) =>
  listOwned(db, "service_accounts", accountId);

export const revokeServiceAccount = (db: Kysely<Database>, accountId: number, id: number, now: number) =>
  revokeOwned(db, "service_accounts", accountId, id, now);
