// Agents of an account and the campaign queues they take calls in: CRUD for the API, and the reads the
// engine makes of a queue. Whatever names an account is scoped to it (another account's id reads as
// missing); the engine's reads by campaign or agent id start from rows it already holds.
import { type CompiledQuery, type Kysely, sql } from "kysely";
import { atomically } from "./atomic.ts";
import type { Store } from "./db.ts";
import { deleteOwned, findOwned, pageOwned } from "./owned-rows.ts";
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
export const listAgents = (
  db: Kysely<Database>,
  accountId: number,
  page: { afterId?: number; limit: number },
) => pageOwned(db, "agents", accountId, page);

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
  return foreignAgent(db, accountId, members);
}

/** The first of `members` that is not an agent of the account, with its index; null when all are. */
export async function foreignAgent(
  db: Kysely<Database>,
  accountId: number,
  members: QueueMember[],
): Promise<{ missing: "agent"; id: number; index: number } | null> {
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

/** A table of agents with a penalty each, by owner: a campaign's own agents, or a named queue's members. */
export type Membership =
  | { table: "campaign_agents"; owner: "campaign_id"; ownerTable: "campaigns" }
  | { table: "agent_queue_members"; owner: "queue_id"; ownerTable: "agent_queues" };

const CAMPAIGN_MEMBERS: Membership = {
  table: "campaign_agents",
  owner: "campaign_id",
  ownerTable: "campaigns",
};

/** The writes that upsert `members` into the owner's membership and, with `replace`, first remove everyone
 *  else; members that stay keep their created_at. Compiled, to run as one transaction (atomic.ts). */
export function membershipWrites(
  db: Kysely<Database>,
  m: Membership,
  ownerId: number,
  members: QueueMember[],
  now: number,
  opts: { replace: boolean },
): CompiledQuery[] {
  // biome-ignore lint/suspicious/noExplicitAny: one statement over either membership table
  const loose = db as unknown as Kysely<any>;
  const writes: CompiledQuery[] = [];
  if (opts.replace) {
    // Locks the owner's row first (PostgreSQL; SQLite has one writer anyway): two replaces at once then
    // run one after the other, and the second's delete sees the first's members, instead of both
    // deleting only what was there before and leaving the union of the two lists.
    writes.push(
      loose
        .updateTable(m.ownerTable)
        .set({ id: sql.ref("id") })
        .where("id", "=", ownerId)
        .compile(),
    );
    let leave = loose.deleteFrom(m.table).where(m.owner, "=", ownerId);
    if (members.length > 0) {
      leave = leave.where(
        "agent_id",
        "not in",
        members.map((x) => x.agentId),
      );
    }
    writes.push(leave.compile());
  }
  if (members.length === 0) return writes;
  // One row per agent (the last penalty given wins): PostgreSQL refuses to upsert one key twice in a statement.
  const penalties = new Map(members.map((x) => [x.agentId, x.penalty]));
  const upsert = loose
    .insertInto(m.table)
    .values(
      [...penalties].map(([agentId, penalty]) => ({
        [m.owner]: ownerId,
        agent_id: agentId,
        penalty,
        created_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns([m.owner, "agent_id"]).doUpdateSet((eb) => ({ penalty: eb.ref("excluded.penalty") })),
    );
  writes.push(upsert.compile());
  return writes;
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
  const refusal = await membershipRefusal(store.db, accountId, campaignId, members);
  if (refusal) return refusal;
  await atomically(
    store,
    membershipWrites(store.db, CAMPAIGN_MEMBERS, campaignId, members, now, { replace: true }),
  );
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
  for (const write of membershipWrites(db, CAMPAIGN_MEMBERS, campaignId, members, now, { replace: false })) {
    await db.executeQuery(write);
  }
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

/** A campaign's agent with where its membership comes from: the campaign's own queue, the named queue its
 *  settings give, or both (removing it from one leaves it serving through the other). */
export interface CampaignAgentWithSource extends CampaignAgent {
  /** In the campaign's own queue (campaign_agents). */
  own: boolean;
  /** The named queue (settings.queueId) it is a member of, null when it is not. */
  viaQueueId: number | null;
}

/** The agents who serve the campaign: its own (campaign_agents) and the members of the named queue its
 *  settings give (settings.queueId, when it is a queue of the campaign's account); an agent in both keeps
 *  the lower penalty. Lowest penalty first (then by agent id, for a stable order). */
export async function campaignAgents(db: Kysely<Database>, campaignId: number): Promise<CampaignAgent[]> {
  return (await campaignAgentsWithSource(db, campaignId)).map(({ own, viaQueueId, ...agent }) => agent);
}

/** campaignAgents, each telling where its membership comes from. One statement, so the sources always
 *  agree with the list (a change between two reads could not make an agent listed without a source). */
export async function campaignAgentsWithSource(
  db: Kysely<Database>,
  campaignId: number,
): Promise<CampaignAgentWithSource[]> {
  const campaign = await db
    .selectFrom("campaigns")
    .select(["account_id", "settings"])
    .where("id", "=", campaignId)
    .executeTakeFirst();
  if (!campaign) return [];
  const own = db
    .selectFrom("campaign_agents")
    .select(["agent_id", "penalty", sql<number>`1`.as("own"), sql<number>`0`.as("queued")])
    .where("campaign_id", "=", campaignId);
  const queueId = (JSON.parse(campaign.settings) as { queueId?: number | null }).queueId ?? null;
  const members =
    queueId === null
      ? own
      : own.unionAll(
          db
            .selectFrom("agent_queue_members")
            .innerJoin("agent_queues", "agent_queues.id", "agent_queue_members.queue_id")
            .select([
              "agent_queue_members.agent_id as agent_id",
              "agent_queue_members.penalty as penalty",
              sql<number>`0`.as("own"),
              sql<number>`1`.as("queued"),
            ])
            .where("agent_queues.id", "=", queueId)
            .where("agent_queues.account_id", "=", campaign.account_id),
        );
  const rows = await db
    .selectFrom(members.as("m"))
    .innerJoin("agents", "agents.id", "m.agent_id")
    .select((eb) => [
      "m.agent_id as agentId",
      eb.fn.min("m.penalty").as("penalty"),
      eb.fn.max("m.own").as("own"),
      eb.fn.max("m.queued").as("queued"),
      "agents.name as name",
      "agents.extension as extension",
    ])
    .groupBy(["m.agent_id", "agents.name", "agents.extension"])
    .execute();
  // Sorted here: ordering by an aggregate's alias is not portable across the two dialects.
  return rows
    .map(({ queued, ...r }) => ({
      ...r,
      agentId: Number(r.agentId),
      penalty: Number(r.penalty),
      own: Number(r.own) === 1,
      viaQueueId: Number(queued) === 1 ? queueId : null,
    }))
    .sort((a, b) => a.penalty - b.penalty || a.agentId - b.agentId);
}

/** The campaigns the agent serves, by campaign id: those whose own queue holds it and those whose
 *  settings name a named queue it is a member of (the lower penalty where both). */
export async function campaignsOfAgent(
  db: Kysely<Database>,
  agentId: number,
): Promise<{ campaignId: number; penalty: number }[]> {
  const own = await db
    .selectFrom("campaign_agents")
    .select(["campaign_id as campaignId", "penalty"])
    .where("agent_id", "=", agentId)
    .execute();
  const penalties = new Map(own.map((r) => [Number(r.campaignId), Number(r.penalty)]));
  const memberships = await db
    .selectFrom("agent_queue_members")
    .innerJoin("agent_queues", "agent_queues.id", "agent_queue_members.queue_id")
    .select([
      "agent_queues.id as queueId",
      "agent_queues.account_id as accountId",
      "agent_queue_members.penalty",
    ])
    .where("agent_queue_members.agent_id", "=", agentId)
    .execute();
  if (memberships.length > 0) {
    const byQueue = new Map(memberships.map((m) => [Number(m.queueId), Number(m.penalty)]));
    // queueId lives in the settings JSON: read the account's campaigns that name any queue.
    const campaigns = await db
      .selectFrom("campaigns")
      .select(["id", "settings"])
      .where("account_id", "=", memberships[0].accountId)
      .where("settings", "like", '%"queueId":%')
      .execute();
    for (const c of campaigns) {
      const queueId = (JSON.parse(c.settings) as { queueId?: number | null }).queueId ?? null;
      const penalty = queueId === null ? undefined : byQueue.get(queueId);
      if (penalty === undefined) continue;
      const id = Number(c.id);
      penalties.set(id, Math.min(penalty, penalties.get(id) ?? penalty));
    }
  }
  return [...penalties]
    .map(([campaignId, penalty]) => ({ campaignId, penalty }))
    .sort((a, b) => a.campaignId - b.campaignId);
}
