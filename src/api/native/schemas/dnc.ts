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
const reason = { type: ["string", "null"], maxLength: 500 } as const;
const expiresAt = {
  ...isoTimeOrNull,
  description: "When the entry lapses (the number may be dialed again); null or absent = never",
} as const;
const phonePolicy = {
  type: "string",
  enum: DNC_PHONE_POLICIES,
  default: "skip",
  description: "An invalid number: skip it and report it (default), or refuse the whole request",
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

export const entrySchema = {
  type: "object",
  required: ["id", "phone", "source", "reason", "created_at", "expires_at"],
  properties: {
    id: { type: "integer" },
    phone: { type: "string", description: "E.164" },
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
    phone: { type: "string", minLength: 1, maxLength: 64, description: "E.164, with or without the +" },
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
        maxLength: 64,
        required: ["phone"],
        additionalProperties: false,
        properties: { phone: { type: "string", maxLength: 64 }, reason, expires_at: expiresAt },
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
    reason: { type: "string", maxLength: 500 },
    expires_at: { ...isoTime, description: "When the entries lapse; absent = never" },
    phone_policy: phonePolicy,
    campaign_id: campaignList,
  },
} as const;
