// 014: which face made a webhook subscription. A Twin24 task keeps its own subscriptions in step with its
// webhookUrls; one made through the native API for the same campaign is not the task's to switch off.
// Subscriptions of Twin24 tasks' campaigns made before this migration are taken as the tasks' own, as the
// task edit treated them until now.
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webhooks").addColumn("made_by", "text").execute();
  await db
    .updateTable("webhooks")
    .set({ made_by: "twin24" })
    .where("campaign_id", "in", db.selectFrom("twin24_tasks").select("campaign_id"))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema version
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webhooks").dropColumn("made_by").execute();
}
