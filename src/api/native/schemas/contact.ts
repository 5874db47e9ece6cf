// JSON schemas of contacts, lists and call attempts as the API shows them.
import { CONTACT_STATUSES, OUTCOMES } from "../../../model/outcome.ts";
import { isoTime, isoTimeOrNull, objectOfAnything } from "./common.ts";

export const contactSchema = {
  type: "object",
  required: ["id", "campaign_id", "list_id", "phones", "custom", "status", "attempts", "flagged"],
  properties: {
    id: { type: "integer" },
    campaign_id: { type: "integer" },
    list_id: { type: "integer" },
    external_id: { type: ["string", "null"] },
    phones: { type: "array", items: { type: "string" }, description: "E.164 numbers in dialing order" },
    custom: objectOfAnything,
    time_zone: { type: ["string", "null"] },
    daily_window: {
      type: ["object", "null"],
      description: "The contact's own daily window in UTC, HH:mm:ss",
      properties: { from: { type: "string" }, to: { type: "string" } },
    },
    start_at: isoTimeOrNull,
    priority: { type: "integer" },
    status: { type: "string", enum: CONTACT_STATUSES },
    attempts: { type: "integer" },
    last_outcome: { type: ["string", "null"], enum: [...OUTCOMES, null] },
    last_attempt_at: isoTimeOrNull,
    next_attempt_at: { ...isoTimeOrNull, description: "Only while pending" },
    wait_reason: { type: ["string", "null"] },
    flagged: { type: "boolean", description: "A phone failed normalization on import" },
    created_at: isoTime,
    updated_at: isoTime,
  },
} as const;

export const listSchema = {
  type: "object",
  required: ["id", "campaign_id", "name", "created_at", "contact_count"],
  properties: {
    id: { type: "integer" },
    campaign_id: { type: "integer" },
    name: { type: "string" },
    created_at: isoTime,
    contact_count: { type: "integer" },
    status_counts: {
      type: "object",
      additionalProperties: { type: "integer" },
      description: "The list's contacts by status (statuses it has none of are left out)",
    },
  },
} as const;

export const attemptSchema = {
  type: "object",
  required: ["id", "contact_id", "seq", "phone", "started_at"],
  properties: {
    id: { type: "integer" },
    contact_id: { type: "integer" },
    seq: { type: "integer", description: "1-based attempt number within the contact" },
    phone: { type: "string" },
    caller_id: { type: ["string", "null"] },
    started_at: isoTime,
    answered_at: isoTimeOrNull,
    ended_at: isoTimeOrNull,
    outcome: { type: ["string", "null"], enum: [...OUTCOMES, null] },
    cause: { type: ["string", "null"] },
    talk_sec: { type: ["number", "null"] },
    success: { type: ["boolean", "null"] },
    details: { type: ["object", "null"], additionalProperties: true },
    agent_id: {
      type: ["integer", "null"],
      description:
        "The agent the live answer was connected to; null when the call reached no agent (even if one disposed of it)",
    },
    wait_ms: {
      type: ["integer", "null"],
      description: "How long the answered person waited for an agent (abandoned calls: until abandoned)",
    },
    disposition: { type: ["string", "null"], description: "Set by the agent after the call" },
    disposition_at: isoTimeOrNull,
    disposed_by: {
      type: ["integer", "null"],
      description: "The agent who set the disposition (not necessarily the one the call was connected to)",
    },
  },
} as const;
