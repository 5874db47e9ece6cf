// The agent's own callbacks (personal callbacks it promised, see store/personal-callbacks.ts), for its
// desktop: what is coming and when, and handing one to the campaign's other agents. The engine dials them
// (engine/agents/personal-callbacks.ts); these routes only read and release.
import type { FastifyInstance } from "fastify";
import { listPersonalCallbacks } from "../../store/personal-callbacks.ts";
import { requireActingAgent } from "./agents.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTime } from "./schemas/common.ts";
import { iso } from "./views.ts";

const callbackSchema = {
  type: "object",
  properties: {
    contact_id: { type: "integer" },
    campaign_id: { type: "integer" },
    phone: { type: "string" },
    callback_at: { ...isoTime, description: "When the person expects the call (it may be past: due)" },
    data: { type: "object", additionalProperties: true, description: "The contact's custom fields" },
  },
} as const;

export async function agentCallbackRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Params: { id: number }; Querystring: { limit: number } }>(
    "/v1/agents/:id/callbacks",
    {
      config: { permission: "agents:act" },
      schema: {
        tags: ["agents"],
        summary: "The agent's personal callbacks still to make, earliest first, in every campaign",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: { type: "object", properties: { data: { type: "array", items: callbackSchema } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const agent = await requireActingAgent(req, req.params.id, store.db);
      const rows = await listPersonalCallbacks(store, req.account.id, agent.id, req.query.limit);
      return {
        data: rows.map((r) => ({
          contact_id: r.contactId,
          campaign_id: r.campaignId,
          phone: r.phone,
          callback_at: iso(r.at),
          data: JSON.parse(r.custom) as Record<string, unknown>,
        })),
      };
    },
  );

  app.post<{ Params: { id: number; contactId: number } }>(
    "/v1/agents/:id/callbacks/:contactId/release",
    {
      config: { permission: "agents:act" },
      schema: {
        tags: ["agents"],
        summary: "Hand one of the agent's personal callbacks to the campaign's other agents",
        params: idParams("id", "contactId"),
        response: {
          200: {
            type: "object",
            properties: {
              contact_id: { type: "integer" },
              campaign_id: { type: "integer" },
              callback_at: isoTime,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const agent = await requireActingAgent(req, req.params.id, store.db);
      const r = await deps.engine.agents.releaseCallback(req.account.id, agent.id, req.params.contactId);
      return { contact_id: req.params.contactId, campaign_id: r.campaignId, callback_at: iso(r.at) };
    },
  );
}
