// Contact lists of a campaign: create, list with counts, reset a list's finished contacts for another
// round. Contacts get into a list through the import routes (lists/).
import type { FastifyInstance } from "fastify";
import { orderClassOf, withDefaults } from "../../model/campaign-settings.ts";
import { findCampaign } from "../../store/campaigns.ts";
import {
  findList,
  insertList,
  listListsWithContactCounts,
  RESETTABLE_STATUSES,
  type ResettableStatus,
  resetListContacts,
} from "../../store/lists.ts";
import { invalidRequest, notFound } from "../plugins/errors.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, idSchema, isoTime } from "./schemas/common.ts";
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
      return reply.status(201).send(listView({ ...row, contact_count: 0, status_counts: {} }));
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

  app.post<{
    Params: { id: number; listId: number };
    Body: { statuses?: ResettableStatus[]; startAt?: string } | null;
  }>(
    "/v1/campaigns/:id/lists/:listId/reset",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["lists"],
        summary:
          "Reset a list's finished contacts for another round: back to pending with their attempt counts afresh (their attempts stay on record)",
        description:
          "Do-not-call contacts (suppressed) never go back; caps, calling hours and the do-not-call list are checked again at every dial, and a contact whose last call was abandoned still waits 72 h from it (except in preview campaigns). Each contact put back is reported by a contact.status_changed event from its finished status to pending (not final: subscriptions with partialResults false do not get it). A completed or stopped campaign dials them once recovered.",
        params: {
          type: "object",
          required: ["id", "listId"],
          properties: { id: idSchema, listId: idSchema },
        },
        body: {
          type: ["object", "null"],
          additionalProperties: false,
          properties: {
            statuses: {
              type: "array",
              minItems: 1,
              uniqueItems: true,
              items: { type: "string", enum: RESETTABLE_STATUSES },
              default: ["failed", "exhausted"],
              description: "Which finished contacts go back",
            },
            startAt: { ...isoTime, description: "Not dialed before this time (default: now)" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              list_id: { type: "integer" },
              reset: { type: "integer", description: "Contacts put back to pending" },
              campaign_status: { type: "string" },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const list = await findList(store.db, campaign.id, req.params.listId);
      if (!list) throw notFound("list", req.params.listId);
      const now = clock.now();
      const startAt = req.body?.startAt === undefined ? now : Date.parse(req.body.startAt);
      if (Number.isNaN(startAt)) throw invalidRequest("startAt is not a time", "body.startAt");
      const settings = withDefaults(JSON.parse(campaign.settings));
      const { reset, events } = await resetListContacts(store, {
        campaignId: campaign.id,
        accountId: campaign.account_id,
        listId: list.id,
        statuses: req.body?.statuses ?? ["failed", "exhausted"],
        from: Math.max(now, startAt),
        now,
        orderClass: orderClassOf(settings, false),
        previewOnly: settings.dialMethod === "preview",
      });
      if (reset > 0) deps.engine.wake();
      // Its contact.status_changed events, committed with it, go out now rather than at the next poll.
      if (events > 0) deps.engine.outboxChanged();
      // As it stands after the reset: a campaign that completed just before needs a recover to dial them.
      const after = await findCampaign(store.db, req.account.id, campaign.id);
      return { list_id: list.id, reset, campaign_status: after?.status ?? campaign.status };
    },
  );
}
