// The agent's own callbacks (personal callbacks it promised, see store/personal-callbacks.ts), for its
// desktop: what is coming and when. It reads only; the desk dials them (engine/agents/personal-callbacks.ts).
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
}
