// Named agent queues of an account (Voximplant's ACD queues) and their members: CRUD for the API, and the
// check that a queue id a campaign or a vendor face names is the account's. Which agents serve a campaign
// (its own plus its queue's) is read in agents.ts `campaignAgents`. Another account's id reads as missing.
import type { Kysely } from "kysely";
import { foreignAgent, type Membership, membershipWrites, type QueueMember } from "./agents.ts";
import { atomically } from "./atomic.ts";
import type { Store } from "./db.ts";
import { deleteOwned, findOwned, pageOwned } from "./owned-rows.ts";
import type { AgentQueueRow, Database } from "./schema.ts";

const QUEUE_MEMBERS: Membership = {
  table: "agent_queue_members",
  owner: "queue_id",
  ownerTable: "agent_queues",
};

export interface NamedQueueMember extends QueueMember {
  name: string;
  extension: string | null;
}

/** Why a membership change wrote nothing: the queue, or the agent at `index` of the members given, is not
 *  the account's. */
export type QueueMembershipRefusal =
  | { missing: "queue"; id: number }
  | { missing: "agent"; id: number; index: number };

export async function createQueue(
  db: Kysely<Database>,
  accountId: number,
  name: string,
  now: number,
): Promise<AgentQueueRow> {
  return db
    .insertInto("agent_queues")
    .values({ account_id: accountId, name, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const findQueue = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "agent_queues", accountId, id);

/** By id, after `afterId`: up to `limit + 1` rows, the extra one telling that another page follows. */
export const listQueues = (
  db: Kysely<Database>,
  accountId: number,
  page: { afterId?: number; limit: number },
) => pageOwned(db, "agent_queues", accountId, page);

export async function renameQueue(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  name: string,
  now: number,
): Promise<AgentQueueRow | undefined> {
  return db
    .updateTable("agent_queues")
    .set({ name, updated_at: now })
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the queue and its memberships; campaigns naming it keep only their own agents. */
export const deleteQueue = (db: Kysely<Database>, accountId: number, id: number) =>
  deleteOwned(db, "agent_queues", accountId, id);

/** The queue's members, lowest penalty first (then by agent id). The caller has checked the queue is the
 *  account's. */
export async function queueMembers(db: Kysely<Database>, queueId: number): Promise<NamedQueueMember[]> {
  const rows = await db
    .selectFrom("agent_queue_members")
    .innerJoin("agents", "agents.id", "agent_queue_members.agent_id")
    .select([
      "agent_queue_members.agent_id as agentId",
      "agent_queue_members.penalty as penalty",
      "agents.name as name",
      "agents.extension as extension",
    ])
    .where("agent_queue_members.queue_id", "=", queueId)
    .orderBy("agent_queue_members.penalty")
    .orderBy("agent_queue_members.agent_id")
    .execute();
  return rows.map((r) => ({ ...r, agentId: Number(r.agentId) }));
}

/** Makes `members` the queue's whole membership, in one transaction; members that stay keep their
 *  created_at. Takes the store, not a Kysely handle: see atomic.ts for why. */
export async function setQueueMembers(
  store: Store,
  accountId: number,
  queueId: number,
  members: QueueMember[],
  now: number,
): Promise<QueueMembershipRefusal | null> {
  const db = store.db;
  if (!(await findQueue(db, accountId, queueId))) return { missing: "queue", id: queueId };
  const refusal = await foreignAgent(db, accountId, members);
  if (refusal) return refusal;
  await atomically(store, membershipWrites(db, QUEUE_MEMBERS, queueId, members, now, { replace: true }));
  return null;
}
