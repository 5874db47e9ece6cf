// Campaign leases: the one node that dispatches a campaign, so that its concurrency and calls-per-second
// limits hold across nodes sharing one database. A node takes a campaign whose lease is free or expired,
// renews its own, and lets them go when it shuts down. Both dialects run the same upsert.
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

export interface CampaignHolder {
  nodeId: string;
  expiresAt: number;
}

/**
 * Takes or renews the leases of `campaignIds` for `nodeId` until `until`, where each is free, expired or
 * already ours, and answers who holds each one afterwards (this node or another).
 */
export async function holdCampaigns(
  db: Kysely<Database>,
  nodeId: string,
  campaignIds: readonly number[],
  now: number,
  until: number,
): Promise<Map<number, CampaignHolder>> {
  const holders = new Map<number, CampaignHolder>();
  if (campaignIds.length === 0) return holders;
  // Sorted, so two nodes taking overlapping sets lock the rows in the same order (no deadlock on PG).
  const ids = [...new Set(campaignIds)].sort((a, b) => a - b);
  // From the campaigns table, not a list of values: a campaign deleted since this node looked takes no
  // lease (a value row for it would fail the foreign key, and with it every other campaign's renewal).
  await db
    .insertInto("campaign_leases")
    .columns(["campaign_id", "node_id", "expires_at"])
    .expression(
      db
        .selectFrom("campaigns")
        .select((eb) => [
          "id as campaign_id",
          eb.cast<string>(eb.val(nodeId), "text").as("node_id"),
          eb.cast<number>(eb.val(until), "bigint").as("expires_at"),
        ])
        .where("id", "in", ids)
        .orderBy("id"),
    )
    .onConflict((oc) =>
      oc
        .column("campaign_id")
        .doUpdateSet((eb) => ({
          node_id: eb.ref("excluded.node_id"),
          expires_at: eb.ref("excluded.expires_at"),
        }))
        .where((eb) =>
          eb.or([eb("campaign_leases.node_id", "=", nodeId), eb("campaign_leases.expires_at", "<=", now)]),
        ),
    )
    .execute();
  const rows = await db
    .selectFrom("campaign_leases")
    .select(["campaign_id", "node_id", "expires_at"])
    .where("campaign_id", "in", ids)
    .execute();
  for (const r of rows) holders.set(r.campaign_id, { nodeId: r.node_id, expiresAt: r.expires_at });
  return holders;
}

/** Lets go of this node's leases (all of them, or those of `campaignIds`): another node may take them now. */
export async function releaseCampaigns(
  db: Kysely<Database>,
  nodeId: string,
  campaignIds?: readonly number[],
): Promise<void> {
  if (campaignIds?.length === 0) return;
  let q = db.deleteFrom("campaign_leases").where("node_id", "=", nodeId);
  if (campaignIds) q = q.where("campaign_id", "in", campaignIds);
  await q.execute();
}

/** Who holds a campaign's lease, if anyone does at `now`. */
export async function campaignHolder(
  db: Kysely<Database>,
  campaignId: number,
  now: number,
): Promise<CampaignHolder | null> {
  const row = await db
    .selectFrom("campaign_leases")
    .select(["node_id", "expires_at"])
    .where("campaign_id", "=", campaignId)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row ? { nodeId: row.node_id, expiresAt: row.expires_at } : null;
}
