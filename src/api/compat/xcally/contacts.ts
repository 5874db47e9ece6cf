// Xcally contact-manager lists and contacts: request schemas, parsing and the answers' shape.
// Phones: E.164 ("+39…") or digits only, taken as international (country code first, as Motion dials
// them without a country); anything libphonenumber finds invalid is a 400 naming the field, and so is a
// number with an extension or a second number after ';' (dialablePhone). There is no default country, so a
// national number such as the seed's placeholder "1234567890" is refused, and so are digits that are also
// a US (ten digits) or Russian ('8' trunk prefix) number as written there (nationalDigitsProblem): read as
// international, Manhattan's "6462345678" was dialed in New Zealand.
import { INEXACT_INTEGER_ADVICE, inexactInteger } from "../../../lib/json-numbers.ts";
import {
  asInternational,
  nationalDigitsProblem,
  type PhoneResult,
  phoneAsWritten,
} from "../../../lib/phone.ts";
import { idSchema } from "../../native/schemas/common.ts";
import { invalidRequest } from "../../plugins/errors.ts";
import { dialablePhone } from "../dialable-phone.ts";

export const MAX_CONTACTS_PER_REQUEST = 10_000;

export type ListBody = { name?: string; description?: string | null };

export const listBodySchema = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: {
    id: { type: "integer" },
    name: { type: "string", minLength: 1, maxLength: 255 },
    description: { type: ["string", "null"], maxLength: 4000 },
  },
} as const;

export type ContactBody = Record<string, unknown> & {
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | number;
  ListId?: number;
};

/** The longest value of each contact field, in a JSON body and a CSV upload alike. */
export const CONTACT_FIELD_MAX = { firstName: 255, lastName: 255, phone: 32, custom: 4000 } as const;

/** The length limit of a contact field by name (cf_N fields share one). */
export function contactFieldMax(field: string): number {
  return field.startsWith("cf_") ? CONTACT_FIELD_MAX.custom : CONTACT_FIELD_MAX[field as "phone"];
}

export const contactBodySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    firstName: { type: ["string", "null"], maxLength: CONTACT_FIELD_MAX.firstName },
    lastName: { type: ["string", "null"], maxLength: CONTACT_FIELD_MAX.lastName },
    phone: { type: ["string", "integer"], minLength: 1, maxLength: CONTACT_FIELD_MAX.phone, minimum: 1 },
    ListId: idSchema,
  },
  patternProperties: {
    "^cf_\\d{1,4}$": { type: ["string", "number", "boolean", "null"], maxLength: CONTACT_FIELD_MAX.custom },
  },
} as const;

export interface ParsedContact {
  firstName: string | null;
  lastName: string | null;
  phone: string;
  /** The cf_<n> fields, as text (null only in a row stored before they were kept as text). */
  custom: Record<string, string | null>;
}

/** A contact field's value as Motion keeps it and as a CSV cell is read: text (its cf_ columns are text,
 *  so a JSON 42 or true is "42" or "true"), without surrounding white space; blank is no value. */
function fieldText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v).trim();
  return text === "" ? null : text;
}

/** Parses a contact of a JSON body or of a CSV row alike: values trimmed, cf_ values as text, a blank
 *  name null and a blank (or null) cf_ field left out, as an empty CSV cell is. */
export function parseContact(body: ContactBody, prefix: string): ParsedContact {
  const raw = phoneAsWritten(String(body.phone ?? ""));
  // Motion's numbers carry the country code, written with or without '+', '00', spaces or dashes; digits
  // that are also a US or Russian number as written at home are refused rather than dialed abroad.
  const digitsOnly = /^[\d\s()\-.]+$/.test(raw);
  const nationalProblem = nationalDigitsProblem(raw);
  const phone: PhoneResult =
    nationalProblem !== undefined
      ? { ok: false, reason: nationalProblem }
      : dialablePhone(digitsOnly ? asInternational(raw) : raw);
  if (!phone.ok)
    throw invalidRequest(`${prefix}phone: ${phone.reason}: ${JSON.stringify(raw)}`, `${prefix}phone`);
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (!/^cf_\d+$/.test(k)) continue;
    // A 64-bit id JSON.parse rounded would be stored as another id than sent.
    if (inexactInteger(v, `${prefix}${k}`) !== undefined)
      throw invalidRequest(`${prefix}${k}: ${INEXACT_INTEGER_ADVICE}`, `${prefix}${k}`);
    const text = fieldText(v);
    if (text !== null) custom[k] = text;
  }
  return {
    firstName: fieldText(body.firstName),
    lastName: fieldText(body.lastName),
    phone: phone.e164,
    custom,
  };
}

/** A stored row's cf_ fields (its `custom` JSON) as text: rows written before cf_ values were kept as
 *  text may hold a JSON number or boolean, read back as the text Motion would give. */
export function storedCustom(json: string): Record<string, string | null> {
  const custom: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(JSON.parse(json) as Record<string, unknown>))
    custom[k] = v === null || v === undefined ? null : String(v);
  return custom;
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

export function listView(row: {
  id: number;
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    updatedAt: iso(row.updated_at),
    createdAt: iso(row.created_at),
  };
}

export function contactView(row: {
  id: number;
  list_id: number;
  first_name: string | null;
  last_name: string | null;
  phone: string;
  custom: string;
  created_at: number;
  updated_at: number;
}) {
  return {
    id: row.id,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    ListId: row.list_id,
    ...storedCustom(row.custom),
    updatedAt: iso(row.updated_at),
    createdAt: iso(row.created_at),
  };
}
