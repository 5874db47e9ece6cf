// Reads of call attempts for the API, keyset-paged by id. An attempt held for an agent's preview and not
// dialed yet (reserved, migration 015) is no attempt yet: it is left out, as it is deleted if given back.
// So is a dial claimed for a calls-per-second slot still ahead (started_at after `now`): a pause gives it
// back and deletes it too (reports9). A claim's slots follow its ids, so such rows are a campaign's last
// ids: a cursor does not pass them before they are dialed.
import type { Kysely } from "kysely";
import type { AttemptRow, Database } from "./schema.ts";

export interface AttemptFilters {
  contactId?: number;
  outcomes?: string[];
  /** started_at ≥ since (ms epoch). */
  since?: number;
  /** started_at < until (ms epoch). */
  until?: number;
  agentId?: number;
}

export async function queryCampaignAttempts(
  db: Kysely<Database>,
  campaignId: number,
  filters: AttemptFilters,
  page: { afterId?: number; limit: number },
  now: number,
): Promise<AttemptRow[]> {
  let q = db
    .selectFrom("attempts")
    .selectAll()
    .where("campaign_id", "=", campaignId)
    .where("reserved", "is", null)
    .where("started_at", "<=", now);
  if (filters.contactId !== undefined) q = q.where("contact_id", "=", filters.contactId);
  if (filters.agentId !== undefined) q = q.where("agent_id", "=", filters.agentId);
  if (filters.outcomes?.length) q = q.where("outcome", "in", filters.outcomes);
  if (filters.since !== undefined) q = q.where("started_at", ">=", filters.since);
  if (filters.until !== undefined) q = q.where("started_at", "<", filters.until);
  if (page.afterId !== undefined) q = q.where("id", ">", page.afterId);
  return q.orderBy("id").limit(page.limit).execute();
}

/** A contact's attempts in the order they were made. */
export async function queryContactAttempts(
  db: Kysely<Database>,
  contactId: number,
  page: { afterId?: number; limit: number },
  now: number,
): Promise<AttemptRow[]> {
  let q = db
    .selectFrom("attempts")
    .selectAll()
    .where("contact_id", "=", contactId)
    .where("reserved", "is", null)
    .where("started_at", "<=", now);
  if (page.afterId !== undefined) q = q.where("id", ">", page.afterId);
  return q.orderBy("id").limit(page.limit).execute();
}
