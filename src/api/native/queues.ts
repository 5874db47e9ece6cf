// Named agent queues of the account (Voximplant's ACD queues): create, list, read, rename, delete, and
// their members with a penalty each. A campaign dials for a queue by naming it in settings.queueId; the
// engine reads who serves a campaign from the store (store/agents.ts campaignAgents) whenever an agent logs
// in, so a change here only has to be told to the engine, as campaign queue changes are (agents.ts).
import type { FastifyInstance } from "fastify";
import type { QueueMember } from "../../store/agents.ts";
import {
  createQueue,
  deleteQueue,
  findQueue,
  listQueues,
  queueMembers,
  renameQueue,
  setQueueMembers,
} from "../../store/queues.ts";
import type { AgentQueueRow } from "../../store/schema.ts";
import { notFound } from "../plugins/errors.ts";
import { assertListedOnce, membershipRefused } from "./agents.ts";
import { keysetPage, type NativeApiDeps, tellAgentsChanged } from "./deps.ts";
import { queueBody, queueSchema } from "./schemas/agent.ts";
import { errorResponses, idParams, isoTime, keysetPageSchema, keysetQuery } from "./schemas/common.ts";
import { iso } from "./views.ts";

const queueFields = { name: { type: "string", minLength: 1, maxLength: 255 } } as const;

const namedQueueSchema = {
  type: "object",
  required: ["id", "name", "created_at", "updated_at"],
  properties: { id: { type: "integer" }, name: { type: "string" }, created_at: isoTime, updated_at: isoTime },
} as const;

const queueView = (row: AgentQueueRow) => ({
  id: row.id,
  name: row.name,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

type MembersBody = { agents: QueueMember[] };

export async function queueRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;
  const db = store.db;
  const changed = (accountId: number) => tellAgentsChanged(deps, accountId);

  async function membersView(accountId: number, queueId: number) {
    const members = await queueMembers(db, queueId);
    const ids = members.map((m) => m.agentId);
    const live = deps.agentStates && ids.length > 0 ? await deps.agentStates(accountId, ids) : new Map();
    return {
      data: members.map((m) => ({
        agent_id: m.agentId,
        name: m.name,
        extension: m.extension,
        penalty: m.penalty,
        state: live.get(m.agentId)?.state ?? "logged_out",
      })),
    };
  }

  app.post<{ Body: { name: string } }>(
    "/v1/queues",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary: "Create a named queue of agents, which campaigns dial for by settings.queueId",
        body: { type: "object", required: ["name"], additionalProperties: false, properties: queueFields },
        response: { 201: namedQueueSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const row = await createQueue(db, req.account.id, req.body.name, clock.now());
      return reply.status(201).send(queueView(row));
    },
  );

  app.get<{ Querystring: { after_id?: number; limit: number } }>(
    "/v1/queues",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary: "The account's named queues",
        querystring: keysetQuery,
        response: { 200: keysetPageSchema(namedQueueSchema), ...errorResponses },
      },
    },
    async (req) => {
      const { after_id: afterId, limit } = req.query;
      return keysetPage(await listQueues(db, req.account.id, { afterId, limit }), limit, queueView);
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/queues/:id",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary: "One named queue",
        params: idParams("id"),
        response: { 200: namedQueueSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await findQueue(db, req.account.id, req.params.id);
      if (!row) throw notFound("queue", req.params.id);
      return queueView(row);
    },
  );

  app.patch<{ Params: { id: number }; Body: { name: string } }>(
    "/v1/queues/:id",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary: "Rename a named queue",
        params: idParams("id"),
        body: { type: "object", required: ["name"], additionalProperties: false, properties: queueFields },
        response: { 200: namedQueueSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await renameQueue(db, req.account.id, req.params.id, req.body.name, clock.now());
      if (!row) throw notFound("queue", req.params.id);
      return queueView(row);
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/queues/:id",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary: "Delete a named queue and its memberships; campaigns naming it keep only their own agents",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!(await deleteQueue(db, req.account.id, req.params.id))) throw notFound("queue", req.params.id);
      await changed(req.account.id);
      return reply.status(204).send();
    },
  );

  app.put<{ Params: { id: number }; Body: MembersBody }>(
    "/v1/queues/:id/members",
    {
      config: { permission: "agents:manage" },
      schema: {
        tags: ["agents"],
        summary: "Replace the queue's members, each with a penalty (lower is offered calls first)",
        params: idParams("id"),
        body: queueBody,
        response: { 200: queueSchema, ...errorResponses },
      },
    },
    async (req) => {
      const accountId = req.account.id;
      const members = req.body.agents;
      assertListedOnce(members);
      const refusal = await setQueueMembers(store, accountId, req.params.id, members, clock.now());
      if (refusal) throw membershipRefused(refusal);
      await changed(accountId);
      return membersView(accountId, req.params.id);
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/queues/:id/members",
    {
      config: { permission: "agents:read" },
      schema: {
        tags: ["agents"],
        summary: "The queue's members, lowest penalty first, with each agent's live state",
        params: idParams("id"),
        response: { 200: queueSchema, ...errorResponses },
      },
    },
    async (req) => {
      if (!(await findQueue(db, req.account.id, req.params.id))) throw notFound("queue", req.params.id);
      return membersView(req.account.id, req.params.id);
    },
  );
}
