// 015: an agent's previewed contact, claimed but not yet dialed. The attempt keeps the contact's dialing
// state from before the claim until a durable write just before the dial clears it; a process that dies
// in between leaves it set, so whoever reconciles the expired lease gives the contact back untouched
// instead of counting an attempt nobody made.
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("attempts").addColumn("reserved", "text").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("attempts").dropColumn("reserved").execute();
}
