// The agent's disposition of a call (native API): what came of it, and what follows for the person — a
// do-not-call entry, a callback at an instant or at a time on the person's own clock, the agent's own or
// anyone's. Validated here (a callback's time, read in the contact's zone); decided by the engine's desk.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { localTimeIn } from "../../lib/time-zone.ts";
import { invalidRequest } from "../plugins/errors.ts";
import { requireActingAgent } from "./agents.ts";
import type { NativeApiDeps } from "./deps.ts";
import { errorResponses, idParams, isoTimeOrNull, readableTime } from "./schemas/common.ts";
import { iso } from "./views.ts";

/** How far ahead a callback may be set. */
const MAX_CALLBACK_AHEAD_MS = 366 * 24 * 3600 * 1000;

export async function agentDispositionRoutes(app: FastifyInstance, deps: NativeApiDeps): Promise<void> {
  const { store, engine, clock } = deps;
  const desk = engine.agents;
  const agentParams = idParams("id");
  const act = { permission: "agents:act" } as const;
  type Req = FastifyRequest<{ Params: { id: number } }>;
  const actingAs = async (req: Req) => (await requireActingAgent(req, req.params.id, store.db)).id;

  app.post<{
    Params: { id: number };
    Body: {
      disposition: string;
      attemptId?: number;
      dnc?: boolean;
      dncList?: "account" | "campaign";
      callbackAt?: string;
      callbackLocal?: string;
      callbackPersonal?: boolean;
    };
  }>(
    "/v1/agents/:id/disposition",
    {
      config: act,
      schema: {
        tags: ["agents"],
        summary: "Set the disposition of the agent's current or last call",
        params: agentParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["disposition"],
          properties: {
            disposition: { type: "string", minLength: 1, maxLength: 100 },
            attemptId: { type: "integer", minimum: 1, description: "Default: the current or last call" },
            dnc: {
              type: "boolean",
              description:
                "The person asked not to be called again: put the number called on a do-not-call list (dncList)",
            },
            dncList: {
              type: "string",
              enum: ["account", "campaign"],
              default: "account",
              description:
                "With dnc: the account's list (no campaign calls the number again) or the call's campaign's own list",
            },
            callbackAt: {
              type: "string",
              format: "date-time",
              description:
                "The person agreed to be called back then (within a year): the contact waits until that time and gets one attempt beyond the campaign's limits (once the call has ended). Within 72 h of an abandoned call of the contact a campaign callback is a 409 abandoned_wait (a personal one is allowed: its agent is reserved first); one at or after the campaign's end (its endAt, or the halt its lifetimeSec set) is a 409 callback_after_end. A disposition without callbackAt (nor dnc) on a call whose callback is still to be made is a 409 callback_pending",
            },
            callbackLocal: {
              type: "string",
              pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$",
              description:
                "Instead of callbackAt: the callback's time on the person's own clock (e.g. 2026-12-04T10:00), in the contact's time zone or else the campaign's default zone. A time skipped when clocks go forward moves on by the gap; one repeated when they go back is the later",
            },
            callbackPersonal: {
              type: "boolean",
              description:
                "With callbackAt: the callback is this agent's own. It is dialed only for this agent, once it is due and the agent is ready in the campaign; if the agent leaves the campaign's queue, it becomes anyone's",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              attempt_id: { type: "integer" },
              disposition: { type: "string" },
              dnc_phone: { type: ["string", "null"], description: "The number put on the do-not-call list" },
              dnc_campaign_id: {
                type: ["integer", "null"],
                description: "The campaign whose own list it went on (null: the account's, or no dnc)",
              },
              callback_at: isoTimeOrNull,
              callback_personal: { type: "boolean", description: "The callback is held for this agent" },
              callback_zone: {
                type: ["string", "null"],
                description: "The zone callbackLocal was read in (null without it)",
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const agentId = await actingAs(req);
      const { disposition, attemptId, dnc, dncList, callbackPersonal } = req.body;
      if (dncList === "campaign" && dnc !== true) {
        throw invalidRequest("dncList goes with dnc: true", "body.dncList");
      }
      const { callbackLocal } = req.body;
      let callbackAt =
        req.body.callbackAt === undefined ? undefined : readableTime(req.body.callbackAt, "body.callbackAt");
      let callbackZone: string | null = null;
      if (callbackLocal !== undefined) {
        if (callbackAt !== undefined) {
          throw invalidRequest("give callbackAt or callbackLocal, not both", "body.callbackLocal");
        }
        callbackZone = await desk.callbackZone(req.account.id, agentId, attemptId ?? null);
        if (callbackZone === null) {
          // Read in UTC, "call me at 10:00" from Idaho would be a call at 03:00 there.
          throw invalidRequest(
            "the person's time zone is not known (none of their own, their number's country has several and the campaign's defaultZone is not one of them): give callbackAt",
            "body.callbackLocal",
          );
        }
        callbackAt = localTimeIn(callbackLocal, callbackZone);
        if (Number.isNaN(callbackAt)) {
          throw invalidRequest(`${callbackLocal} is not a date and time`, "body.callbackLocal");
        }
      }
      const field = callbackLocal === undefined ? "body.callbackAt" : "body.callbackLocal";
      if (callbackAt !== undefined && callbackAt <= clock.now()) {
        throw invalidRequest(
          `${field.slice(5)} must be in the future${callbackZone ? ` (read in ${callbackZone})` : ""}`,
          field,
        );
      }
      // A mistyped year would hold the contact, and keep its campaign from completing, for ever.
      if (callbackAt !== undefined && callbackAt > clock.now() + MAX_CALLBACK_AHEAD_MS) {
        throw invalidRequest(`${field.slice(5)} must be within a year from now`, field);
      }
      if (callbackPersonal === true && callbackAt === undefined) {
        throw invalidRequest("callbackPersonal needs callbackAt or callbackLocal", "body.callbackPersonal");
      }
      const r = await desk.dispose(req.account.id, agentId, disposition, attemptId ?? null, {
        dnc: dnc === true ? (dncList ?? "account") : undefined,
        callbackAt,
        personal: callbackPersonal,
      });
      return {
        attempt_id: r.attemptId,
        disposition: r.disposition,
        dnc_phone: r.dncPhone,
        dnc_campaign_id: r.dncCampaignId,
        callback_at: iso(r.callbackAt),
        callback_personal: r.callbackPersonal,
        callback_zone: callbackZone,
      };
    },
  );
}
