// Agents of an account and the campaign queues they take calls in: CRUD for the API, and the reads the
// engine makes of a queue. Whatever names an account is scoped to it (another account's id reads as
// missing); the engine's reads by campaign or agent id start from rows it already holds.
import type { Kysely } from "kysely";
import { atomically } from "./atomic.ts";
import type { Store } from "./db.ts";
import { deleteOwned, findOwned } from "./owned-rows.ts";
import type { AgentRow, Database } from "./schema.ts";

export interface AgentFields {
  name: string;
  userId: number | null;
  extension: string | null;
}

export interface QueueMember {
  agentId: number;
  /** Lower is offered calls first. */
  penalty: number;
}

/** Why a membership change wrote nothing: the campaign, or the agent at `index` of the members given, is
 *  not the account's. */
export type MembershipRefusal =
  | { missing: "campaign"; id: number }
  | { missing: "agent"; id: number; index: number };

export async function createAgent(
  db: Kysely<Database>,
  accountId: number,
  a: AgentFields,
  now: number,
): Promise<AgentRow> {
  return db
    .insertInto("agents")
    .values({
      account_id: accountId,
      name: a.name,
      user_id: a.userId,
      extension: a.extension,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const getAgent = (db: Kysely<Database>, accountId: number, id: number) =>
  findOwned(db, "agents", accountId, id);

/** By id, after `afterId`: up to `limit + 1` rows, the extra one telling that another page follows. */
export async function listAgents(
  db: Kysely<Database>,
  accountId: number,
  page: { afterId?: number; limit: number },
): Promise<AgentRow[]> {
  let query = db
    .selectFrom("agents")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .limit(page.limit + 1);
  if (page.afterId !== undefined) query = query.where("id", ">", page.afterId);
  return query.execute();
}

export async function updateAgent(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  edit: Partial<AgentFields>,
  now: number,
): Promise<AgentRow | undefined> {
  return db
    .updateTable("agents")
    .set({
      updated_at: now,
      ...(edit.name !== undefined ? { name: edit.name } : {}),
      ...(edit.userId !== undefined ? { user_id: edit.userId } : {}),
      ...(edit.extension !== undefined ? { extension: edit.extension } : {}),
    })
    .where("account_id", "=", accountId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the agent and its queue memberships; its attempts keep its id. */
export const deleteAgent = (db: Kysely<Database>, accountId: number, id: number) =>
  deleteOwned(db, "agents", accountId, id);

/** The agent the account user acts as, if any. */
export async function agentForUser(
  db: Kysely<Database>,
  accountId: number,
  userId: number,
): Promise<AgentRow | undefined> {
  return db
    .selectFrom("agents")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

async function membershipRefusal(
  db: Kysely<Database>,
  accountId: number,
  campaignId: number,
  members: QueueMember[],
): Promise<MembershipRefusal | null> {
  const campaign = await db
    .selectFrom("campaigns")
    .select("id")
    .where("account_id", "=", accountId)
    .where("id", "=", campaignId)
    .executeTakeFirst();
  if (!campaign) return { missing: "campaign", id: campaignId };
  if (members.length === 0) return null;
  const ids = [...new Set(members.map((m) => m.agentId))];
  const rows = await db
    .selectFrom("agents")
    .select("id")
    .where("account_id", "=", accountId)
    .where("id", "in", ids)
    .execute();
  const found = new Set(rows.map((r) => r.id));
  const index = members.findIndex((m) => !found.has(m.agentId));
  return index < 0 ? null : { missing: "agent", id: members[index].agentId, index };
}

function upsertMembers(db: Kysely<Database>, campaignId: number, members: QueueMember[], now: number) {
  // One row per agent (the last penalty given wins): PostgreSQL refuses to upsert one key twice in a statement.
  const penalties = new Map(members.map((m) => [m.agentId, m.penalty]));
  return db
    .insertInto("campaign_agents")
    .values(
      [...penalties].map(([agentId, penalty]) => ({
        campaign_id: campaignId,
        agent_id: agentId,
        penalty,
        created_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(["campaign_id", "agent_id"]).doUpdateSet((eb) => ({ penalty: eb.ref("excluded.penalty") })),
    );
}

/** Makes `members` the campaign's whole queue, in one transaction; members that stay keep their
 *  created_at. Takes the store, not a Kysely handle: see atomic.ts for why. */
export async function setCampaignAgents(
  store: Store,
  accountId: number,
  campaignId: number,
  members: QueueMember[],
  now: number,
): Promise<MembershipRefusal | null> {
  const db = store.db;
  const refusal = await membershipRefusal(db, accountId, campaignId, members);
  if (refusal) return refusal;
  let leave = db.deleteFrom("campaign_agents").where("campaign_id", "=", campaignId);
  if (members.length > 0) {
    leave = leave.where(
      "agent_id",
      "not in",
      members.map((m) => m.agentId),
    );
  }
  const writes = [leave.compile()];
  if (members.length > 0) writes.push(upsertMembers(db, campaignId, members, now).compile());
  await atomically(store, writes);
  return null;
}

/** Adds agents to the campaign's queue, or changes the penalty of those already in it. */
export async function addCampaignAgents(
  db: Kysely<Database>,
  accountId: number,
  campaignId: number,
  members: QueueMember[],
  now: number,
): Promise<MembershipRefusal | null> {
  const refusal = await membershipRefusal(db, accountId, campaignId, members);
  if (refusal) return refusal;
  if (members.length > 0) await upsertMembers(db, campaignId, members, now).execute();
  return null;
}

/** false when the campaign is not the account's or the agent is not in its queue. */
export async function removeCampaignAgent(
  db: Kysely<Database>,
  accountId: number,
  campaignId: number,
  agentId: number,
): Promise<boolean> {
  const r = await db
    .deleteFrom("campaign_agents")
    .where("campaign_id", "=", campaignId)
    .where("agent_id", "=", agentId)
    .where("campaign_id", "in", (eb) =>
      eb.selectFrom("campaigns").select("id").where("account_id", "=", accountId),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export interface CampaignAgent extends QueueMember {
  name: string;
  extension: string | null;
}

/** The campaign's queue, lowest penalty first (then by agent id, for a stable order). */
export async function campaignAgents(db: Kysely<Database>, campaignId: number): Promise<CampaignAgent[]> {
  return db
    .selectFrom("campaign_agents")
    .innerJoin("agents", "agents.id", "campaign_agents.agent_id")
    .select([
      "campaign_agents.agent_id as agentId",
      "campaign_agents.penalty as penalty",
      "agents.name as name",
      "agents.extension as extension",
    ])
    .where("campaign_agents.campaign_id", "=", campaignId)
    .orderBy("campaign_agents.penalty")
    .orderBy("campaign_agents.agent_id")
    .execute();
}

/** The campaigns whose queues the agent is in, by campaign id. */
export async function campaignsOfAgent(
  db: Kysely<Database>,
  agentId: number,
): Promise<{ campaignId: number; penalty: number }[]> {
  return db
    .selectFrom("campaign_agents")
    .select(["campaign_id as campaignId", "penalty"])
    .where("agent_id", "=", agentId)
    .orderBy("campaign_id")
    .execute();
}
