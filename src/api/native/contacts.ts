// Contacts: search a campaign's contacts, read one, cancel one that has not been dialed yet.
import type { FastifyInstance } from "fastify";
import { CONTACT_STATUSES, OUTCOMES } from "../../model/outcome.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { findContact, queryContacts } from "../../store/contacts-query.ts";
import { conflict, notFound } from "../plugins/errors.ts";
import { keysetPage, type NativeApiDeps } from "./deps.ts";
import {
  afterIdQuery,
  commaListQuery,
  errorResponses,
  idParams,
  isoTimeQuery,
  keysetPageSchema,
  limitQuery,
  splitList,
} from "./schemas/common.ts";
import { contactSchema } from "./schemas/contact.ts";
import { contactView } from "./views.ts";

interface ContactsQuery {
  limit: number;
  after_id?: number;
  status?: string;
  list_id?: number;
  phone?: string;
  external_id?: string;
  flagged?: boolean;
  last_outcome?: string;
  updated_since?: string;
}

export async function contactRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Params: { id: number }; Querystring: ContactsQuery }>(
    "/v1/campaigns/:id/contacts",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["contacts"],
        summary: "Search a campaign's contacts, in id order",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: limitQuery,
            after_id: afterIdQuery,
            status: commaListQuery(CONTACT_STATUSES, "contact statuses"),
            list_id: { type: "integer", minimum: 1 },
            phone: {
              type: "string",
              pattern: "^\\+[1-9]\\d{1,14}$",
              description: "An E.164 number such as +12125550100 (any of the contact's numbers)",
            },
            external_id: { type: "string", minLength: 1, maxLength: 200 },
            flagged: {
              type: "boolean",
              description: "Only contacts whose phone failed normalization (or not)",
            },
            last_outcome: commaListQuery(OUTCOMES, "outcomes"),
            updated_since: isoTimeQuery,
          },
        },
        response: {
          200: keysetPageSchema(contactSchema),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const q = req.query;
      const rows = await queryContacts(
        store.db,
        campaign.id,
        {
          statuses: splitList(q.status),
          listId: q.list_id,
          phone: q.phone,
          externalId: q.external_id,
          flagged: q.flagged,
          lastOutcomes: splitList(q.last_outcome),
          updatedSince: q.updated_since === undefined ? undefined : Date.parse(q.updated_since),
        },
        { afterId: q.after_id, limit: q.limit + 1 },
      );
      return keysetPage(rows, q.limit, contactView);
    },
  );

  app.get<{ Params: { id: number } }>(
    "/v1/contacts/:id",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["contacts"],
        summary: "Read a contact",
        params: idParams("id"),
        response: { 200: contactSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await findContact(store.db, req.account.id, req.params.id);
      if (!row) throw notFound("contact", req.params.id);
      return contactView(row);
    },
  );

  app.post<{ Params: { id: number } }>(
    "/v1/contacts/:id/cancel",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["contacts"],
        summary: "Cancel a pending contact so it is never dialed (again); a contact on a call is a 409",
        params: idParams("id"),
        response: { 200: contactSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const cancelled = await deps.engine.cancelContact(req.account.id, id);
      const row = await findContact(store.db, req.account.id, id);
      if (!row) throw notFound("contact", id);
      if (cancelled) return contactView(row);
      // Cancelling twice is harmless: the caller wanted it cancelled and it is.
      if (row.status === "cancelled") return contactView(row);
      if (row.status === "in_progress") {
        throw conflict("contact_in_progress", `contact ${id} is on a call now; cancel it once the call ends`);
      }
      throw conflict("contact_final", `contact ${id} is already ${row.status}`);
    },
  );
}
