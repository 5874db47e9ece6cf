// JSON schemas of API keys (never the key itself, except once in the creation answer).
import { ROLES } from "../../plugins/permissions.ts";
import { isoTime, isoTimeOrNull } from "./common.ts";

export const roleSchema = { type: "string", enum: ROLES } as const;

export const apiKeySchema = {
  type: "object",
  required: ["id", "name", "role", "prefix", "created_at"],
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    role: roleSchema,
    prefix: { type: "string", description: "The key's first characters, to tell keys apart" },
    created_at: isoTime,
    last_used_at: { ...isoTimeOrNull, description: "Minute precision" },
    revoked_at: isoTimeOrNull,
  },
} as const;

export const createdApiKeySchema = {
  ...apiKeySchema,
  required: [...apiKeySchema.required, "key"],
  properties: {
    ...apiKeySchema.properties,
    key: { type: "string", description: "The secret key: shown only in this answer, store it now" },
  },
} as const;
