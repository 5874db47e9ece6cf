// JSON schemas and request shapes of the do-not-call routes (api/native/dnc.ts). The CSV options the
// import shares with the contact import are taken from its schema, so both document them alike.
import {
  importQuerySchema as contactImportQuery,
  reportSchema as contactReport,
} from "../../../lists/route-schemas.ts";
import { DNC_LIMITS, DNC_PHONE_POLICIES, type DncPhonePolicy } from "../dnc-input.ts";
import { isoTime, isoTimeOrNull } from "./common.ts";

/** The longest `source` an entry keeps (a file name taken for one is cut to it). */
export const MAX_SOURCE_LENGTH = 200;

const source = {
  type: "string",
  minLength: 1,
  maxLength: MAX_SOURCE_LENGTH,
  description: "The list it came from",
} as const;
/** The longest reason an entry keeps. */
export const MAX_REASON_LENGTH = 500;
/** The longest phone text an item may hold (a number kept as written is at most as long). */
export const MAX_PHONE_LENGTH = 64;
/** The longest expires_at: ISO 8601 needs 35 ("2027-12-31T23:59:59.123456789+05:00"); the format alone
 *  would take any number of fraction digits, and the body limit is computed from this. */
export const MAX_TIME_LENGTH = 64;

const reason = { type: ["string", "null"], maxLength: MAX_REASON_LENGTH } as const;
const expiresAt = {
  ...isoTimeOrNull,
  maxLength: MAX_TIME_LENGTH,
  description: "When the entry lapses (the number may be dialed again); null or absent = never",
} as const;
const phonePolicy = {
  type: "string",
  enum: DNC_PHONE_POLICIES,
  default: "skip",
  description:
    "A number that is not valid: skip it and report it (default), refuse the whole request, or (flag) list it as written, as a contact import's phone_policy=flag keeps it (text with no digit, or over 64 characters, is still skipped)",
} as const;
const csv = contactImportQuery.properties;
/** Which list: a campaign's own, else the account's. */
export const campaignList = {
  type: "integer",
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description:
    "The campaign whose own do-not-call list this is about; absent = the account's list (a campaign's calls are checked against both)",
} as const;
/** The query of the routes that name one list. */
export const listQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: { campaign_id: campaignList },
} as const;

/** The query of the routes that name one entry by its phone. */
export const entryQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    campaign_id: campaignList,
    as_written: {
      type: "boolean",
      default: false,
      description:
        "The path is the exact text of an entry listed as written (phone_policy=flag), not a number to read as E.164",
    },
  },
} as const;

export const entrySchema = {
  type: "object",
  required: ["id", "phone", "source", "reason", "created_at", "expires_at"],
  properties: {
    id: { type: "integer" },
    phone: {
      type: "string",
      description:
        "E.164; a number that is not valid is listed as written (as a contact import's phone_policy=flag keeps it)",
    },
    campaign_id: {
      type: ["integer", "null"],
      description: "The campaign whose list holds it; null = the account's",
    },
    source,
    reason,
    created_at: isoTime,
    expires_at: isoTimeOrNull,
  },
} as const;

export const reportSchema = {
  type: "object",
  required: ["rows", "added", "already_listed", "skipped", "errors", "errors_truncated"],
  properties: {
    rows: { type: "integer", description: "Numbers (JSON) or data rows (CSV) read" },
    added: { type: "integer", description: "Numbers not listed before" },
    flagged: {
      type: "integer",
      description:
        "Under phone_policy=flag: numbers that are not valid, listed as written (each also in errors, code invalid_phone)",
    },
    already_listed: {
      type: "integer",
      description: "Numbers already listed; source, reason and expiry refreshed",
    },
    skipped: { type: "integer" },
    // Row problems as the contact import reports them; codes here: invalid_phone, missing_phone,
    // duplicate, invalid_expires_at.
    errors: contactReport.properties.errors,
    errors_truncated: { type: "boolean", description: `Only the first ${DNC_LIMITS.maxErrors} are listed` },
  },
} as const;

export const phoneParams = {
  type: "object",
  required: ["phone"],
  additionalProperties: false,
  properties: {
    phone: {
      type: "string",
      minLength: 1,
      maxLength: MAX_PHONE_LENGTH,
      description: "E.164, with or without the +; or a number listed as written, URL-encoded",
    },
  },
} as const;

export type NumberItem = string | { phone: string; reason?: string | null; expires_at?: string | null };
export interface AddBody {
  numbers: NumberItem[];
  source?: string;
  reason?: string | null;
  expires_at?: string | null;
  default_country?: string;
  phone_policy?: DncPhonePolicy;
  campaign_id?: number;
}
export interface ImportQuery {
  encoding?: string;
  delimiter?: string;
  quote?: string;
  escape?: string;
  header?: boolean;
  phone_column?: string;
  default_country?: string;
  source?: string;
  reason?: string;
  expires_at?: string;
  phone_policy?: DncPhonePolicy;
  campaign_id?: number;
}

export const addBodySchema = {
  type: "object",
  required: ["numbers"],
  additionalProperties: false,
  properties: {
    numbers: {
      type: "array",
      minItems: 1,
      // A phone, or a phone with its own reason and expiry: one schema for both (each keyword applies to its
      // own type), so an error names what is wrong with the item given rather than "must be a string".
      items: {
        type: ["string", "object"],
        maxLength: MAX_PHONE_LENGTH,
        required: ["phone"],
        additionalProperties: false,
        properties: { phone: { type: "string", maxLength: MAX_PHONE_LENGTH }, reason, expires_at: expiresAt },
      },
    },
    source,
    reason,
    expires_at: expiresAt,
    default_country: csv.default_country,
    phone_policy: phonePolicy,
    campaign_id: campaignList,
  },
} as const;

export const importQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    encoding: csv.encoding,
    delimiter: csv.delimiter,
    quote: csv.quote,
    escape: csv.escape,
    header: csv.header,
    phone_column: {
      type: "string",
      minLength: 1,
      description: "Column(s) holding phones, comma-separated; 1, 2… in a file without a header",
    },
    default_country: csv.default_country,
    source: { ...source, description: "The list it came from (default: the file name, else csv)" },
    reason: { type: "string", maxLength: MAX_REASON_LENGTH },
    expires_at: { ...isoTime, description: "When the entries lapse; absent = never" },
    phone_policy: phonePolicy,
    campaign_id: campaignList,
  },
} as const;

/**
 * The body limit of POST /v1/dnc, 16 MiB: 10,000 numbers at their limits as UTF-8 text (a phone of 64
 * characters, a reason of 500 Cyrillic ones at 2 bytes each, an expires_at, the keys and punctuation: about
 * 1,200 bytes an item, 12 MB in all) fit, and a body is never held in memory at more than that. A body
 * that spells every character as \uXXXX escapes can be over it within the schema's limits: 413
 * payload_too_large, which says the limit; send fewer numbers at once.
 */
export const ADD_BODY_LIMIT = 16 * 1024 * 1024;
