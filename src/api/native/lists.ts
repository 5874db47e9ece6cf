// Contact lists of a campaign. Contacts get into a list through the import routes (lists/).
import type { FastifyInstance } from "fastify";
import { findCampaign } from "../../store/campaigns.ts";
import { insertList, listListsWithContactCounts } from "../../store/lists.ts";
import { notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams } from "./schemas/common.ts";
import { listSchema } from "./schemas/contact.ts";
import { listView } from "./views.ts";

export async function listRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;

  app.post<{ Params: { id: number }; Body: { name: string } }>(
    "/v1/campaigns/:id/lists",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["lists"],
        summary: "Create an empty contact list in a campaign",
        params: idParams("id"),
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1, maxLength: 200 } },
        },
        response: { 201: listSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const row = await insertList(store.db, {
        accountId: req.account.id,
        campaignId: campaign.id,
        name: req.body.name,
        now: clock.now(),
      });
      return reply.status(201).send(listView({ ...row, contact_count: 0 }));
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/campaigns/:id/lists",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["lists"],
        summary: "The campaign's contact lists with their contact counts",
        params: idParams("id"),
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: listSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const rows = await listListsWithContactCounts(store.db, campaign.id);
      return { data: rows.map(listView) };
    },
  );
}
