// 019: when a contact's latest abandoned call ended (contacts.abandoned_at), so that every claim can keep
// the 72 hours after it (model/redial-policy.ts) whatever put the contact back in the dial queue: a
// preview campaign switched to another method while the contact was reserved or on a call, a reset, an
// edit. The outcome's own rule (engine/outcomes.ts abandonRule) stays; this is the claim's check of it.
import { type Kysely, sql } from "kysely";
import { dialectColumns } from "./column-types.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  const { big } = dialectColumns(db);
  await db.schema.alterTable("contacts").addColumn("abandoned_at", big).execute();
  await db
    .updateTable("contacts")
    .set({
      abandoned_at: sql`(SELECT max(a.ended_at) FROM attempts a WHERE a.contact_id = contacts.id AND a.outcome = 'abandoned')`,
    })
    .where("id", "in", db.selectFrom("attempts").select("contact_id").where("outcome", "=", "abandoned"))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("contacts").dropColumn("abandoned_at").execute();
}
