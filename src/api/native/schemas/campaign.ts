// JSON schemas of campaigns, their lifecycle answers and the engine's explanation.
import { CAMPAIGN_STATUSES, CONTACT_STATUSES } from "../../../model/outcome.ts";
import { campaignSettingsSchema } from "./campaign-settings.ts";
import { isoTime, isoTimeOrNull } from "./common.ts";

export const campaignStatus = { type: "string", enum: CAMPAIGN_STATUSES } as const;

export const campaignSchema = {
  type: "object",
  required: ["id", "name", "status", "priority", "settings", "created_at", "updated_at"],
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    status: campaignStatus,
    status_reason: { type: ["string", "null"] },
    priority: { type: "integer" },
    settings: campaignSettingsSchema,
    created_at: isoTime,
    updated_at: isoTime,
    started_at: isoTimeOrNull,
    halt_at: { ...isoTimeOrNull, description: "When a started campaign halts (end time or lifetime)" },
    finished_at: isoTimeOrNull,
  },
} as const;

export const contactCountsSchema = {
  type: "object",
  description: "Contacts by status, and their total",
  required: ["total", ...CONTACT_STATUSES],
  properties: Object.fromEntries(["total", ...CONTACT_STATUSES].map((s) => [s, { type: "integer" }])),
} as const;

export const campaignWithCountsSchema = {
  ...campaignSchema,
  required: [...campaignSchema.required, "contact_counts"],
  properties: { ...campaignSchema.properties, contact_counts: contactCountsSchema },
} as const;

export const campaignNameSchema = { type: "string", minLength: 1, maxLength: 200 } as const;

export const lifecycleResponseSchema = {
  type: "object",
  required: ["status"],
  properties: {
    status: campaignStatus,
    recovered: { type: "integer", description: "recover only: contacts made due again" },
  },
} as const;

export const explanationSchema = {
  type: "object",
  description: "Why the campaign is or is not dialing right now",
  required: [
    "campaignId",
    "status",
    "dialing",
    "reasons",
    "warnings",
    "inFlight",
    "callsPlaced",
    "maxConcurrent",
    "counts",
    "waiting",
  ],
  properties: {
    campaignId: { type: "integer" },
    status: campaignStatus,
    dialing: { type: "boolean" },
    reasons: {
      type: "array",
      items: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string" },
          message: { type: "string" },
          until: { type: ["integer", "null"], description: "ms epoch" },
        },
      },
    },
    warnings: {
      type: "array",
      description:
        "What the campaign asks for that the node's telephony driver cannot do (it dials regardless)",
      items: {
        type: "object",
        required: ["code", "message"],
        properties: { code: { type: "string" }, message: { type: "string" } },
      },
    },
    inFlight: {
      type: "integer",
      description:
        "Calls placed and dials reserved on this node (claimed and waiting for their slot, previews on agents' screens): what counts against maxConcurrent",
    },
    callsPlaced: {
      type: "integer",
      description: "Of inFlight, the calls handed to the telephony driver (ringing or talking)",
    },
    maxConcurrent: { type: "integer" },
    callsPerSecond: { type: ["number", "null"] },
    counts: { type: "object", additionalProperties: { type: "integer" } },
    waiting: {
      type: "array",
      items: {
        type: "object",
        required: ["reason", "count"],
        properties: {
          reason: { type: "string" },
          count: { type: "integer" },
          nextAt: { type: ["integer", "null"], description: "ms epoch" },
        },
      },
    },
    nextDialAt: {
      type: ["integer", "null"],
      description:
        "ms epoch: the earliest the next dial can come by the campaign's schedule, start and end times and its contacts' due times (a callee's own hours, a cap or the agents may hold a contact later); null when none is coming or it waits on its agents",
    },
  },
} as const;
