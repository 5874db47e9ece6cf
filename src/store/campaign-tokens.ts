// Campaign tokens: secrets bound to one campaign that let a caller add numbers to it and nothing else
// (JAICP's Calls API carries one in the URL). Only a sha256 and a display prefix are stored.
import type { Kysely } from "kysely";
import type { CampaignTokenRow, Database } from "./schema.ts";

export async function insertCampaignToken(
  db: Kysely<Database>,
  t: { accountId: number; campaignId: number; name: string; prefix: string; hash: string; now: number },
): Promise<CampaignTokenRow> {
  return db
    .insertInto("campaign_tokens")
    .values({
      account_id: t.accountId,
      campaign_id: t.campaignId,
      name: t.name,
      prefix: t.prefix,
      hash: t.hash,
      created_at: t.now,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findActiveCampaignToken(
  db: Kysely<Database>,
  hash: string,
): Promise<CampaignTokenRow | undefined> {
  return db
    .selectFrom("campaign_tokens")
    .selectAll()
    .where("hash", "=", hash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

export async function listCampaignTokens(
  db: Kysely<Database>,
  campaignId: number,
): Promise<CampaignTokenRow[]> {
  return db
    .selectFrom("campaign_tokens")
    .selectAll()
    .where("campaign_id", "=", campaignId)
    .orderBy("id")
    .execute();
}

export async function revokeCampaignToken(
  db: Kysely<Database>,
  campaignId: number,
  id: number,
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable("campaign_tokens")
    .set({ revoked_at: now })
    .where("campaign_id", "=", campaignId)
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
