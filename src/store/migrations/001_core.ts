// 001: accounts, API keys, campaigns, lists, contacts, attempts. Append-only: later changes get new files.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const isPg = await isPostgres(db);
  const idType = isPg ? "bigint" : "integer";
  // biome-ignore lint/suspicious/noExplicitAny: column builder
  const id = (col: any) =>
    isPg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();
  const big = isPg ? "bigint" : "integer";

  await db.schema
    .createTable("accounts")
    .addColumn("id", idType, id)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("balance_micros", big)
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("last_used_at", big)
    .addColumn("revoked_at", big)
    .execute();

  await db.schema
    .createTable("campaigns")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("status_reason", "text")
    .addColumn("priority", big, (c) => c.notNull())
    .addColumn("settings", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .addColumn("started_at", big)
    .addColumn("halt_at", big)
    .addColumn("finished_at", big)
    .execute();
  await db.schema.createIndex("campaigns_account").on("campaigns").columns(["account_id", "id"]).execute();
  await db.schema.createIndex("campaigns_status").on("campaigns").columns(["status", "priority"]).execute();

  await db.schema
    .createTable("lists")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("campaign_id", big, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("lists_campaign").on("lists").columns(["campaign_id"]).execute();

  await db.schema
    .createTable("contacts")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull())
    .addColumn("campaign_id", big, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("list_id", big, (c) => c.notNull().references("lists.id").onDelete("cascade"))
    .addColumn("external_id", "text")
    .addColumn("phones", "text", (c) => c.notNull())
    .addColumn("phone", "text", (c) => c.notNull())
    .addColumn("custom", "text", (c) => c.notNull())
    .addColumn("time_zone", "text")
    .addColumn("daily_from_sec", "integer")
    .addColumn("daily_to_sec", "integer")
    .addColumn("start_at", big)
    .addColumn("priority", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("ready", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("order_class", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("phone_index", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("phone_attempts", "text", (c) => c.notNull())
    .addColumn("retry_counts", "text", (c) => c.notNull())
    .addColumn("next_attempt_at", big, (c) => c.notNull())
    .addColumn("wait_reason", "text")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", big)
    .addColumn("last_outcome", "text")
    .addColumn("last_attempt_at", big)
    .addColumn("flagged", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .execute();
  // The dial queue: due contacts in the order they are claimed. Partial, so the index only holds
  // contacts that are ready now and stays small however many wait for later.
  await db.schema
    .createIndex("contacts_dial_queue")
    .on("contacts")
    .columns(["campaign_id", "priority", "order_class", "next_attempt_at", "id"])
    .where(sql.ref("ready"), "=", 1)
    .execute();
  // Waiting contacts by the time they become due: promotion into the dial queue is a range scan.
  await db.schema
    .createIndex("contacts_waiting")
    .on("contacts")
    .columns(["campaign_id", "next_attempt_at", "wait_reason"])
    .where(sql<boolean>`status = 'pending' and ready = 0`)
    .execute();
  await db.schema
    .createIndex("contacts_leases")
    .on("contacts")
    .columns(["lease_expires_at"])
    .where(sql<boolean>`status = 'in_progress'`)
    .execute();
  // Settled contacts by status. Partial on purpose: pending and in-progress contacts change status on every
  // attempt, and indexing them would add two random index writes per attempt to the dispatch hot path;
  // their counts come from the dial-queue, waiting and lease indexes instead.
  await db.schema
    .createIndex("contacts_settled")
    .on("contacts")
    .columns(["campaign_id", "status"])
    .where(sql<boolean>`status not in ('pending', 'in_progress')`)
    .execute();
  await db.schema.createIndex("contacts_phone").on("contacts").columns(["campaign_id", "phone"]).execute();
  await db.schema
    .createIndex("contacts_external_id")
    .on("contacts")
    .columns(["campaign_id", "external_id"])
    .unique()
    .where("external_id", "is not", null)
    .execute();
  await db.schema.createIndex("contacts_list").on("contacts").columns(["list_id"]).execute();

  await db.schema
    .createTable("attempts")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull())
    .addColumn("campaign_id", big, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("contact_id", big, (c) => c.notNull().references("contacts.id").onDelete("cascade"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("phone", "text", (c) => c.notNull())
    .addColumn("phone_index", "integer", (c) => c.notNull())
    .addColumn("caller_id", "text")
    .addColumn("started_at", big, (c) => c.notNull())
    .addColumn("answered_at", big)
    .addColumn("ended_at", big)
    .addColumn("outcome", "text")
    .addColumn("cause", "text")
    .addColumn("talk_sec", "double precision")
    .addColumn("success", "integer")
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("details", "text")
    .addUniqueConstraint("attempts_contact_seq", ["contact_id", "seq"])
    .execute();
  await db.schema.createIndex("attempts_campaign").on("attempts").columns(["campaign_id", "id"]).execute();
  await db.schema
    .createIndex("attempts_phone")
    .on("attempts")
    .columns(["account_id", "phone", "started_at"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["attempts", "contacts", "lists", "campaigns", "api_keys", "accounts"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
async function isPostgres(db: Kysely<any>): Promise<boolean> {
  const adapter = db.getExecutor().adapter;
  return adapter.constructor.name.toLowerCase().includes("postgres");
}
