// JSON schemas of the Twin24 face: the autoCall task body field for field as the seed lists it (types,
// enums, which fields are always required), candidates, schedules, caller ids, and the answers. The
// "required if …" rules are checked after the schema, in translate.ts, so each 400 can name its rule.
import { DEFAULT_LIMITS } from "../../../lists/types.ts";
import { WEBHOOK_URL_BODY } from "../../native/schemas/common.ts";
import { errorResponseSchema } from "../../plugins/errors.ts";

/** Strings Twin24 clients send as "" or null when unset. */
const optionalText = { type: ["string", "null"], maxLength: 200 } as const;
const id = { type: "string", minLength: 1, maxLength: 200 } as const;
const seconds = { type: "integer", minimum: 0, maximum: 31_622_400 } as const;
const secondOfDay = { type: ["integer", "null"], minimum: 0, maximum: 86_399 } as const;

export const TWIN24_EVENT_NAMES = [
  "CALL_ENDED",
  "CANDIDATE_CHANGED",
  "CALL_REDIRECTED",
  "RECALL_SCHEDULED",
  "EFFICIENCY_REACHED",
  "AUTOCALL_STATUS_CHANGED",
] as const;

const redialRule = {
  type: "object",
  additionalProperties: false,
  required: ["redial"],
  properties: {
    redial: { type: "boolean" },
    time: { ...seconds, type: ["integer", "null"], description: "Delay before the redial, in seconds" },
    count: { type: ["integer", "null"], minimum: 0, maximum: 100, description: "Number of redials" },
  },
} as const;

const redialLimit = {
  type: ["object", "null"],
  additionalProperties: false,
  required: ["redial"],
  properties: {
    redial: { type: "boolean" },
    count: { type: ["integer", "null"], minimum: 0, maximum: 100, description: "Maximum number of calls" },
  },
} as const;

/** A webhookUrls entry: a URL, or an object with one and its options. One schema with both types rather
 *  than anyOf, so an error names what is wrong with the entry given, not that it is not the other kind:
 *  the string keywords apply to a string only, the object ones to an object only. */
const webhookEntry = {
  type: ["string", "object"],
  maxLength: 2000,
  pattern: `^${WEBHOOK_URL_BODY}$`,
  description: "An http(s) URL",
  additionalProperties: false,
  properties: {
    // Not required (the seed): "" or null, as its clients send a field left unset, is no subscription.
    url: {
      type: ["string", "null"],
      maxLength: 2000,
      pattern: `^(${WEBHOOK_URL_BODY})?$`,
      description: "An http(s) URL; empty or null: no subscription",
    },
    partialResults: { type: ["boolean", "null"] },
    delay: { type: ["integer", "null"], minimum: 0, maximum: 86_400 },
    events: {
      type: ["object", "null"],
      propertyNames: { enum: [...TWIN24_EVENT_NAMES] },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: { name: { type: "string", maxLength: 64 }, value: { type: "boolean" } },
      },
    },
  },
} as const;

export const taskBodySchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "name",
    "defaultExec",
    "defaultExecData",
    "secondExec",
    "cidType",
    "startType",
    "cps",
    "additionalOptions",
    "redialStrategyOptions",
  ],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    taskComment: { type: ["string", "null"], maxLength: 2000 },
    defaultExec: { type: "string", enum: ["robot"] },
    defaultExecData: { ...id, description: "Bot script id" },
    secondExec: { type: "string", enum: ["end", "ignore", "ch"] },
    secondExecData: optionalText,
    cidType: { type: "string", enum: ["default", "gornum", "pool"] },
    cidData: optionalText,
    callStrategy: { type: ["string", "null"], enum: ["STEP_2_STEP", "PARALLEL", null] },
    startType: { type: "string", enum: ["manual", "time"] },
    startMoment: optionalText,
    scheduleId: optionalText,
    cps: { type: "number", description: "1 + N/100 = N calls per second; 1 - N/100 = one call every N s" },
    checkPhone: { type: ["boolean", "null"] },
    lifetime: { type: ["integer", "null"], minimum: 1, maximum: 315_360_000 },
    webhookUrls: {
      type: ["array", "null"],
      maxItems: 20,
      items: webhookEntry,
    },
    additionalOptions: {
      type: "object",
      additionalProperties: false,
      required: ["fullListMethod", "fullListTime", "recordCall"],
      properties: {
        fullListMethod: { type: "string", enum: ["reject"] },
        fullListTime: { type: "integer", minimum: 0, maximum: 86_400 },
        useTr: { type: ["boolean", "null"] },
        allowCallTimeFrom: secondOfDay,
        allowCallTimeTo: secondOfDay,
        recordCall: { type: "boolean" },
        recTrimLeft: { type: ["integer", "null"], minimum: 0, maximum: 3600 },
        detectRobot: { type: ["boolean", "null"] },
        detectRobotMode: { type: ["string", "null"], enum: ["back", "block", null] },
        detectRobotGreeting: optionalText,
        providerId: optionalText,
        fz230: { type: ["boolean", "null"] },
      },
    },
    phoneNormalization: { type: ["string", "null"], enum: ["RU", null] },
    normalizationErrorAction: {
      type: ["string", "null"],
      enum: ["IGNORE_NORMALIZATION_ERROR", "SET_NORMALIZATION_ERROR_FLAG", null],
    },
    sendReportAfterFinish: { type: ["boolean", "null"] },
    redialStrategyOptions: {
      type: "object",
      additionalProperties: false,
      required: ["redialStrategyEn", "busy", "noAnswer", "answerMash", "congestion", "answerNoList"],
      properties: {
        redialStrategyEn: { type: "boolean" },
        candidateLimit: redialLimit,
        numberLimit: redialLimit,
        busy: redialRule,
        noAnswer: redialRule,
        answerMash: redialRule,
        congestion: redialRule,
        answerNoList: redialRule,
      },
    },
  },
} as const;

export const identitySchema = {
  type: "object",
  required: ["id"],
  properties: {
    id: { type: "object", required: ["identity"], properties: { identity: { type: "string" } } },
  },
} as const;

export const uuidParams = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: { id: { type: "string", minLength: 1, maxLength: 64 } },
} as const;

export const candidatesBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["batch"],
  properties: {
    batch: {
      type: "array",
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["phone"],
        properties: {
          // Both types in one schema (each keyword applies to its own type), not anyOf: an error then
          // says what is wrong with the value given, not that it is not the other kind.
          phone: {
            type: ["string", "array"],
            minLength: 1,
            maxLength: 64,
            minItems: 1,
            maxItems: 20,
            items: { type: "string", minLength: 1, maxLength: 64 },
          },
          variables: {
            type: ["object", "null"],
            maxProperties: DEFAULT_LIMITS.maxCustomFields,
            additionalProperties: { type: ["string", "number", "boolean", "null"] },
          },
          clientExternalId: { type: ["string", "null"], maxLength: 200 },
          timezone: {
            type: ["integer", "string", "null"],
            minimum: -64_800,
            maximum: 64_800,
            maxLength: 64,
            description: "Seconds east of UTC, or a zone name",
          },
        },
      },
    },
  },
} as const;

export const candidatesReportSchema = {
  type: "object",
  required: ["received", "added", "skipped", "flagged", "errors"],
  properties: {
    received: { type: "integer" },
    added: { type: "integer" },
    skipped: { type: "integer" },
    flagged: { type: "integer" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: {
          row: { type: "integer" },
          field: { type: "string" },
          code: { type: "string" },
          message: { type: "string" },
          value: { type: "string" },
        },
      },
    },
  },
} as const;

export const scheduleBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "timezone", "ranges"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    timezone: { type: "string", minLength: 1, maxLength: 64, description: "IANA zone, e.g. Europe/Moscow" },
    ranges: {
      type: "array",
      minItems: 1,
      maxItems: 100,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["days", "from", "to"],
        properties: {
          days: {
            type: "array",
            minItems: 1,
            maxItems: 7,
            uniqueItems: true,
            items: { type: "integer", minimum: 1, maximum: 7, description: "ISO weekday, 1 = Monday" },
          },
          from: { type: "string", maxLength: 8, description: "HH:mm[:ss]" },
          to: { type: "string", maxLength: 8, description: "HH:mm[:ss]; 24:00 = end of day" },
        },
      },
    },
  },
} as const;

export const callerIdBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["numbers"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    numbers: {
      type: "array",
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      items: { type: "string", minLength: 1, maxLength: 32 },
    },
  },
} as const;

/** The refusals a Twin24 client meets by name, and the ranges for the rest, as the other faces list them:
 *  a body over the limit is a 413, a wrong media type a 415, Basic guessing a 429, a failure a 500. */
export const errorResponses = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
  "4xx": errorResponseSchema,
  "5xx": errorResponseSchema,
} as const;
