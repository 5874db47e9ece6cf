// 013: do-not-call lists per campaign beside the account's own. An entry's campaign_id names the campaign
// whose list holds it; 0 is the account-wide list (a number, not NULL, so that one unique key covers both
// kinds and "listed for this campaign" is one index range: campaign_id IN (0, c)). The unique key becomes
// (account_id, campaign_id, phone): SQLite cannot change a table's constraints in place, so there the
// table is rebuilt with its rows and ids.
import { type Kysely, sql } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { isPg, big } = dialectColumns(db);
  if (isPg) {
    await db.schema
      .alterTable("dnc_numbers")
      .addColumn("campaign_id", big, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("dnc_numbers").dropConstraint("dnc_numbers_account_phone").execute();
    await db.schema
      .alterTable("dnc_numbers")
      .addUniqueConstraint("dnc_numbers_scope_phone", ["account_id", "campaign_id", "phone"])
      .execute();
    return;
  }
  await rebuildOnSqlite(db, true);
}

/**
 * SQLite: the table again with or without campaign_id and its unique key, rows, ids and id counter kept.
 * All or nothing: a crash halfway leaves the old table whole. A savepoint, not a transaction: migrate.ts
 * runs SQLite migrations inside one transaction since, and a savepoint nests in it (or is one alone).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
async function rebuildOnSqlite(db: Kysely<any>, perCampaign: boolean): Promise<void> {
  await sql`SAVEPOINT dnc_numbers_013`.execute(db);
  try {
    await rebuild(db, perCampaign);
  } catch (err) {
    await sql`ROLLBACK TO dnc_numbers_013`.execute(db);
    await sql`RELEASE dnc_numbers_013`.execute(db);
    throw err;
  }
  await sql`RELEASE dnc_numbers_013`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
async function rebuild(db: Kysely<any>, perCampaign: boolean): Promise<void> {
  const { idType, id, big } = dialectColumns(db);
  let table = db.schema
    .createTable("dnc_numbers_013")
    .addColumn("id", idType, id)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id").onDelete("cascade"));
  if (perCampaign) table = table.addColumn("campaign_id", big, (c) => c.notNull().defaultTo(0));
  await table
    .addColumn("phone", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", big, (c) => c.notNull())
    .addColumn("expires_at", big)
    .addUniqueConstraint(
      perCampaign ? "dnc_numbers_scope_phone" : "dnc_numbers_account_phone",
      // The builder's column types cannot follow the optional column above.
      (perCampaign ? ["account_id", "campaign_id", "phone"] : ["account_id", "phone"]) as unknown as [
        "account_id",
      ],
    )
    .execute();
  const kept = sql.raw("id, account_id, phone, source, reason, created_at, expires_at");
  if (perCampaign) {
    await sql`INSERT INTO dnc_numbers_013 (campaign_id, ${kept}) SELECT 0, ${kept} FROM dnc_numbers`.execute(
      db,
    );
  } else {
    await sql`INSERT INTO dnc_numbers_013 (${kept}) SELECT ${kept} FROM dnc_numbers WHERE campaign_id = 0`.execute(
      db,
    );
  }
  // AUTOINCREMENT's counter: ids of entries deleted at the top are not handed out again.
  await sql`DELETE FROM sqlite_sequence WHERE name = 'dnc_numbers_013'`.execute(db);
  await sql`INSERT INTO sqlite_sequence (name, seq)
    SELECT 'dnc_numbers_013', seq FROM sqlite_sequence WHERE name = 'dnc_numbers'`.execute(db);
  await db.schema.dropTable("dnc_numbers").execute();
  await db.schema.alterTable("dnc_numbers_013").renameTo("dnc_numbers").execute();
  await db.schema
    .createIndex("dnc_numbers_account_id")
    .on("dnc_numbers")
    .columns(["account_id", "id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  if (!dialectColumns(db).isPg) {
    await rebuildOnSqlite(db, false);
    return;
  }
  await db.deleteFrom("dnc_numbers").where("campaign_id", "<>", 0).execute();
  await db.schema.alterTable("dnc_numbers").dropConstraint("dnc_numbers_scope_phone").execute();
  await db.schema
    .alterTable("dnc_numbers")
    .addUniqueConstraint("dnc_numbers_account_phone", ["account_id", "phone"])
    .execute();
  await db.schema.alterTable("dnc_numbers").dropColumn("campaign_id").execute();
}
