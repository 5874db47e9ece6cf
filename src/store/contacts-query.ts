// Reads of contacts for the API and exports, plus the two edits the API makes to a contact (cancel, and
// an edit of its data, validated in lists/contact-edit.ts).
// Every page is keyset-paged by id, so deep pages cost the same as the first one.
import type { CompiledQuery, Kysely, Updateable } from "kysely";
import type { ContactRow, ContactsTable, Database } from "./schema.ts";

export interface ContactFilters {
  statuses?: string[];
  listId?: number;
  /** An E.164 number the contact has (first or later). */
  phone?: string;
  externalId?: string;
  flagged?: boolean;
  lastOutcomes?: string[];
  updatedSince?: number;
}

export async function queryContacts(
  db: Kysely<Database>,
  campaignId: number,
  filters: ContactFilters,
  page: { afterId?: number; limit: number },
): Promise<ContactRow[]> {
  let q = db.selectFrom("contacts").selectAll().where("campaign_id", "=", campaignId);
  if (filters.statuses?.length) q = q.where("status", "in", filters.statuses);
  if (filters.listId !== undefined) q = q.where("list_id", "=", filters.listId);
  if (filters.phone !== undefined) {
    // Any of the contact's numbers, not only the first (indexed) one: the LIKE reads the campaign's rows,
    // which a search by number can afford. E.164 text holds no LIKE wildcards.
    const quoted = `%${JSON.stringify(filters.phone)}%`;
    const phone = filters.phone;
    q = q.where((eb) => eb.or([eb("phone", "=", phone), eb("phones", "like", quoted)]));
  }
  if (filters.externalId !== undefined) q = q.where("external_id", "=", filters.externalId);
  if (filters.flagged !== undefined) q = q.where("flagged", "=", filters.flagged ? 1 : 0);
  if (filters.lastOutcomes?.length) q = q.where("last_outcome", "in", filters.lastOutcomes);
  if (filters.updatedSince !== undefined) q = q.where("updated_at", ">=", filters.updatedSince);
  if (page.afterId !== undefined) q = q.where("id", ">", page.afterId);
  return q.orderBy("id").limit(page.limit).execute();
}

export async function findContact(
  db: Kysely<Database>,
  accountId: number,
  id: number,
): Promise<ContactRow | undefined> {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** pending → cancelled in one conditional statement, so a contact claimed meanwhile is left alone;
 *  compiled to run with its events in one transaction. */
export function cancelPendingContactQuery(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  now: number,
): CompiledQuery {
  return db
    .updateTable("contacts")
    .set({ status: "cancelled", ready: 0, wait_reason: null, updated_at: now })
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .where("status", "=", "pending")
    .compile();
}

/** An edit of a contact's columns, applied only if nobody changed the contact since it was read at
 *  `readUpdatedAt` and it is not on a call. */
export function editContactQuery(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  readUpdatedAt: number,
  set: Updateable<ContactsTable>,
) {
  return db
    .updateTable("contacts")
    .set(set)
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .where("updated_at", "=", readUpdatedAt)
    .where("status", "<>", "in_progress");
}

export interface ContactResultRow {
  id: number;
  external_id: string | null;
  phones: string;
  custom: string;
  status: string;
  attempts: number;
  last_outcome: string | null;
  last_attempt_at: number | null;
  /** Talk time of the contact's latest attempt. */
  last_talk_sec: number | null;
  /** Talk time of the attempt that counted as success, if any. */
  success_talk_sec: number | null;
  /** The agent the contact's latest call that reached an agent was connected to. */
  last_agent_id: number | null;
  /** The disposition of the contact's latest disposed-of call, and the agent who set it. */
  last_disposition: string | null;
  last_disposed_by: number | null;
}

/** One page of per-contact results for an export. The talk times come from correlated subqueries that
 *  walk the (contact_id, seq) unique index, so a page costs one statement whatever its size. */
export async function readContactResultsPage(
  db: Kysely<Database>,
  campaignId: number,
  afterId: number,
  limit: number,
): Promise<ContactResultRow[]> {
  const rows = await db
    .selectFrom("contacts as c")
    .select([
      "c.id",
      "c.external_id",
      "c.phones",
      "c.custom",
      "c.status",
      "c.attempts",
      "c.last_outcome",
      "c.last_attempt_at",
      (eb) =>
        eb
          .selectFrom("attempts as a")
          .select("a.talk_sec")
          .whereRef("a.contact_id", "=", "c.id")
          // A call made: not a preview being read (a reserved row), nor one still on the line.
          .where("a.ended_at", "is not", null)
          .orderBy("a.seq", "desc")
          .limit(1)
          .as("last_talk_sec"),
      (eb) =>
        eb
          .selectFrom("attempts as a")
          .select((sub) => sub.fn.max("a.talk_sec").as("t"))
          .whereRef("a.contact_id", "=", "c.id")
          .where("a.success", "=", 1)
          .as("success_talk_sec"),
      (eb) =>
        eb
          .selectFrom("attempts as a")
          .select("a.agent_id")
          .whereRef("a.contact_id", "=", "c.id")
          .where("a.agent_id", "is not", null)
          .where("a.ended_at", "is not", null)
          .orderBy("a.seq", "desc")
          .limit(1)
          .as("last_agent_id"),
      (eb) =>
        eb
          .selectFrom("attempts as a")
          .select("a.disposition")
          .whereRef("a.contact_id", "=", "c.id")
          .where("a.disposition", "is not", null)
          .orderBy("a.seq", "desc")
          .limit(1)
          .as("last_disposition"),
      (eb) =>
        eb
          .selectFrom("attempts as a")
          .select("a.disposed_by")
          .whereRef("a.contact_id", "=", "c.id")
          .where("a.disposition", "is not", null)
          .orderBy("a.seq", "desc")
          .limit(1)
          .as("last_disposed_by"),
    ])
    .where("c.campaign_id", "=", campaignId)
    .where("c.id", ">", afterId)
    .orderBy("c.id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...r,
    last_talk_sec: r.last_talk_sec === null ? null : Number(r.last_talk_sec),
    success_talk_sec: r.success_talk_sec === null ? null : Number(r.success_talk_sec),
    last_agent_id: r.last_agent_id === null ? null : Number(r.last_agent_id),
    last_disposed_by: r.last_disposed_by === null ? null : Number(r.last_disposed_by),
  }));
}

/** One page of contacts' custom fields, for finding every column an export needs before writing its header. */
export async function readCustomFieldsPage(
  db: Kysely<Database>,
  campaignId: number,
  afterId: number,
  limit: number,
): Promise<{ id: number; custom: string }[]> {
  return db
    .selectFrom("contacts")
    .select(["id", "custom"])
    .where("campaign_id", "=", campaignId)
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
}
