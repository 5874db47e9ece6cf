// 025: a contact withdrawn while it is on a call. A vendor face that takes a contact away (Xcally's list
// delete cancels the list's copies in its queues) could cancel only the copies waiting: one on a call went
// back to pending for its retry and was dialed again. The withdrawal is kept on the contact; the claim
// settles it cancelled instead of dialing it (engine/claim-decision.ts).
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("contacts").addColumn("withdrawn_at", "bigint").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("contacts").dropColumn("withdrawn_at").execute();
}
