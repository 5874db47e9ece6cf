// Contacts: search a campaign's contacts, read one, edit one (validated as an import validates it), cancel
// one that has not been dialed yet.
import type { FastifyInstance } from "fastify";
import { type ContactEdit, ContactEditError, editContact } from "../../lists/contact-edit.ts";
import { checkedCountry } from "../../lists/import-setup.ts";
import { contactSchema as contactInputSchema } from "../../lists/route-schemas.ts";
import { CONTACT_STATUSES, OUTCOMES } from "../../model/outcome.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { findContact, queryContacts } from "../../store/contacts-query.ts";
import { ApiError, conflict, notFound } from "../plugins/errors.ts";
import { keysetPage, type NativeApiDeps } from "./deps.ts";
import {
  afterIdQuery,
  commaListQuery,
  errorResponses,
  idParams,
  idSchema,
  isoTimeQuery,
  keysetPageSchema,
  limitQuery,
  readableTime,
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
            list_id: idSchema,
            phone: {
              type: "string",
              pattern: "^\\+[1-9]\\d{1,14}$",
              description: "An E.164 number such as +12125550100 (any of the contact's numbers)",
            },
            external_id: { type: "string", minLength: 1, maxLength: 1000 },
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
          updatedSince:
            q.updated_since === undefined
              ? undefined
              : readableTime(q.updated_since, "querystring.updated_since"),
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

  const { properties: input } = contactInputSchema;
  const orNull = (schema: object) => ({ anyOf: [schema, { type: "null" }] });
  app.patch<{ Params: { id: number }; Querystring: { default_country?: string }; Body: ContactEdit }>(
    "/v1/contacts/:id",
    {
      config: { permission: "contacts:write" },
      schema: {
        tags: ["contacts"],
        summary:
          "Edit a contact: given fields replace the stored ones (null clears one; custom is merged, a null value removes that field). Validated as an import row; a contact on a call is a 409",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { default_country: { type: "string", pattern: "^[A-Za-z]{2}$" } },
        },
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            ...input,
            phones: { ...input.phones, minItems: 1 },
            external_id: orNull(input.external_id),
            time_zone: {
              ...orNull(input.time_zone),
              description:
                "IANA id or offset; null: inferred from the first phone again, as an import does. Unless given, a zone that was inferred follows new phones, and one that was set stays",
            },
            daily_window: orNull(input.daily_window),
            start_at: orNull(input.start_at),
          },
          description:
            "New phones start their per-phone attempt counts afresh; phones kept (wherever they move in the list) keep their attempts, retry counters and block, and the next phone dialed is the first in the new order with tries left. A pending contact whose phones, start time, zone or window changed is judged again: at once (or at the new start time) unless a rule holds it, in which case when its retry or callback is due; a wait for a window, a cap or a gap is judged again from now. A start time later than a retry keeps the retry beneath it: taken back, the retry's own time holds again",
        },
        response: { 200: contactSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const defaultCountry = checkedCountry(req.query.default_country, "querystring.default_country");
      let result: Awaited<ReturnType<typeof editContact>>;
      try {
        result = await editContact(store, req.account.id, id, req.body, {
          defaultCountry,
          now: deps.clock.now(),
        });
      } catch (err) {
        if (!(err instanceof ContactEditError)) throw err;
        if (err.code === "duplicate_external_id") {
          throw conflict(err.code, `external_id: ${err.message}`);
        }
        // The rules name a bad number "phone", whichever of phone or phones held it.
        const field = err.field === "phone" && req.body.phone === undefined ? "phones" : err.field;
        // The import's own code (invalid_phone, too_many_custom_fields, …), as the README promises.
        throw new ApiError(err.code, 400, err.message, `body.${field}`);
      }
      if (result.kind === "not_found") throw notFound("contact", id);
      if (result.kind === "in_progress") {
        throw conflict("contact_in_progress", `contact ${id} is on a call now; edit it once the call ends`);
      }
      if (result.kind === "changed_meanwhile") {
        throw conflict(
          "contact_changed",
          `contact ${id} changed while it was being edited; read it and try again`,
        );
      }
      if (result.redial) deps.engine.wake();
      return contactView(result.contact);
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
