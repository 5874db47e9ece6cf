// 004: the account's other credentials beside API keys: users (name and password, for HTTP Basic as
// Xcally's clients send it) and service accounts (an RSA public key; requests carry a JWT signed with the
// private key, as Voximplant's clients make them). Numbered 004 to leave 003 to the Twin24 face.
import type { Kysely } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { idType, id, big } = dialectColumns(db);

  await db.schema
    .createTable("users")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // Unique across accounts: HTTP Basic names no account, so the user name must find it.
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .addColumn("disabled_at", big)
    .execute();
  await db.schema.createIndex("users_account").on("users").columns(["account_id", "id"]).execute();

  await db.schema
    .createTable("service_accounts")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    // The JWT header's `kid`.
    .addColumn("key_id", "text", (c) => c.notNull().unique())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("last_used_at", big)
    .addColumn("revoked_at", big)
    .execute();
  await db.schema
    .createIndex("service_accounts_account")
    .on("service_accounts")
    .columns(["account_id", "id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("service_accounts").ifExists().execute();
  await db.schema.dropTable("users").ifExists().execute();
}
