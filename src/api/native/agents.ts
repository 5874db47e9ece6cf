// Agents of the account and the campaign queues they take calls in (who, on which campaigns, at which
// penalty). The live side (log in, ready, pause, the event stream) is in agent-actions.ts; this file only
// shows the engine's state of each agent, through deps.agentStates, and tells the engine of changes.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { agentSessionsElsewhere } from "../../store/agent-sessions.ts";
import {
  type AgentFields,
  agentForUser,
  campaignAgentsWithSource,
  campaignsOfAgent,
  createAgent,
  deleteAgent,
  getAgent,
  listAgents,
  type MembershipRefusal,
  type QueueMember,
  removeCampaignAgent,
  setCampaignAgents,
  updateAgent,
} from "../../store/agents.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { findUser } from "../../store/credentials.ts";
import { isUniqueViolation } from "../../store/db.ts";
import type { QueueMembershipRefusal } from "../../store/queues.ts";
import type { AgentRow, Database } from "../../store/schema.ts";
import { ApiError, conflict, invalidRequest, notFound } from "../plugins/errors.ts";
import { type AgentLiveState, keysetPage, type NativeApiDeps, tellAgentsChanged } from "./deps.ts";
import {
  agentFields,
  agentSchema,
  agentWithQueuesSchema,
  campaignQueueSchema,
  queueBody,
} from "./schemas/agent.ts";
import { errorResponses, idParams, keysetPageSchema, keysetQuery } from "./schemas/common.ts";
import { iso } from "./views.ts";

/** The agent `agentId` of the caller's account, if the caller may act as it: a user of role `agent` only
 *  as the agent bound to them (any other credential of that role is no one's agent), every other role
 *  holding agents:act as any agent of the account. 404 for another account's agent, 403 otherwise. */
export async function requireActingAgent(
  req: FastifyRequest,
  agentId: number,
  db: Kysely<Database>,
): Promise<AgentRow> {
  const agent = await getAgent(db, req.account.id, agentId);
  if (!agent) throw notFound("agent", agentId);
  if (req.account.role !== "agent") return agent;
  const { via } = req.account;
  if (via.kind === "user" && agent.user_id === via.id) return agent;
  throw new ApiError(
    "forbidden",
    403,
    via.kind === "user"
      ? `role agent acts only as its own agent, not as agent ${agentId}`
      : "role agent acts only as a user bound to an agent",
  );
}

/** The state of an agent logged in on another node: its state proper is in that node's memory. */
const LOGGED_IN_ELSEWHERE = "logged_in_elsewhere";

function liveView(s: AgentLiveState | undefined) {
  if (!s) return { state: "logged_out", state_since: null, state_campaign_id: null, pause_reason: null };
  return {
    state: s.state,
    state_since: iso(s.since),
    state_campaign_id: s.campaignId,
    pause_reason: s.pauseReason,
  };
}

function agentView(row: AgentRow, live: AgentLiveState | undefined) {
  return {
    id: row.id,
    name: row.name,
    user_id: row.user_id,
    extension: row.extension,
    ...liveView(live),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A membership change refused by the store: its owner (a campaign or a named queue) is missing, or the
 *  agent at `index` of the body is not the account's. */
export function membershipRefused(r: MembershipRefusal | QueueMembershipRefusal): ApiError {
  if (r.missing !== "agent") return notFound(r.missing, r.id);
  return new ApiError("not_found", 404, `agent ${r.id} not found`, `body.agents[${r.index}].agentId`);
}

/** An agent listed twice in a membership body is a 400 naming its second place (the JSON schema cannot say
 *  that items differ in one property). */
export function assertListedOnce(members: QueueMember[]): void {
  const seen = new Set<number>();
  members.forEach((m, i) => {
    if (seen.has(m.agentId))
      throw invalidRequest(`agent ${m.agentId} is listed twice`, `body.agents[${i}].agentId`);
    seen.add(m.agentId);
  });
}

type AgentBody = { name: string; userId?: number | null; extension?: string | null };
type QueueBody = { agents: { agentId: number; penalty: number }[] };

export async function agentRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;
  const db = store.db;

  /** The agents' live states: this node's, and for an agent logged in on another live node (which alone
   *  holds its state) logged_in_elsewhere, since its login there; else logged out. A session naming a live
   *  node read here for an agent not on this node is another node's but for an instant (a login here
   *  between its session and the board, a session row whose delete failed, ended at the next pass). */
  async function liveStates(accountId: number, ids: number[]): Promise<Map<number, AgentLiveState>> {
    if (ids.length === 0) return new Map();
    const here = deps.agentStates
      ? await deps.agentStates(accountId, ids)
      : new Map<number, AgentLiveState>();
    const notHere = ids.filter((id) => (here.get(id)?.state ?? "logged_out") === "logged_out");
    const elsewhere = await agentSessionsElsewhere(
      db,
      { accountId, nodeId: null, agentIds: notHere },
      clock.now(),
    );
    const states = new Map(here);
    for (const [id, session] of elsewhere) {
      states.set(id, {
        state: LOGGED_IN_ELSEWHERE,
        since: session.loggedInAt,
        campaignId: null,
        pauseReason: null,
      });
    }
    return states;
  }
  const changed = (accountId: number) => tellAgentsChanged(deps, accountId);

  /** A user may act as one agent at most, and only a user of this account. */
  async function checkUserBinding(accountId: number, userId: number, agentId?: number): Promise<void> {
    if (!(await findUser(db, accountId, userId))) {
      throw invalidRequest(`user ${userId} is not a user of this account`, "body.userId");
    }
    const bound = await agentForUser(db, accountId, userId);
    if (bound && bound.id !== agentId) throw alreadyBound(userId, bound.id);
  }
  const alreadyBound = (userId: number, agentId?: number) =>
    new ApiError(
      "user_already_bound",
      409,
      `user ${userId} already acts as ${agentId === undefined ? "another agent" : `agent ${agentId}`}`,
      "body.userId",
    );

  /** Writes that bind a user: two requests racing for one user meet at the unique index. */
  async function bindingWrite(userId: number | null | undefined, write: () => Promise<AgentRow | undefined>) {
    try {
      return await write();
    } catch (err) {
      if (userId != null && isUniqueViolation(err)) throw alreadyBound(userId);
      throw err;
    }
  }

  async function oneAgentView(accountId: number, row: AgentRow) {
    const [live, queues] = await Promise.all([liveStates(accountId, [row.id]), campaignsOfAgent(db, row.id)]);
    return {
      ...agentView(row, live.get(row.id)),
      campaigns: queues.map((q) => ({ campaign_id: q.campaignId, penalty: q.penalty })),
    };
  }

  async function queueView(accountId: number, campaignId: number) {
    const members = await campaignAgentsWithSource(db, campaignId);
    const live = await liveStates(
      accountId,
      members.map((m) => m.agentId),
    );
    return {
      data: members.map((m) => ({
        agent_id: m.agentId,
        name: m.name,
        extension: m.extension,
        penalty: m.penalty,
        own: m.own,
        via_queue_id: m.viaQueueId,
        ...liveView(live.get(m.agentId)),
      })),
    };
  }

  /** Why DELETE took no one out of the campaign's own queue: the campaign is not the account's, the agent
   *  serves it only through the named queue its settings give (listed by GET, so a bare 404 would
   *  contradict the listing: its membership ends in that queue's members), or it does not serve it. */
  async function notRemoved(accountId: number, campaignId: number, agentId: number): Promise<ApiError> {
    if (!(await findCampaign(db, accountId, campaignId))) return notFound("campaign", campaignId);
    const member = (await campaignAgentsWithSource(db, campaignId)).find((m) => m.agentId === agentId);
    if (member?.viaQueueId != null) {
      const queueId = member.viaQueueId;
      return conflict(
        "agent_via_named_queue",
        `agent ${agentId} serves campaign ${campaignId} through named queue ${queueId} (its settings.queueId), ` +
          `not the campaign's own queue: take it out of that queue's members (PUT /v1/queues/${queueId}/members) ` +
          "or change the campaign's settings.queueId",
      );
    }
    return new ApiError("not_found", 404, `agent ${agentId} is not in campaign ${campaignId}'s queue`);
  }

  app.post<{ Body: AgentBody }>(
    "/v1/agents",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary: "Create an agent, optionally bound to the account user who acts as it",
        body: { type: "object", required: ["name"], additionalProperties: false, properties: agentFields },
        response: { 201: agentWithQueuesSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const accountId = req.account.id;
      const fields: AgentFields = {
        name: req.body.name,
        userId: req.body.userId ?? null,
        extension: req.body.extension ?? null,
      };
      if (fields.userId !== null) await checkUserBinding(accountId, fields.userId);
      const row = await bindingWrite(fields.userId, () => createAgent(db, accountId, fields, clock.now()));
      await changed(accountId);
      return reply.status(201).send(await oneAgentView(accountId, row!));
    },
  );

  app.get<{ Querystring: { after_id?: number; limit: number } }>(
    "/v1/agents",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary: "The account's agents, with their live state",
        querystring: keysetQuery,
        response: { 200: keysetPageSchema(agentSchema), ...errorResponses },
      },
    },
    async (req) => {
      const { after_id: afterId, limit } = req.query;
      const rows = await listAgents(db, req.account.id, { afterId, limit });
      const live = await liveStates(
        req.account.id,
        rows.slice(0, limit).map((r) => r.id),
      );
      return keysetPage(rows, limit, (r) => agentView(r, live.get(r.id)));
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/agents/:id",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary: "One agent, its live state and the campaign queues it is in",
        params: idParams("id"),
        response: { 200: agentWithQueuesSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await getAgent(db, req.account.id, req.params.id);
      if (!row) throw notFound("agent", req.params.id);
      return oneAgentView(req.account.id, row);
    },
  );

  app.patch<{ Params: { id: number }; Body: Partial<AgentBody> }>(
    "/v1/agents/:id",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary: "Rename an agent, change its extension, or bind it to another user (null: none)",
        params: idParams("id"),
        body: { type: "object", additionalProperties: false, minProperties: 1, properties: agentFields },
        response: { 200: agentWithQueuesSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const id = req.params.id;
      if (!(await getAgent(db, accountId, id))) throw notFound("agent", id);
      const { userId } = req.body;
      if (userId != null) await checkUserBinding(accountId, userId, id);
      const row = await bindingWrite(userId, () => updateAgent(db, accountId, id, req.body, clock.now()));
      if (!row) throw notFound("agent", id);
      await changed(accountId);
      return oneAgentView(accountId, row);
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/agents/:id",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary:
          "Delete an agent and its queue memberships; its attempts keep its id. Refused (409 agent_busy) while it is reserved, on a call or in wrap-up, or paused without its last call's disposition; and (409 logged_in_elsewhere) while it is logged in on another node, which alone knows whether it is busy: log it out first",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      // Deleted mid-call (or paused with the call's result unset), the agent could no longer hang up, end
      // its wrap-up or set the call's disposition: the engine refuses, and logs an idle one out before the
      // delete (engine/agents/agent-removal.ts); one logged in on another node is refused, that node
      // holding its state.
      const { id } = req.params;
      const deleted = await deps.engine.agents.remove(req.account.id, id, () =>
        deleteAgent(db, req.account.id, id),
      );
      if (!deleted) throw notFound("agent", id);
      await changed(req.account.id);
      return reply.status(204).send();
    },
  );

  app.put<{ Params: { id: number }; Body: QueueBody }>(
    "/v1/campaigns/:id/agents",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary:
          "Replace the campaign's own queue: the agents it dials for, each with a penalty; the members of the named queue its settings.queueId gives stay, and are listed too",
        params: idParams("id"),
        body: queueBody,
        response: { 200: campaignQueueSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const members: QueueMember[] = req.body.agents;
      assertListedOnce(members);
      const refusal = await setCampaignAgents(store, accountId, req.params.id, members, clock.now());
      if (refusal) throw membershipRefused(refusal);
      await changed(accountId);
      return queueView(accountId, req.params.id);
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id/agents",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary:
          "The agents who serve the campaign, its own and its named queue's (settings.queueId), lowest penalty first, with where each one's membership comes from and its live state",
        params: idParams("id"),
        response: { 200: campaignQueueSchema, ...errorResponses },
      },
    },
    async (req) => {
      if (!(await findCampaign(db, req.account.id, req.params.id))) throw notFound("campaign", req.params.id);
      return queueView(req.account.id, req.params.id);
    },
  );

  app.delete<{ Params: { id: number; agentId: number } }>(
    "/v1/campaigns/:id/agents/:agentId",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary:
          "Take an agent out of the campaign's own queue. One serving it only through the named queue its settings.queueId gives is refused with 409 agent_via_named_queue (change that queue's members); one in both stays, through the named queue",
        params: idParams("id", "agentId"),
        response: { 204: { type: "null", description: "Removed" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id, agentId } = req.params;
      const accountId = req.account.id;
      if (!(await removeCampaignAgent(db, accountId, id, agentId)))
        throw await notRemoved(accountId, id, agentId);
      await changed(accountId);
      return reply.status(204).send();
    },
  );
}
