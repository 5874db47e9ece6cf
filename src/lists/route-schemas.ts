// JSON schemas of the import routes: they validate requests and document the API through @fastify/swagger.

import { idSchema } from "../api/native/schemas/common.ts";
import { errorResponseSchema } from "../api/plugins/errors.ts";
import { DEFAULT_LIMITS, DUPLICATE_POLICIES, PHONE_POLICIES } from "./types.ts";

export const paramsSchema = {
  type: "object",
  required: ["campaignId", "listId"],
  properties: {
    campaignId: idSchema,
    listId: idSchema,
  },
} as const;

const phonePolicy = {
  type: "string",
  enum: PHONE_POLICIES,
  default: "skip",
  description:
    "An invalid phone (or other value): fail the whole import, skip the row, or keep it flagged (phones only).",
} as const;

const duplicatePolicy = {
  type: "string",
  enum: DUPLICATE_POLICIES,
  default: "skip",
  description:
    "A first phone the campaign already has (or an earlier row repeats): keep, skip, or fail the import.",
} as const;

const defaultCountry = {
  type: "string",
  pattern: "^[A-Za-z]{2}$",
  description: "ISO 3166 country for numbers written without a country code, e.g. RU for 8 916 123-45-67.",
} as const;

const mapping = (what: string) => ({ type: "string", description: `CSV column holding ${what}` }) as const;

export const importQuerySchema = {
  type: "object",
  // A misspelt option (duplicate-policy, map.phones) is a 400 naming it, not an import run with the defaults.
  additionalProperties: false,
  properties: {
    encoding: {
      type: "string",
      description:
        "utf-8 (default), utf-16le/be, windows-1251, koi8-r, latin1 …; a UTF-8/UTF-16 byte order mark wins over the encoding named.",
    },
    delimiter: {
      type: "string",
      minLength: 1,
      description: 'Field delimiter (default ","); "tab" for a tab.',
    },
    // No schema defaults here: the import's own (escape = quote unless given) must see what was left out.
    quote: { type: "string", minLength: 1, description: 'Quote character (default ").' },
    escape: {
      type: "string",
      minLength: 1,
      description: "Escapes a quote inside a quoted field (default: the quote itself, doubled).",
    },
    header: {
      type: "boolean",
      default: true,
      description: "The first row names the columns (else they are 1, 2, …).",
    },
    phone_policy: phonePolicy,
    duplicate_policy: duplicatePolicy,
    default_country: defaultCountry,
    "map.phone": mapping("the phone; several comma-separated columns in dialing order"),
    "map.external_id": mapping("the caller's id of the contact (unique in the campaign)"),
    "map.time_zone": mapping("the contact's zone: IANA id or offset like +03:00 (JAICP gmtZone formats)"),
    "map.daily_from": mapping("the start of the contact's daily window, HH:mm[:ss] UTC"),
    "map.daily_to": mapping("the end of the contact's daily window, HH:mm[:ss] UTC"),
    "map.start_at": mapping("the earliest call time, unix seconds or ISO 8601"),
    "map.priority": mapping("an integer priority (lower dials first, default 0; -2^31 to 2^31-1)"),
    "map.custom": mapping("the custom fields, comma-separated (default: every unmapped column)"),
  },
} as const;

export const contactSchema = {
  type: "object",
  // A misspelt field (externalId for external_id) is a 400 naming it, not a value silently dropped.
  additionalProperties: false,
  properties: {
    phone: {
      anyOf: [{ type: "string" }, { type: "number" }],
      description: "One phone (E.164, or national with default_country).",
    },
    phones: {
      type: "array",
      items: { anyOf: [{ type: "string" }, { type: "number" }] },
      description: "Phones in dialing order.",
    },
    external_id: { anyOf: [{ type: "string" }, { type: "number" }] },
    time_zone: { type: "string", description: "IANA id or offset (+03:00, GMT-3, …)." },
    daily_window: {
      type: "object",
      required: ["from", "to"],
      // A misspelt or unknown key (a "zone", say) is a 400, not a window silently read in UTC.
      additionalProperties: false,
      // Trimmed before reading: a little room for spaces around HH:mm:ss.
      properties: { from: { type: "string", maxLength: 16 }, to: { type: "string", maxLength: 16 } },
      description: "The contact's own daily window, HH:mm[:ss] UTC.",
    },
    start_at: {
      anyOf: [{ type: "number" }, { type: "string" }],
      description: "Earliest call time: ms since the epoch or ISO 8601.",
    },
    priority: {
      type: "integer",
      description: "Lower dials first; default 0. A 32-bit integer: -2147483648 to 2147483647.",
    },
    custom: {
      type: "object",
      additionalProperties: {
        anyOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "null" }],
      },
    },
  },
} as const;

export const contactsBodySchema = {
  type: "object",
  required: ["contacts"],
  // As in contactSchema: duplicatePolicy for duplicate_policy is a 400, not the default policy applied.
  additionalProperties: false,
  properties: {
    contacts: {
      type: "array",
      items: contactSchema,
      description: `At most ${DEFAULT_LIMITS.maxContacts} contacts (more: 413).`,
    },
    phone_policy: phonePolicy,
    duplicate_policy: duplicatePolicy,
    default_country: defaultCountry,
  },
} as const;

export const reportSchema = {
  type: "object",
  required: ["rows", "inserted", "skipped", "flagged", "errors", "errorsTruncated"],
  properties: {
    rows: { type: "integer", description: "Data rows read (blank rows are not counted)." },
    inserted: { type: "integer" },
    skipped: { type: "integer" },
    flagged: {
      type: "integer",
      description: "Rows stored with a phone kept as written (phone_policy=flag).",
    },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["row", "field", "code", "message"],
        properties: {
          row: { type: "integer", description: "1-based data row." },
          field: { type: "string" },
          code: { type: "string" },
          message: { type: "string" },
          value: { type: "string" },
        },
      },
    },
    errorsTruncated: {
      type: "boolean",
      description: `Only the first ${DEFAULT_LIMITS.maxErrors} problems are listed.`,
    },
  },
} as const;

// The error handler's own schema: a property it sets (the row an import failed at) that a schema of
// ours left out would be dropped by Fastify's serializer.
export const errorResponses = {
  400: {
    ...errorResponseSchema,
    description: "Invalid options, malformed CSV, bad encoding, a rejected row",
  },
  401: { ...errorResponseSchema, description: "No credentials, or credentials not accepted" },
  403: { ...errorResponseSchema, description: "The credentials' role may not write contacts" },
  404: { ...errorResponseSchema, description: "No such campaign or list in the account" },
  408: {
    ...errorResponseSchema,
    description: "The upload sent nothing for OUTDIAL_IMPORT_IDLE_SEC and was given up (upload_stalled)",
  },
  409: { ...errorResponseSchema, description: "A concurrent write clashed" },
  413: { ...errorResponseSchema, description: "Over the size, row or contact limits" },
  415: { ...errorResponseSchema, description: "A body type the route does not read" },
  429: {
    ...errorResponseSchema,
    description:
      "Too many wrong passwords from this address (Basic credentials), or too many imports running on the node (too_many_imports)",
  },
} as const;
