// The JAICP Calls API face: GET …/addPhone and POST …/addPhones under /api/calls/campaign/{token}, the
// campaign token (made with POST /v1/campaigns/{id}/tokens) being the credential and naming the campaign.
// Numbers land in the campaign's "Calls API" list; the answer is the created call job (contact) ids.
import { maxHeaderSize } from "node:http";
import type { FastifyInstance } from "fastify";
import { withDefaults } from "../../../model/campaign-settings.ts";
import { findCampaign } from "../../../store/campaigns.ts";
import { insertContacts, type NewContactSpec } from "../../../store/contacts-insert.ts";
import type { NativeApiDeps } from "../../native/deps.ts";
import { errorResponses } from "../../native/schemas/common.ts";
import { invalidRequest } from "../../plugins/errors.ts";
import { textAnswer } from "../../plugins/openapi.ts";
import { dialAgain, refuseIfEnded } from "../dial-again.ts";
import { findOrCreateList } from "../named-list.ts";
import { installRelativeFieldErrors } from "../relative-errors.ts";
import { type CallJob, contactForJob, contactOfCampaign, MAX_PAYLOAD_FIELDS, WEEKDAYS } from "./call-jobs.ts";
import { installJsonBodyParser } from "./json-body.ts";
import {
  type AddPhoneQuery,
  addPhoneLimits,
  MAX_LIST_VALUES,
  MAX_VALUE_CHARS,
  refuseQueryOverLimits,
} from "./query-limits.ts";
import { refuseQueryNotUtf8 } from "./query-text.ts";

/** The campaign token in this face's paths: a secret, which a log line must not carry. */
// Any case and doubled slashes too: such a path is a 404, but its log line must not show the token.
export const CAMPAIGN_TOKEN_IN_PATH = /(\/api\/+calls\/+campaign\/+)[^/?#]+/i;

/** Call jobs per POST /addPhones; send more in further requests. */
export const MAX_JOBS_PER_REQUEST = 10_000;
/** Bytes of a POST /addPhones body: the app's 1 MiB is ~100 bytes a job at the most jobs, less than a number
 *  with a zone and a small payload takes; 16 MiB is ~1.6 KiB a job. Jobs with larger payloads go in more
 *  requests (the schema bounds a payload's fields, not its size). */
export const ADD_PHONES_BODY_LIMIT = 16 * 1024 * 1024;
const LIST_NAME = "Calls API";

// Seconds too: Jackson writes a java.time.LocalTime as "10:00:00", as the core's WeeklyRange takes it.
const localTime = {
  type: "string",
  pattern: "^([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?$",
  description: "A time of day as HH:mm or HH:mm:ss",
} as const;
const intervals = {
  type: "array",
  minItems: 1,
  items: {
    type: "object",
    required: ["localTimeFrom", "localTimeTo"],
    additionalProperties: false,
    properties: { localTimeFrom: localTime, localTimeTo: localTime },
  },
} as const;

const callJobSchema = {
  type: "object",
  required: ["phone"],
  additionalProperties: false,
  properties: {
    phone: { type: ["string", "integer"], minLength: 1, maxLength: 32, minimum: 1 },
    // null as absent: Java and Kotlin clients write unset optional fields so.
    gmtZone: { type: ["string", "null"], maxLength: 64 },
    payload: { type: "object", additionalProperties: true, maxProperties: MAX_PAYLOAD_FIELDS },
    startDateTime: { type: "string", format: "date-time" },
    finishDateTime: { type: "string", format: "date-time" },
    allowedDays: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", enum: [...WEEKDAYS] },
    },
    allowedTime: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: Object.fromEntries(["default", ...WEEKDAYS].map((d) => [d, intervals])),
    },
    retryIntervalInMinutes: { type: "integer", minimum: 1, maximum: 525_600 },
    maxAttempts: { type: "integer", minimum: 1, maximum: 100 },
    dialerPriority: { type: "integer", minimum: 0, maximum: 1000, description: "Higher is dialed earlier" },
  },
} as const;

const addPhonesBody = {
  type: "array",
  minItems: 1,
  maxItems: MAX_JOBS_PER_REQUEST,
  items: callJobSchema,
} as const;

/** A field's schema that takes null too (the document's view of a field absentAsAbsent drops when null). */
function orNull<S extends { type: string | readonly string[] }>(schema: S): Record<string, unknown> {
  const types = [schema.type].flat();
  return { ...schema, type: types.includes("null") ? types : [...types, "null"] };
}

/** A call job as clients may send it, for the OpenAPI document: null in any optional field or weekday of
 *  allowedTime, and an empty allowedDays or allowedTime, all of which absentAsAbsent takes as absent before
 *  callJobSchema (which Fastify validates) sees the job. Derived from it, so the two cannot drift apart. */
function callJobAsSent(): Record<string, unknown> {
  const { phone: _, allowedDays, allowedTime, ...optional } = callJobSchema.properties;
  const { minItems: __, ...anyDays } = allowedDays;
  const { minProperties: ___, ...anyTime } = allowedTime;
  const days = Object.fromEntries(Object.entries(anyTime.properties).map(([d, s]) => [d, orNull(s)]));
  const properties = {
    // Spread first, so the fields keep their order; the phone stays as it is.
    ...callJobSchema.properties,
    ...Object.fromEntries(Object.entries(optional).map(([name, s]) => [name, orNull(s)])),
    allowedDays: orNull(anyDays),
    allowedTime: orNull({ ...anyTime, properties: days }),
  };
  return { ...callJobSchema, properties };
}

/**
 * Java and Kotlin clients write an unset optional field as null, and often an unset collection as empty:
 * each such field of a job is taken as absent (it would otherwise refuse the whole batch, or, counted as a
 * policy, send the job ahead of the others). Runs before the schema; the phone is left to it.
 */
function absentAsAbsent(body: unknown): void {
  if (!Array.isArray(body)) return;
  for (const job of body) {
    if (job === null || typeof job !== "object" || Array.isArray(job)) continue;
    const fields = job as Record<string, unknown>;
    for (const [name, value] of Object.entries(fields)) {
      if (name === "phone") continue;
      // The same clients' AllowedTime class writes the weekdays it was not given as null.
      if (name === "allowedTime" && value !== null && typeof value === "object" && !Array.isArray(value)) {
        const days = value as Record<string, unknown>;
        for (const [day, ranges] of Object.entries(days)) if (ranges === null) delete days[day];
      }
      const empty =
        value === null ||
        ((name === "allowedDays" || name === "allowedTime") &&
          typeof value === "object" &&
          Object.keys(value as object).length === 0);
      if (empty) delete fields[name];
    }
  }
}

export async function jaicpApi(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, clock } = deps;
  installRelativeFieldErrors(app);
  installJsonBodyParser(app);

  async function addContacts(
    accountId: number,
    campaignId: number,
    specs: NewContactSpec[],
  ): Promise<number[]> {
    await refuseIfEnded(deps, accountId, campaignId);
    const now = clock.now();
    const list = await findOrCreateList(store, { accountId, campaignId, name: LIST_NAME, now });
    const ids = await insertContacts(store.db, { accountId, campaignId, listId: list.id, now }, specs);
    // A campaign that has run dry is brought back, so the new numbers get dialed.
    await dialAgain(deps, accountId, campaignId);
    return ids;
  }

  /** The campaign's defaultZone: the clock of a job's own hours when neither the job nor its number tells one. */
  async function campaignDefaultZone(accountId: number, campaignId: number): Promise<string | null> {
    const campaign = await findCampaign(store.db, accountId, campaignId);
    return campaign ? withDefaults(JSON.parse(campaign.settings)).defaultZone : null;
  }

  app.get<{ Params: { token: string }; Querystring: AddPhoneQuery }>(
    "/api/calls/campaign/:token/addPhone",
    {
      // A HEAD (a link checker, a chat app's preview of the URL) must not queue a call.
      exposeHeadRoute: false,
      preValidation: async (req) => {
        refuseQueryNotUtf8(req.url);
        refuseQueryOverLimits(req.query);
      },
      config: {
        campaignToken: true,
        openapiResponses: { 200: textAnswer("The created call job id", "text/plain") },
      },
      schema: {
        tags: ["jaicp"],
        summary: "JAICP: add one number; every other query parameter is payload for the script",
        description: addPhoneLimits(maxHeaderSize),
        security: [],
        params: { type: "object", required: ["token"], properties: { token: { type: "string" } } },
        querystring: {
          type: "object",
          required: ["phone"],
          properties: { phone: { type: "string", minLength: 1, maxLength: 32 }, gmtZone: { type: "string" } },
          // A parameter given twice (?tag=a&tag=b, as form serializers write a list) is payload as a list.
          additionalProperties: {
            anyOf: [
              { type: "string", maxLength: MAX_VALUE_CHARS },
              {
                type: "array",
                maxItems: MAX_LIST_VALUES,
                items: { type: "string", maxLength: MAX_VALUE_CHARS },
              },
            ],
          },
        },
        response: { 200: { type: "string", description: "The created call job id" }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { phone, gmtZone, ...payload } = req.query;
      // addPhones' JSON parser refuses a "__proto__" key (a prototype-poisoning guard), naming it
      // (json-body.ts); the same payload field sent here is refused too, rather than taken by one route and
      // not the other.
      if (Object.hasOwn(payload, "__proto__")) {
        throw invalidRequest("__proto__: a reserved name, not taken as a payload parameter", "__proto__");
      }
      // No hours of its own (allowedTime=… here is payload), so no zone they need (contactOfCampaign).
      const spec = contactForJob({ phone, gmtZone, payload }, "");
      const [id] = await addContacts(req.account.id, req.account.via.id, [spec]);
      return reply.type("text/plain; charset=utf-8").send(String(id));
    },
  );

  app.post<{ Params: { token: string }; Body: CallJob[] }>(
    "/api/calls/campaign/:token/addPhones",
    {
      config: {
        campaignToken: true,
        openapiBodyAsSent: { ...addPhonesBody, items: callJobAsSent() },
      },
      bodyLimit: ADD_PHONES_BODY_LIMIT,
      preValidation: async (req) => absentAsAbsent(req.body),
      schema: {
        tags: ["jaicp"],
        summary: `JAICP: add numbers, each with its own call policy (CallJobParameters); at most ${MAX_JOBS_PER_REQUEST}`,
        description: `At most ${MAX_JOBS_PER_REQUEST} call jobs (more: 400 naming the body) and ${ADD_PHONES_BODY_LIMIT} bytes (more: 413).`,
        security: [],
        params: { type: "object", required: ["token"], properties: { token: { type: "string" } } },
        body: addPhonesBody,
        response: { 200: { type: "array", items: { type: "integer" } }, ...errorResponses },
      },
    },
    async (req) => {
      const defaultZone = await campaignDefaultZone(req.account.id, req.account.via.id);
      // The first bad job refuses the request, as any other per-job error: nothing of it is written.
      const specs = req.body.map((job, i) => contactOfCampaign(job, `[${i}].`, defaultZone));
      return addContacts(req.account.id, req.account.via.id, specs);
    },
  );
}
