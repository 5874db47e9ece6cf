// Call attempts: a campaign's (with filters) and one contact's.
import type { FastifyInstance } from "fastify";
import { OUTCOMES } from "../../model/outcome.ts";
import { queryCampaignAttempts, queryContactAttempts } from "../../store/attempts-query.ts";
import { findCampaign } from "../../store/campaigns.ts";
import { findContact } from "../../store/contacts-query.ts";
import { invalidRequest, notFound } from "../plugins/errors.ts";
import { keysetPage, type NativeApiDeps } from "./deps.ts";
import {
  afterIdQuery,
  commaListQuery,
  errorResponses,
  idParams,
  idSchema,
  isoTimeQuery,
  limitQuery,
  nextAfterId,
  readableTime,
  splitList,
} from "./schemas/common.ts";
import { attemptSchema } from "./schemas/contact.ts";
import { attemptView } from "./views.ts";

interface CampaignAttemptsQuery {
  limit: number;
  after_id?: number;
  contact_id?: number;
  agent_id?: number;
  outcome?: string;
  since?: string;
  until?: string;
}

const attemptPage = {
  200: {
    type: "object",
    required: ["data", "next_after_id"],
    properties: { data: { type: "array", items: attemptSchema }, next_after_id: nextAfterId },
  },
  ...errorResponses,
} as const;

export async function attemptRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;

  app.get<{ Params: { id: number }; Querystring: CampaignAttemptsQuery }>(
    "/v1/campaigns/:id/attempts",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["attempts"],
        summary: "A campaign's call attempts, in id order",
        description:
          "A listing, not a change feed: an attempt is listed once dialed, with the id it got when its contact " +
          "was claimed, so a preview's attempt dialed after later ones were listed (or, with several nodes on " +
          "PostgreSQL, one committed late) has an id below a cursor already passed. Follow a running campaign " +
          "with webhooks (attempt.ended); page through this listing for what is there now.",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: limitQuery,
            after_id: afterIdQuery,
            contact_id: idSchema,
            agent_id: {
              type: "integer",
              minimum: 1,
              maximum: Number.MAX_SAFE_INTEGER,
              description: "Only the calls connected to this agent",
            },
            outcome: commaListQuery(OUTCOMES, "outcomes"),
            since: { ...isoTimeQuery, description: "Attempts started at or after this time (ISO 8601)" },
            until: {
              ...isoTimeQuery,
              description: "Attempts started before this time (ISO 8601); after since, if both",
            },
          },
        },
        response: attemptPage,
      },
    },
    async (req) => {
      const campaign = await findCampaign(store.db, req.account.id, req.params.id);
      if (!campaign) throw notFound("campaign", req.params.id);
      const q = req.query;
      const rows = await queryCampaignAttempts(
        store.db,
        campaign.id,
        {
          contactId: q.contact_id,
          agentId: q.agent_id,
          outcomes: splitList(q.outcome),
          ...startedBetween(q),
        },
        { afterId: q.after_id, limit: q.limit + 1 },
        clock.now(),
      );
      return keysetPage(rows, q.limit, attemptView);
    },
  );

  app.get<{ Params: { id: number }; Querystring: { limit: number; after_id?: number } }>(
    "/v1/contacts/:id/attempts",
    {
      config: { permission: "contacts:read" },
      schema: {
        tags: ["attempts"],
        summary: "A contact's call attempts, oldest first",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: limitQuery, after_id: afterIdQuery },
        },
        response: attemptPage,
      },
    },
    async (req) => {
      const contact = await findContact(store.db, req.account.id, req.params.id);
      if (!contact) throw notFound("contact", req.params.id);
      const rows = await queryContactAttempts(
        store.db,
        contact.id,
        { afterId: req.query.after_id, limit: req.query.limit + 1 },
        clock.now(),
      );
      return keysetPage(rows, req.query.limit, attemptView);
    },
  );
}

/** The `since` … `until` window of attempts' start times: a 400 unless since is before until (an empty
 *  window is a caller's mistake, not a page with no attempts in it). */
function startedBetween(q: { since?: string; until?: string }): { since?: number; until?: number } {
  const since = q.since === undefined ? undefined : readableTime(q.since, "querystring.since");
  const until = q.until === undefined ? undefined : readableTime(q.until, "querystring.until");
  if (since !== undefined && until !== undefined && since >= until)
    throw invalidRequest("until must be after since", "querystring.until");
  return { since, until };
}
