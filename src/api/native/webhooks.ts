// Webhook subscriptions of the caller's account, their deliveries (the outbox as the account sees it) and
// replay of dead-lettered events. The secret that signs deliveries is in the creation answer only.
import type { FastifyInstance } from "fastify";
import { newWebhookSecret } from "../../outbox/delivery.ts";
import { webhookUrlProblem, webhookUrlSpelling } from "../../outbox/destinations.ts";
import { EVENT_TYPES } from "../../outbox/events.ts";
import { findCampaign } from "../../store/campaigns.ts";
import type { WebhookDeliveryRow, WebhookRow } from "../../store/schema.ts";
import {
  deleteWebhook,
  findDelivery,
  findWebhook,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  replayDeliveries,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookEdit,
} from "../../store/webhooks.ts";
import { conflict, invalidRequest, notFound } from "../plugins/errors.ts";
import { keysetPage, type NativeApiDeps } from "./deps.ts";
import {
  afterIdQuery,
  errorResponses,
  idParams,
  isoTime,
  isoTimeOrNull,
  limitQuery,
  nextAfterId,
  WEBHOOK_URL_BODY,
} from "./schemas/common.ts";
import { iso } from "./views.ts";

/** The URL to store: one a request can go to, in its one spelling (webhookUrlSpelling). */
function usableUrl(url: string): string {
  const problem = webhookUrlProblem(url);
  if (problem) throw invalidRequest(`url ${problem}`, "body.url");
  return webhookUrlSpelling(url);
}

const DELIVERY_STATUSES = ["pending", "delivered", "dead"] as const;
const DEFAULT_MAX_ATTEMPTS = 12;

const editable = {
  url: {
    type: "string",
    maxLength: 2000,
    pattern: `^${WEBHOOK_URL_BODY}$`,
    description: "http:// or https:// URL that receives a POST per event",
  },
  events: {
    type: "array",
    minItems: 1,
    uniqueItems: true,
    items: { type: "string", enum: [...EVENT_TYPES] },
  },
  delaySec: { type: "integer", minimum: 0, maximum: 86_400, description: "Wait before the first delivery" },
  partialResults: {
    type: "boolean",
    description: "false = only events that settle a contact or campaign (no intermediate attempts)",
  },
  maxAttempts: {
    type: "integer",
    minimum: 1,
    maximum: 50,
    description: "Failed deliveries after which an event is dead-lettered",
  },
  active: { type: "boolean" },
} as const;

const webhookSchema = {
  type: "object",
  required: ["id", "campaign_id", "url", "events", "delay_sec", "partial_results", "max_attempts", "active"],
  properties: {
    id: { type: "integer" },
    campaign_id: { type: ["integer", "null"] },
    url: { type: "string" },
    events: { type: "array", items: { type: "string" } },
    delay_sec: { type: "integer" },
    partial_results: { type: "boolean" },
    max_attempts: { type: "integer" },
    active: { type: "boolean" },
    created_at: isoTime,
    updated_at: isoTime,
  },
} as const;

/** A subscription with its signing secret: only in the answers that make one. */
const webhookWithSecretSchema = {
  ...webhookSchema,
  required: [...webhookSchema.required, "secret"],
  properties: { ...webhookSchema.properties, secret: { type: "string" } },
};

const deliverySchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    event_id: { type: "string" },
    event_type: { type: "string" },
    status: { type: "string", enum: [...DELIVERY_STATUSES] },
    attempts: { type: "integer" },
    next_attempt_at: isoTime,
    last_status: { type: ["integer", "null"] },
    last_error: { type: ["string", "null"] },
    created_at: isoTime,
    delivered_at: isoTimeOrNull,
    dead_at: {
      ...isoTimeOrNull,
      description: "When a dead letter's last try failed (its 30 days count from then)",
    },
    payload: { type: "object", additionalProperties: true },
  },
} as const;

function webhookView(r: WebhookRow) {
  return {
    id: r.id,
    campaign_id: r.campaign_id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    delay_sec: r.delay_sec,
    partial_results: r.partial_results === 1,
    max_attempts: r.max_attempts,
    active: r.active === 1,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

function deliveryView(r: WebhookDeliveryRow) {
  return {
    id: r.id,
    event_id: r.event_id,
    event_type: r.event_type,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: iso(r.next_attempt_at),
    last_status: r.last_status,
    last_error: r.last_error,
    created_at: iso(r.created_at),
    delivered_at: iso(r.delivered_at),
    // A dead letter's next_attempt_at is the time it died (store/webhooks.ts recordDelivery).
    dead_at: r.status === "dead" ? iso(r.next_attempt_at) : null,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  };
}

interface CreateBody {
  url: string;
  events: string[];
  campaignId?: number;
  delaySec?: number;
  partialResults?: boolean;
  maxAttempts?: number;
  active?: boolean;
}

export async function webhookRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock, engine } = deps;

  async function owned(accountId: number, id: number): Promise<WebhookRow> {
    const row = await findWebhook(store.db, accountId, id);
    if (!row) throw notFound("webhook", id);
    return row;
  }

  app.post<{ Body: CreateBody }>(
    "/v1/webhooks",
    {
      config: { permission: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Subscribe a URL to events; the answer holds the signing secret, shown this once",
        body: {
          type: "object",
          required: ["url", "events"],
          additionalProperties: false,
          properties: {
            ...editable,
            campaignId: {
              type: "integer",
              minimum: 1,
              maximum: Number.MAX_SAFE_INTEGER,
              description: "Only this campaign's events",
            },
          },
        },
        response: {
          201: webhookWithSecretSchema,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const url = usableUrl(b.url);
      if (b.campaignId !== undefined && !(await findCampaign(store.db, req.account.id, b.campaignId))) {
        throw notFound("campaign", b.campaignId);
      }
      const secret = newWebhookSecret();
      const row = await insertWebhook(store.db, {
        accountId: req.account.id,
        campaignId: b.campaignId ?? null,
        url,
        secret,
        events: b.events,
        delaySec: b.delaySec ?? 0,
        partialResults: b.partialResults ?? true,
        maxAttempts: b.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        active: b.active ?? true,
        now: clock.now(),
      });
      return reply.status(201).send({ ...webhookView(row), secret });
    },
  );

  app.get(
    "/v1/webhooks",
    {
      config: { permission: "webhooks:read" },
      schema: {
        tags: ["webhooks"],
        summary: "The account's webhook subscriptions",
        response: {
          200: {
            type: "object",
            required: ["data"],
            properties: { data: { type: "array", items: webhookSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: (await listWebhooks(store.db, req.account.id)).map(webhookView) }),
  );

  app.get<{ Params: { id: number } }>(
    "/v1/webhooks/:id",
    {
      config: { permission: "webhooks:read" },
      schema: {
        tags: ["webhooks"],
        summary: "One webhook subscription",
        params: idParams("id"),
        response: { 200: webhookSchema, ...errorResponses },
      },
    },
    async (req) => webhookView(await owned(req.account.id, req.params.id)),
  );

  app.patch<{ Params: { id: number }; Body: WebhookEdit }>(
    "/v1/webhooks/:id",
    {
      config: { permission: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Change a subscription; events already in its outbox keep what they were written with",
        params: idParams("id"),
        body: { type: "object", additionalProperties: false, minProperties: 1, properties: editable },
        response: { 200: webhookSchema, ...errorResponses },
      },
    },
    async (req) => {
      const edit = req.body.url === undefined ? req.body : { ...req.body, url: usableUrl(req.body.url) };
      const row = await updateWebhook(store.db, req.account.id, req.params.id, edit, clock.now());
      if (!row) throw notFound("webhook", req.params.id);
      return webhookView(row);
    },
  );

  app.post<{ Params: { id: number } }>(
    "/v1/webhooks/:id/rotate-secret",
    {
      config: { permission: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary:
          "A new signing secret, shown once in this answer: a subscription made by a vendor face (Twin24's " +
          "webhookUrls) gets the secret its receiver checks here, and a lost one is replaced. Requests sent " +
          "from now on are signed with it; one already on the wire was signed with the old one",
        params: idParams("id"),
        response: { 200: webhookWithSecretSchema, ...errorResponses },
      },
    },
    async (req) => {
      const row = await rotateWebhookSecret(
        store.db,
        req.account.id,
        req.params.id,
        newWebhookSecret(),
        clock.now(),
      );
      if (!row) throw notFound("webhook", req.params.id);
      return { ...webhookView(row), secret: row.secret };
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/v1/webhooks/:id",
    {
      config: { permission: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Delete a subscription and its undelivered events",
        params: idParams("id"),
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!(await deleteWebhook(store.db, req.account.id, req.params.id)))
        throw notFound("webhook", req.params.id);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { id: number }; Querystring: { status?: string; after_id?: number; limit: number } }>(
    "/v1/webhooks/:id/deliveries",
    {
      config: { permission: "webhooks:read" },
      schema: {
        tags: ["webhooks"],
        summary: "The subscription's events in write order: pending, delivered or dead-lettered",
        params: idParams("id"),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", enum: [...DELIVERY_STATUSES] },
            after_id: afterIdQuery,
            limit: limitQuery,
          },
        },
        response: {
          200: {
            type: "object",
            required: ["data", "next_after_id"],
            properties: { data: { type: "array", items: deliverySchema }, next_after_id: nextAfterId },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const hook = await owned(req.account.id, req.params.id);
      const q = req.query;
      const rows = await listDeliveries(store.db, {
        webhookId: hook.id,
        status: q.status,
        afterId: q.after_id,
        limit: q.limit,
      });
      return keysetPage(rows, q.limit, deliveryView);
    },
  );

  app.post<{ Params: { id: number; deliveryId: number } }>(
    "/v1/webhooks/:id/deliveries/:deliveryId/replay",
    {
      config: { permission: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Send a dead-lettered (or delivered) event again, with its attempts reset",
        params: idParams("id", "deliveryId"),
        response: {
          200: { type: "object", required: ["replayed"], properties: { replayed: { type: "integer" } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const hook = await owned(req.account.id, req.params.id);
      assertActive(hook);
      const replayed = await replayDeliveries(store.db, hook.id, clock.now(), [req.params.deliveryId]);
      if (replayed === 0 && !(await findDelivery(store.db, hook.id, req.params.deliveryId))) {
        throw notFound("delivery", req.params.deliveryId);
      }
      if (replayed > 0) engine.outboxChanged();
      return { replayed };
    },
  );

  app.post<{ Params: { id: number } }>(
    "/v1/webhooks/:id/replay",
    {
      config: { permission: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Send every dead-lettered event of the subscription again",
        params: idParams("id"),
        response: {
          200: { type: "object", required: ["replayed"], properties: { replayed: { type: "integer" } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const hook = await owned(req.account.id, req.params.id);
      assertActive(hook);
      const replayed = await replayDeliveries(store.db, hook.id, clock.now());
      if (replayed > 0) engine.outboxChanged();
      return { replayed };
    },
  );
}

/** An inactive subscription sends nothing and takes no new events; what it holds, replayed or not, waits
 *  until it is active again. A replay answered `replayed: N` and sent nothing. */
function assertActive(hook: WebhookRow): void {
  if (hook.active !== 1)
    throw conflict(
      "webhook_inactive",
      `webhook ${hook.id} is inactive: its events wait until it is made active again (PATCH active: true)`,
    );
}
