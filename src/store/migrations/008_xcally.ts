// 008: what the Xcally Motion face keeps beside the core tables: its account-level contact-manager lists
// and their contacts (copied into an outdial campaign when a list is linked to a queue), the list ↔ queue
// links, and the agent links of queues and lists (stored only: outdial has no agents yet).
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const isPg = db.getExecutor().adapter.constructor.name.toLowerCase().includes("postgres");
  const big = isPg ? "bigint" : "integer";
  // biome-ignore lint/suspicious/noExplicitAny: column builder
  const id = (col: any) =>
    isPg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();

  await db.schema
    .createTable("xcally_lists")
    .addColumn("id", big, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("xcally_contacts")
    .addColumn("id", big, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("list_id", big, (c) => c.notNull().references("xcally_lists.id").onDelete("cascade"))
    .addColumn("first_name", "text")
    .addColumn("last_name", "text")
    .addColumn("phone", "text", (c) => c.notNull())
    // JSON object of the cf_<n> fields.
    .addColumn("custom", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("updated_at", big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("xcally_contacts_list")
    .on("xcally_contacts")
    .columns(["list_id", "id"])
    .execute();

  await db.schema
    .createTable("xcally_queue_lists")
    .addColumn("campaign_id", big, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
    .addColumn("list_id", big, (c) => c.notNull().references("xcally_lists.id").onDelete("cascade"))
    .addColumn("created_at", big, (c) => c.notNull())
    .addPrimaryKeyConstraint("xcally_queue_lists_pk", ["campaign_id", "list_id"])
    .execute();

  await db.schema
    .createTable("xcally_agent_links")
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // queue (target_id = campaign id) | list (target_id = xcally list id)
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("target_id", big, (c) => c.notNull())
    .addColumn("agent_id", big, (c) => c.notNull())
    .addColumn("penalty", "integer", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addPrimaryKeyConstraint("xcally_agent_links_pk", ["kind", "target_id", "agent_id"])
    .execute();

  // CSV files of the two-step upload, kept until imported.
  await db.schema
    .createTable("xcally_uploads")
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("created_at", big, (c) => c.notNull())
    .addPrimaryKeyConstraint("xcally_uploads_pk", ["account_id", "name"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("xcally_uploads").ifExists().execute();
  await db.schema.dropTable("xcally_agent_links").ifExists().execute();
  await db.schema.dropTable("xcally_queue_lists").ifExists().execute();
  await db.schema.dropTable("xcally_contacts").ifExists().execute();
  await db.schema.dropTable("xcally_lists").ifExists().execute();
}
