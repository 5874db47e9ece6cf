// JSON schemas of agents and campaign queues. The live part of an agent (state, since, campaign, pause
// reason) comes from the engine when it offers it (deps.agentStates); the rest is the stored row.
import { idSchema, isoTime, isoTimeOrNull } from "./common.ts";

export const MAX_QUEUE_SIZE = 5000;

export const agentFields = {
  name: { type: "string", minLength: 1, maxLength: 200 },
  userId: {
    type: ["integer", "null"],
    minimum: 1,
    // Bounded as every id is (common.ts idSchema): a larger one is a 500 from PostgreSQL's bigint.
    maximum: Number.MAX_SAFE_INTEGER,
    description:
      "The account user who acts as this agent from a desktop (usually of role agent); one agent per user",
  },
  extension: {
    type: ["string", "null"],
    minLength: 1,
    maxLength: 200,
    description: "SIP endpoint or number the agent's own leg is dialed on",
  },
} as const;

export const penalty = {
  type: "integer",
  minimum: 0,
  maximum: 9999,
  default: 0,
  description: "Lower is offered calls first",
} as const;

export const queueBody = {
  type: "object",
  required: ["agents"],
  additionalProperties: false,
  properties: {
    agents: {
      type: "array",
      maxItems: MAX_QUEUE_SIZE,
      items: {
        type: "object",
        required: ["agentId"],
        additionalProperties: false,
        properties: { agentId: idSchema, penalty },
      },
    },
  },
} as const;

const liveState = {
  state: {
    type: "string",
    description:
      "logged_out, ready, reserved, on_call, wrap_up, paused, or logged_in_elsewhere (on another live node of the cluster, which holds its state; state_since is its login there)",
  },
  state_since: { ...isoTimeOrNull, description: "null while logged out with no history" },
  state_campaign_id: {
    type: ["integer", "null"],
    description: "The campaign the agent is reserved for, on a call of, or wrapping up",
  },
  pause_reason: { type: ["string", "null"] },
} as const;

export const agentSchema = {
  type: "object",
  required: ["id", "name", "user_id", "extension", "state"],
  properties: {
    id: { type: "integer" },
    name: { type: "string" },
    user_id: { type: ["integer", "null"] },
    extension: { type: ["string", "null"] },
    ...liveState,
    created_at: isoTime,
    updated_at: isoTime,
  },
} as const;

export const agentWithQueuesSchema = {
  ...agentSchema,
  required: [...agentSchema.required, "campaigns"],
  properties: {
    ...agentSchema.properties,
    campaigns: {
      type: "array",
      description: "The campaigns the agent serves: directly, or through a named queue a campaign names",
      items: {
        type: "object",
        required: ["campaign_id", "penalty"],
        properties: { campaign_id: { type: "integer" }, penalty: { type: "integer" } },
      },
    },
  },
} as const;

export const queueSchema = {
  type: "object",
  required: ["data"],
  properties: {
    data: {
      type: "array",
      description: "Lowest penalty first",
      items: {
        type: "object",
        required: ["agent_id", "name", "penalty", "state"],
        properties: {
          agent_id: { type: "integer" },
          name: { type: "string" },
          extension: { type: ["string", "null"] },
          penalty: { type: "integer" },
          ...liveState,
        },
      },
    },
  },
} as const;

/** A campaign's agents (GET/PUT /v1/campaigns/{id}/agents): a queue's entries, each saying where its
 *  membership comes from, since only the campaign's own members can be removed through the campaign. */
export const campaignQueueSchema = {
  type: "object",
  required: ["data"],
  properties: {
    data: {
      type: "array",
      description:
        "Lowest penalty first; an agent both in the campaign's own queue and in its named queue once, with the lower penalty",
      items: {
        ...queueSchema.properties.data.items,
        required: [...queueSchema.properties.data.items.required, "own", "via_queue_id"],
        properties: {
          ...queueSchema.properties.data.items.properties,
          own: {
            type: "boolean",
            description:
              "In the campaign's own queue (PUT /v1/campaigns/{id}/agents), which DELETE /v1/campaigns/{id}/agents/{agentId} takes it out of",
          },
          via_queue_id: {
            type: ["integer", "null"],
            description:
              "The named queue (the campaign's settings.queueId) the agent serves it through, null when none; such a membership is changed with PUT /v1/queues/{id}/members",
          },
        },
      },
    },
  },
} as const;
