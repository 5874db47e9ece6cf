// Contact lists of a campaign (each import or manual batch goes into one).
import type { Kysely } from "kysely";
import type { Database, ListRow } from "./schema.ts";

export async function insertList(
  db: Kysely<Database>,
  l: { accountId: number; campaignId: number; name: string; now: number },
): Promise<ListRow> {
  return db
    .insertInto("lists")
    .values({ account_id: l.accountId, campaign_id: l.campaignId, name: l.name, created_at: l.now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ListWithCount extends ListRow {
  contact_count: number;
}

export async function listListsWithContactCounts(
  db: Kysely<Database>,
  campaignId: number,
): Promise<ListWithCount[]> {
  const rows = await db
    .selectFrom("lists")
    .leftJoin("contacts", "contacts.list_id", "lists.id")
    .select([
      "lists.id",
      "lists.account_id",
      "lists.campaign_id",
      "lists.name",
      "lists.created_at",
      (eb) => eb.fn.count<number>("contacts.id").as("contact_count"),
    ])
    .where("lists.campaign_id", "=", campaignId)
    .groupBy(["lists.id", "lists.account_id", "lists.campaign_id", "lists.name", "lists.created_at"])
    .orderBy("lists.id")
    .execute();
  return rows.map((r) => ({ ...r, contact_count: Number(r.contact_count) }));
}
