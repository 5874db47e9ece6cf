// 026: two reads whose cost grew with the campaign. A page of a campaign's contacts (the API's list, every
// page of an export) is `campaign_id = ? AND id > ? ORDER BY id LIMIT n`, and no index had (campaign_id,
// id): SQLite sorted all the campaign's contacts for each page (an export of 100,000 contacts spent 7.3 s
// in SQL), PostgreSQL walked the primary key past every other campaign's rows. And Voximplant's
// StartNextCallTask takes a manual list's next held task by priority and id: SQLite read and sorted every
// held task of the list (300,000 of them: ~650 ms a call). The held tasks get a partial index of their
// own, so it stays as small as the manual lists and the dialer's writes never touch it.
// Neither index is in the SQLite import's rebuilt set (lists/sqlite-writer.ts): an import appends its rows
// at the end of both, in id order, which grows them cheaply row by row.
import { type Kysely, sql } from "kysely";

/** api/compat/voximplant/lists.ts MANUAL_HOLD_AT, Date.UTC(9999, 0, 1): a held task's start_at is this
 *  plus its file's own start time. A literal, as a migration is frozen; the query repeats it as one too,
 *  since a planner uses a partial index only for a WHERE that visibly implies the index's. */
const MANUAL_HOLD_AT = 253370764800000;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("contacts_campaign").on("contacts").columns(["campaign_id", "id"]).execute();
  await db.schema
    .createIndex("contacts_manual_held")
    .on("contacts")
    .columns(["list_id", "priority", "id"])
    .where(sql<boolean>`status = 'pending' and start_at >= ${sql.lit(MANUAL_HOLD_AT)}`)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("contacts_manual_held").ifExists().execute();
  await db.schema.dropIndex("contacts_campaign").ifExists().execute();
}
